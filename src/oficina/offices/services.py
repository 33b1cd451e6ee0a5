"""Writes of the offices app: the offices CSV import, office edits and local holidays. Every write is
audited in the same transaction (core.audit)."""

from __future__ import annotations

import csv
import io
import datetime
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Union

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from oficina.core.audit import AuditEvent, audit_record
from oficina.core.models import AuditRecord
from oficina.offices.constants import CSV_COLUMNS, PROVINCES
from oficina.offices.exceptions import LocalHolidayError, OfficesError, OfficesImportError
from oficina.offices.models import LocalHoliday, Office, Province
from oficina.offices.postal_codes import validate_postal_code, validate_postal_codes_served

__all__ = [
    "ImportResult",
    "local_holiday_create",
    "local_holiday_delete",
    "local_holiday_update",
    "office_create",
    "office_update",
    "offices_import_csv",
]

# Who acts: a user, a label for non-interactive callers (e.g. "manage.py load_offices"), or nobody.
Actor = Union[AbstractBaseUser, AnonymousUser, str, None]
PathOrFile = Union[str, os.PathLike[str], IO[str], IO[bytes]]

# Fields an office edit (admin) and the CSV may set; `code` identifies an office and never changes here.
OFFICE_FIELDS: tuple[str, ...] = (
    "name",
    "province",
    "municipality",
    "address",
    "postal_code",
    "phone",
    "opening_hours",
    "postal_codes_served",
    "is_active",
)
LOCAL_HOLIDAY_FIELDS: tuple[str, ...] = ("date", "name", "province", "office")
_MAX_ERRORS_AUDITED = 50


# --- Shared helpers ---------------------------------------------------------------------------------


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _assign(instance: models.Model, data: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, list[Any]]:
    """Set `data` on `instance`; return {field: [before, after]} for the fields that really change."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    changes: dict[str, list[Any]] = {}
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            # Compare ids: reading an unset foreign key (a new object) raises instead of giving None.
            before_id = getattr(instance, model_field.attname)
            if before_id == (value.pk if value is not None else None):
                continue
            before = getattr(instance, name) if before_id is not None else None
        else:
            before = getattr(instance, name)
            if before == value:
                continue
        changes[name] = [_audit_value(before), _audit_value(value)]
        setattr(instance, name, value)
    return changes


def _full_clean(instance: models.Model, error_class: type[OfficesError]) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise error_class(" ".join(_messages_by_field(instance, exc))) from exc


def _messages_by_field(instance: models.Model, exc: ValidationError) -> list[str]:
    """One message per error, prefixed with the field's label."""
    if not hasattr(exc, "error_dict"):
        return [str(message) for message in exc.messages]
    messages = []
    for name, errors in exc.message_dict.items():
        label = instance._meta.get_field(name).verbose_name if name != "__all__" else ""
        messages.extend(f"{label}: {message}" if label else str(message) for message in errors)
    return messages


# --- Offices CSV import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did. Codes of the offices created and updated; how many rows changed nothing."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + self.unchanged


@dataclass
class _PlannedRow:
    line: int
    office: Office
    is_new: bool
    changes: dict[str, list[Any]] = field(default_factory=dict)


def offices_import_csv(*, path_or_file: PathOrFile, actor: Actor = None) -> ImportResult:
    """Create or update offices from a CSV file (columns: constants.CSV_COLUMNS), matched by `code`.

    Idempotent: loading the same file again changes nothing. Offices missing from the file are left as
    they are (never deleted or deactivated); `is_active` is not a column, so a deactivated office stays so.
    All or nothing: every line is validated first, and any error refuses the whole file with
    OfficesImportError naming each bad line; nothing is written then but a failure audit record.
    """
    text, source = _read_text(path_or_file)
    plan, errors = _plan_import(text)
    if errors:
        audit_record(
            event=AuditEvent.OFFICES_IMPORTED,
            actor=actor,
            result=AuditRecord.Result.FAILURE,
            details={"source": source, "error_count": len(errors), "errors": errors[:_MAX_ERRORS_AUDITED]},
        )
        raise OfficesImportError(errors)

    created, updated, unchanged = [], [], 0
    with transaction.atomic():
        for row in plan:
            if row.is_new:
                row.office.save(force_insert=True)
                created.append(row.office.code)
            elif row.changes:
                row.office.save(update_fields=list(row.changes))
                updated.append(row.office.code)
            else:
                unchanged += 1
        result = ImportResult(created=tuple(created), updated=tuple(updated), unchanged=unchanged)
        audit_record(
            event=AuditEvent.OFFICES_IMPORTED,
            actor=actor,
            details={
                "source": source,
                "created": list(result.created),
                "updated": {row.office.code: row.changes for row in plan if not row.is_new and row.changes},
                "unchanged": result.unchanged,
            },
        )
    return result


