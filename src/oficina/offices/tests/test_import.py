"""The offices CSV import (services.offices_import_csv) and `manage.py load_offices`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.offices.constants import CSV_COLUMNS
from oficina.offices.exceptions import OfficesImportError
from oficina.offices.management.commands.load_offices import Command as LoadOfficesCommand
from oficina.offices.models import Office
from oficina.offices.services import offices_import_csv
from oficina.offices.tests.conftest import SHIPPED_CSV

pytestmark = pytest.mark.django_db

HEADER = ",".join(CSV_COLUMNS)
DOMAIN_OFFICES = {
    "05": {"Ávila", "Arenas de San Pedro", "Arévalo", "Piedrahíta", "El Tiemblo"},
    "24": {"León I", "León II", "Ponferrada", "Astorga", "Bembibre", "Cistierna", "Fabero", "La Bañeza",
           "Valencia de Don Juan", "Villablino"},
}


def _write(tmp_path: Path, *lines: str, name: str = "offices.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _snapshot() -> list[tuple]:
    return list(Office.objects.order_by("code").values_list())


def _import_events(result: str | None = None) -> list[AuditRecord]:
    records = AuditRecord.objects.filter(event=AuditEvent.OFFICES_IMPORTED).order_by("id")
    return list(records.filter(result=result) if result else records)


def test_shipped_file_loads(shipped_offices):
    """The shipped CSV has the offices DOMAIN.md names and one office in every other provincial capital."""
    assert len(shipped_offices.created) == 22
    assert shipped_offices.updated == () and shipped_offices.unchanged == 0
    for code, names in DOMAIN_OFFICES.items():
        assert set(Office.objects.filter(province__code=code).values_list("name", flat=True)) == names
    for code in ("09", "34", "37", "40", "42", "47", "49"):
        assert Office.objects.filter(province__code=code).count() == 1
    for office in Office.objects.all():
        office.full_clean()
        assert office.is_active
    # Each capital office is its province's fallback.
    for code in ("05", "09", "24", "34", "37", "40", "42", "47", "49"):
        assert Office.objects.filter(province__code=code, postal_codes_served__contains=f"{code}*").count() == 1
    [record] = _import_events()
    assert record.result == AuditRecord.Result.SUCCESS
    assert record.actor_id is None
    assert len(record.details["created"]) == 22


def test_reimport_is_idempotent(shipped_offices):
    """Loading the same file again changes nothing and says so."""
    before = _snapshot()
    again = offices_import_csv(path_or_file=SHIPPED_CSV)
    assert (again.created, again.updated, again.unchanged) == ((), (), 22)
    assert _snapshot() == before
    assert _import_events()[-1].details == {
        "source": str(SHIPPED_CSV), "created": [], "updated": {}, "unchanged": 22,
    }


def test_import_updates_creates_and_never_deletes(tmp_path, shipped_offices, django_user_model):
    """Rows update offices by code and create new ones; offices absent from the file stay, and an office an
    administrator deactivated stays inactive."""
    Office.objects.filter(code="24-FABERO").update(is_active=False)
    path = _write(
        tmp_path,
        HEADER,
        "24-PONFERRADA,Ponferrada,24,Ponferrada,Avenida de prueba,24400,987 000 000,,24400 24401",
        "24-FABERO,Fabero,24,Fabero,,,,,24420",
        "NEW-1,Nueva,47,Medina del Campo,,,,,",
    )
    admin = django_user_model.objects.create_user(username="admin1", password="x", role="administrator")
    result = offices_import_csv(path_or_file=path, actor=admin)
    assert (result.created, result.updated, result.unchanged) == (("NEW-1",), ("24-PONFERRADA",), 1)
    ponferrada = Office.objects.get(code="24-PONFERRADA")
    assert (ponferrada.address, ponferrada.postal_code, ponferrada.phone, ponferrada.postal_codes_served) == (
        "Avenida de prueba", "24400", "987 000 000", "24400 24401")
    assert Office.objects.count() == 23
    assert not Office.objects.get(code="24-FABERO").is_active
    record = _import_events()[-1]
    assert record.actor_id == admin.pk
    assert record.details["updated"]["24-PONFERRADA"]["phone"] == ["987 410 859", "987 000 000"]


def test_invalid_file_changes_nothing_and_names_the_line(tmp_path, shipped_offices):
    """All or nothing: a valid new row and a valid change are not written when a later line is invalid."""
    before = _snapshot()
    path = _write(
        tmp_path,
        HEADER,
        "NEW-1,Nueva,47,Medina del Campo,,,,,",
        "24-PONFERRADA,Ponferrada cambiada,24,Ponferrada,,,,,24400",
        "NEW-2,Otra,28,Madrid,,,,,",
    )
    with pytest.raises(OfficesImportError) as caught:
        offices_import_csv(path_or_file=path)
    assert caught.value.errors == [
        "Línea 4: provincia desconocida «28»; use el código INE de dos cifras: 05, 09, 24, 34, 37, 40, 42, 47, 49."
    ]
    assert _snapshot() == before
    failure = _import_events(AuditRecord.Result.FAILURE)[-1]
    assert failure.details["errors"] == caught.value.errors


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("A,Nombre,99,Pueblo,,,,,", "Línea 3: provincia desconocida «99»"),
        ("A,Nombre,5,Pueblo,,,,,", "¿Se ha perdido el 0 inicial"),
        ("A,,24,Pueblo,,,,,", "Línea 3: falta el nombre de la oficina."),
        ("A,Nombre,24,,,,,,", "Línea 3: falta el municipio."),
        (",Nombre,24,Pueblo,,,,,", "Línea 3: falta el código de la oficina."),
        ("A,Nombre,24,Pueblo,,2440,,,", "Línea 3: código postal: «2440» no es un código postal"),
        ("A,Nombre,24,Pueblo,,28001,,,", "Línea 3: código postal: «28001» no es un código postal"),
        ("A,Nombre,24,Pueblo,,05400,,,", "Línea 3: el código postal 05400 no es de la provincia de León."),
        ("A,Nombre,24,Pueblo,,,,,24400 2440", "Línea 3: códigos postales atendidos: No válidos: «2440»."),
        ("A,Nombre,24,Pueblo,,,,,28*", "Línea 3: códigos postales atendidos: No válidos: «28*»."),
        ("A,Nombre,24,Pueblo,,,,,24400*", "No válidos: «24400*»"),
        ("A,Nombre,24,Pueblo,,,,,2*", "No válidos: «2*»"),
        ("OK-2,Nombre,24,Pueblo,,,,,", "Línea 3: el código «OK-2» ya aparece en la línea 2."),
        ("A,Nombre,24,Pueblo,,,,", "Línea 3: tiene 8 campos y la cabecera 9."),
        ("A,Nombre,24,Pueblo,,," + "9" * 21 + ",,", "Línea 3: teléfono: "),
    ],
)
def test_each_invalid_row_is_reported_with_its_line(tmp_path, row, expected):
    path = _write(tmp_path, HEADER, "OK-2,Nombre,24,Pueblo,,,,,24400", row)
    with pytest.raises(OfficesImportError) as caught:
        offices_import_csv(path_or_file=path)
    assert any(expected in message for message in caught.value.errors), caught.value.errors
    assert expected.split(":")[0] in caught.value.message
    assert Office.objects.count() == 0


def test_every_error_of_a_file_is_reported_at_once(tmp_path):
    path = _write(tmp_path, HEADER, "A,,24,Pueblo,,,,,", "B,Nombre,99,Pueblo,,,,,", "C,Nombre,24,Pueblo,,1,,,")
    with pytest.raises(OfficesImportError) as caught:
        offices_import_csv(path_or_file=path)
    assert [message.split(":")[0] for message in caught.value.errors] == ["Línea 2", "Línea 3", "Línea 4"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("code,name,province_code", "Línea 1: faltan las columnas municipality, address"),
        (HEADER + ",fax", "Línea 1: columnas desconocidas «fax»"),
        ("", "Línea 1: el fichero está vacío"),
        (HEADER + ",name", "Línea 1: columnas repetidas name"),
    ],
)
def test_bad_header_is_refused(tmp_path, header, expected):
    path = _write(tmp_path, header)
    with pytest.raises(OfficesImportError) as caught:
        offices_import_csv(path_or_file=path)
    assert caught.value.errors[0].startswith(expected)


def test_header_only_file_is_refused(tmp_path):
    with pytest.raises(OfficesImportError, match="no tiene ninguna oficina"):
        offices_import_csv(path_or_file=_write(tmp_path, HEADER))


def test_spreadsheet_export_with_bom_and_semicolons_is_read():
    """A file object works too; Excel's UTF-8 byte-order mark and Spanish-locale semicolons are accepted."""
    text = HEADER.replace(",", ";") + "\n" + "X-1;Villalón;47;Villalón de Campos;;;;;\n"
    upload = io.BytesIO("\ufeff".encode() + text.encode("utf-8"))
    result = offices_import_csv(path_or_file=upload)
    assert result.created == ("X-1",)
    assert Office.objects.get(code="X-1").name == "Villalón"


