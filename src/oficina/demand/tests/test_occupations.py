"""The CNO-11 catalogue: shipped as data, loaded by a migration, searched by words without accents."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from oficina.demand.catalogue import read_cno11
from oficina.demand.models import Occupation
from oficina.demand.search import search_text, words
from oficina.demand.selectors import occupations_search

pytestmark = pytest.mark.django_db


def codes(query: str, limit: int = 20) -> list[str]:
    return [o.code for o in occupations_search(query, limit=limit)]


def test_the_shipped_catalogue_has_the_502_four_digit_occupations_with_accents():
    rows = read_cno11()
    assert len(rows) == 502
    assert all(len(code) == 4 and code.isdigit() for code, _ in rows)
    names = dict(rows)
    assert names["5120"] == "Camareros asalariados"
    assert names["7510"] == "Electricistas de la construcción y afines"
    assert names["0011"] == "Oficiales de las fuerzas armadas"


def test_the_migration_loaded_it_and_the_command_is_idempotent(capsys):
    assert Occupation.objects.count() == 502
    call_command("load_cno11")
    assert "0 created, 0 updated" in capsys.readouterr().out
    Occupation.objects.filter(code="5120").update(name="x", search_text=" x")
    Occupation.objects.filter(code="9820").delete()
    call_command("load_cno11")
    assert "1 created, 1 updated" in capsys.readouterr().out
    assert Occupation.objects.get(code="5120").search_text == " camareros asalariados"


def test_folding_removes_accents_case_and_punctuation():
    assert words("Ópticos-optometristas") == ["opticos", "optometristas"]
    assert search_text("Electricistas de la construcción y afines") == " electricistas de la construccion y afines"


@pytest.mark.parametrize("query", ["camarero", "CAMARERO", "camarero asalariado", "Camareros asalariados",
                                   "asalariados camareros", "  camarero,  asal "])
def test_camarero_finds_5120(query):
    assert "5120" in codes(query)


@pytest.mark.parametrize("query", ["electricista", "electricistá", "ELECTRICISTAS", "Électricistas"])
def test_electricista_finds_the_electricians_with_or_without_accents(query):
    assert "7510" in codes(query)


def test_every_word_must_begin_a_word_of_the_name():
    assert codes("camarero asalariado") == ["5120"]
    assert codes("construccion electricistas") == ["7510"]
    assert "5120" not in codes("arero")  # inside a word: no
    assert codes("camarero fontanero") == []


def test_a_code_or_its_beginning_finds_it():
    assert codes("5120") == ["5120"]
    assert codes("751") == ["7510"]
    assert set(codes("512")) == {"5120"}


def test_empty_query_and_limit():
    assert codes("") == []
    assert codes("  ,; ") == []
    assert len(codes("de", limit=5)) == 5