def _read_text(path_or_file: PathOrFile) -> tuple[str, str]:
    if isinstance(path_or_file, (str, os.PathLike)):
        path = Path(path_or_file)
        try:
            raw: str | bytes = path.read_bytes()
        except OSError as exc:
            raise OfficesImportError(
                [_("No se puede leer el fichero %(path)s: %(error)s") % {"path": path, "error": exc.strerror}]
            ) from exc
        source = str(path)
    else:
        raw = path_or_file.read()
        source = str(getattr(path_or_file, "name", "") or "fichero subido")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")  # spreadsheets often add a byte-order mark
        except UnicodeDecodeError as exc:
            raise OfficesImportError(
                [_("El fichero no está codificado en UTF-8 (línea aproximada %(line)d). Guárdelo como "
                   "«CSV UTF-8».") % {"line": raw[: exc.start].count(b"\n") + 1}]
            ) from exc
    return raw.lstrip("\ufeff"), source


def _plan_import(text: str) -> tuple[list[_PlannedRow], list[str]]:
    """Validate every line and work out what to write; nothing is written here."""
    header_line = text.split("\n", 1)[0]
    # Spreadsheets in Spanish locales save CSV with semicolons.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        return [], [_("Línea 1: el fichero está vacío; falta la cabecera con los nombres de las columnas.")]
    columns = [cell.strip().lower() for cell in header]
    missing = [name for name in CSV_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    header_errors = []
    if repeated:
        header_errors.append(_("Línea 1: columnas repetidas %(columns)s.") % {"columns": ", ".join(repeated)})
    if missing:
        header_errors.append(_("Línea 1: faltan las columnas %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        header_errors.append(
            _("Línea 1: columnas desconocidas %(columns)s (se esperan: %(expected)s).")
            % {"columns": ", ".join(f"«{name}»" for name in unknown), "expected": ", ".join(CSV_COLUMNS)}
        )
    if header_errors:
        return [], header_errors

    provinces = {province.code: province for province in Province.objects.all()}
    existing = {office.code: office for office in Office.objects.select_related("province")}
    seen: dict[str, int] = {}
    plan: list[_PlannedRow] = []
    errors: list[str] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                errors.append(
                    _("Línea %(line)d: tiene %(found)d campos y la cabecera %(expected)d.")
                    % {"line": line, "found": len(cells), "expected": len(columns)}
                )
                continue
            values = {name: cell.strip() for name, cell in zip(columns, cells)}
            control = [name for name, value in values.items() if any(ord(c) < 32 or ord(c) == 127 for c in value)]
            if control:
                errors.append(
                    _("Línea %(line)d: caracteres de control en %(columns)s.")
                    % {"line": line, "columns": ", ".join(control)}
                )
                continue
            row, row_errors = _plan_row(line, values, provinces, existing, seen)
            errors.extend(row_errors)
            if row is not None:
                plan.append(row)
    except csv.Error as exc:  # e.g. a stray or unclosed quote: the rest of the file cannot be read
        errors.append(
            _("Línea %(line)d: el fichero no es un CSV válido (%(error)s).") % {"line": reader.line_num, "error": exc}
        )
    if not plan and not errors:
        errors.append(_("El fichero no tiene ninguna oficina."))
    return plan, errors


def _plan_row(
    line: int,
    values: dict[str, str],
    provinces: dict[str, Province],
    existing: dict[str, Office],
    seen: dict[str, int],
) -> tuple[_PlannedRow | None, list[str]]:
    errors: list[str] = []
    code, name, municipality = values["code"], values["name"], values["municipality"]
    if not code:
        errors.append(_("Línea %(line)d: falta el código de la oficina.") % {"line": line})
    elif code in seen:
        errors.append(
            _("Línea %(line)d: el código «%(code)s» ya aparece en la línea %(first)d.")
            % {"line": line, "code": code, "first": seen[code]}
        )
    else:
        seen[code] = line
    if not name:
        errors.append(_("Línea %(line)d: falta el nombre de la oficina.") % {"line": line})
    if not municipality:
        errors.append(_("Línea %(line)d: falta el municipio.") % {"line": line})
    province = provinces.get(values["province_code"])
    if province is None:
        errors.append(
            _("Línea %(line)d: provincia desconocida «%(value)s»; use el código INE de dos cifras: %(codes)s.")
            % {"line": line, "value": values["province_code"], "codes": ", ".join(PROVINCES)}
            + _leading_zero_hint(values["province_code"], 2)
        )
    postal_code = values["postal_code"]
    try:
        validate_postal_code(postal_code)
    except ValidationError as exc:
        errors.extend(
            _("Línea %(line)d: código postal: %(message)s") % {"line": line, "message": message}
            + _leading_zero_hint(postal_code, 5)
            for message in exc.messages
        )
    else:
        if postal_code and province is not None and postal_code[:2] != province.code:
            errors.append(
                _("Línea %(line)d: el código postal %(postal_code)s no es de la provincia de %(province)s.")
                % {"line": line, "postal_code": postal_code, "province": province.name}
            )
    try:
        validate_postal_codes_served(values["postal_codes_served"])
    except ValidationError as exc:
        errors.extend(
            _("Línea %(line)d: códigos postales atendidos: %(message)s") % {"line": line, "message": message}
            for message in exc.messages
        )
    if errors:
        return None, errors

    office = existing.get(code)
    is_new = office is None
    if office is None:
        office = Office(code=code)
    data: dict[str, Any] = {column: values[column] for column in CSV_COLUMNS if column not in {"code", "province_code"}}
    data["province"] = province
    changes = _assign(office, data, OFFICE_FIELDS)
    try:
        office.full_clean()
    except ValidationError as exc:  # what the checks above do not cover, e.g. a value too long
        for message in _messages_by_field(office, exc):
            errors.append(_("Línea %(line)d: %(message)s") % {"line": line, "message": message})
        return None, errors
    return _PlannedRow(line=line, office=office, is_new=is_new, changes=changes), []


def _leading_zero_hint(value: str, length: int) -> str:
    if value.isdigit() and len(value) == length - 1:
        return " " + _("¿Se ha perdido el 0 inicial al abrir el fichero con una hoja de cálculo?")
    return ""


# --- Office edits (admin) ---------------------------------------------------------------------------


@transaction.atomic
def office_create(*, code: str, data: Mapping[str, Any], actor: Actor = None) -> Office:
    """Create one office (admin). Audited as AuditEvent.ADMIN_CHANGE."""
    office = Office(code=code.strip())
    _assign(office, data, OFFICE_FIELDS)
    _full_clean(office, OfficesError)
    office.save(force_insert=True)
    audit_record(
        event=AuditEvent.ADMIN_CHANGE,
        actor=actor,
        target=office,
        details={"action": "office_created", "values": {name: _audit_value(getattr(office, name)) for name in
                                                         ("code", *OFFICE_FIELDS)}},
    )
    return office


@transaction.atomic
def office_update(*, office: Office, data: Mapping[str, Any], actor: Actor = None) -> Office:
    """Change some fields of an office (admin). Audited as AuditEvent.ADMIN_CHANGE when anything changes.

    Offices are never deleted (registry entries, users and appointments point at them): set
    `is_active` to False instead.
    """
    changes = _assign(office, data, OFFICE_FIELDS)
    _full_clean(office, OfficesError)
    if changes:
        office.save(update_fields=list(changes))
        audit_record(
            event=AuditEvent.ADMIN_CHANGE,
            actor=actor,
            target=office,
            details={"action": "office_updated", "changes": changes},
        )
    return office


# --- Local holidays ---------------------------------------------------------------------------------


def _holiday_values(holiday: LocalHoliday) -> dict[str, Any]:
    return {name: _audit_value(getattr(holiday, name)) for name in LOCAL_HOLIDAY_FIELDS}


@transaction.atomic
def local_holiday_create(
    *, date: datetime.date, name: str, province: Province, office: Office | None = None, actor: Actor = None
) -> LocalHoliday:
    """Add a local holiday: for one office, or (office None) for every office of the province."""
    holiday = LocalHoliday(date=date, name=name.strip(), province=province, office=office)
    _full_clean(holiday, LocalHolidayError)
    holiday.save(force_insert=True)
    audit_record(
        event=AuditEvent.LOCAL_HOLIDAY_CHANGED,
        actor=actor,
        target=holiday,
        details={"action": "created", "values": _holiday_values(holiday)},
    )
    return holiday


@transaction.atomic
def local_holiday_update(*, holiday: LocalHoliday, data: Mapping[str, Any], actor: Actor = None) -> LocalHoliday:
    """Change some of `date`, `name`, `province`, `office` of a local holiday."""
    changes = _assign(holiday, data, LOCAL_HOLIDAY_FIELDS)
    _full_clean(holiday, LocalHolidayError)
    if changes:
        holiday.save(update_fields=list(changes))
        audit_record(
            event=AuditEvent.LOCAL_HOLIDAY_CHANGED,
            actor=actor,
            target=holiday,
            details={"action": "updated", "changes": changes},
        )
    return holiday


@transaction.atomic
def local_holiday_delete(*, holiday: LocalHoliday, actor: Actor = None) -> None:
    # Audit first: the target's id and label are read from the row before it goes.
    audit_record(
        event=AuditEvent.LOCAL_HOLIDAY_CHANGED,
        actor=actor,
        target=holiday,
        details={"action": "deleted", "values": _holiday_values(holiday)},
    )
    holiday.delete()