def test_unreadable_csv_is_refused(tmp_path):
    path = _write(tmp_path, HEADER, "A,Nombre,24,Pueblo,,,,,", 'B,"Nom"bre,24,Pueblo,,,,,')
    with pytest.raises(OfficesImportError, match="Línea 3: el fichero no es un CSV válido"):
        offices_import_csv(path_or_file=path)


def test_control_characters_are_refused(tmp_path):
    """A NUL byte would be refused by PostgreSQL mid-import; other control characters are never wanted."""
    path = _write(tmp_path, HEADER, "A,Nom\x00bre,24,Pueblo,,,,,", "B,Nombre,24,Pue\tblo,,,,,")
    with pytest.raises(OfficesImportError) as caught:
        offices_import_csv(path_or_file=path)
    assert caught.value.errors == [
        "Línea 2: caracteres de control en name.", "Línea 3: caracteres de control en municipality."
    ]


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nX-1,Villalón,47,Villalón,,,,,\n").encode("latin-1"))
    with pytest.raises(OfficesImportError, match="UTF-8"):
        offices_import_csv(path_or_file=path)


def test_shipped_file_is_plain_csv_with_the_expected_columns():
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)


# --- manage.py load_offices ---------------------------------------------------------------------------


def test_command_loads_the_default_file_and_prints_counts(settings, capsys):
    settings.OFFICES_CSV = str(SHIPPED_CSV)
    call_command("load_offices")
    assert "22 nuevas, 0 actualizadas, 0 sin cambios" in capsys.readouterr().out
    call_command("load_offices", "--file", str(SHIPPED_CSV))
    assert "0 nuevas, 0 actualizadas, 22 sin cambios" in capsys.readouterr().out
    assert _import_events()[0].actor_label == "manage.py load_offices"


@pytest.mark.django_db(transaction=True)  # run_from_argv closes the connection, as a shell run does
def test_command_fails_with_the_spanish_messages(tmp_path, capsys):
    path = _write(tmp_path, HEADER, "A,,24,Pueblo,,,,,")
    with pytest.raises(CommandError, match="Línea 2: falta el nombre de la oficina."):
        call_command("load_offices", "--file", str(path))
    # Run as from the shell: a non-zero exit status and the messages on stderr.
    with pytest.raises(SystemExit) as exited:
        LoadOfficesCommand().run_from_argv(["manage.py", "load_offices", "--file", str(path)])
    assert exited.value.code == 1
    assert "Línea 2: falta el nombre de la oficina." in capsys.readouterr().err
    assert Office.objects.count() == 0


def test_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No se puede leer el fichero"):
        call_command("load_offices", "--file", str(tmp_path / "missing.csv"))
