"""The CSV: format, entropy, uniqueness, check character, normalisation."""

from __future__ import annotations

import math
import re

import pytest

from oficina.core.pdf.csv_codes import (
    ALPHABET,
    CSV_LENGTH,
    ENTROPY_BITS,
    format_csv,
    is_valid_csv,
    new_csv,
    normalize_csv,
)


def test_alphabet_has_no_lookalikes():
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    for ambiguous in "01OILU":
        assert ambiguous not in ALPHABET


def test_a_code_has_at_least_80_random_bits():
    assert ENTROPY_BITS >= 80
    assert math.isclose(ENTROPY_BITS, 17 * math.log2(30))


def test_new_codes_are_well_formed_and_displayed_in_groups():
    code = new_csv()
    assert len(code) == CSV_LENGTH == 18
    assert set(code) <= set(ALPHABET)
    assert is_valid_csv(code)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", format_csv(code))


def test_codes_are_unique_and_use_the_whole_alphabet():
    codes = {new_csv() for _ in range(20_000)}
    assert len(codes) == 20_000
    used = {char for code in codes for char in code[:-1]}
    assert used == set(ALPHABET)
    # Every position is roughly uniform: each character appears ~20000/30 ≈ 667 times in position 0.
    first = [code[0] for code in codes]
    counts = [first.count(char) for char in ALPHABET]
    assert min(counts) > 500 and max(counts) < 850


def test_typed_codes_are_normalised():
    code = new_csv()
    typed = "  " + format_csv(code).lower().replace("-", " - ") + " "
    assert normalize_csv(typed) == code
    assert is_valid_csv(typed)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in code)  # what some phone keyboards produce
    assert normalize_csv(fullwidth) == code
    assert normalize_csv(format_csv(code).replace("-", "–")) == code  # en dash from a word processor


@pytest.mark.parametrize("position", range(18))
def test_any_single_wrong_character_is_detected(position):
    code = new_csv()
    for replacement in ALPHABET:
        if replacement != code[position]:
            wrong = code[:position] + replacement + code[position + 1:]
            assert not is_valid_csv(wrong), wrong


def test_malformed_codes_are_not_valid():
    code = new_csv()
    assert not is_valid_csv(code[:-1])
    assert not is_valid_csv(code + "A")
    assert not is_valid_csv("")
    assert not is_valid_csv(code[:5] + "0" + code[6:])  # 0 is never printed
    assert not is_valid_csv("<script>alert(1)</script>")
