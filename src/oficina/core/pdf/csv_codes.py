"""The Código Seguro de Verificación (CSV): a random, unguessable code printed on every page of a sealed
document, that anyone can type at /verificar/ (Ley 40/2015 art. 42; RD 203/2021).

Format: 18 characters from a 30-character alphabet without look-alikes (no 0/O, 1/I/L, U), shown in
groups: `XXXX-XXXX-XXXX-XXXX-XX`. 17 characters are random (`secrets`): 17 × log2(30) ≈ 83.4 bits. The
18th is a check character (ISO/IEC 7064 hybrid system MOD 31,30), so a mistyped code is recognised
without asking the database: it catches every single wrong character and most swaps of two neighbours.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata

__all__ = [
    "ALPHABET",
    "CSV_LENGTH",
    "ENTROPY_BITS",
    "format_csv",
    "is_valid_csv",
    "new_csv",
    "normalize_csv",
]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_M = len(ALPHABET)  # 30; 31 is prime, which the MOD 31,30 hybrid system needs
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
RANDOM_LENGTH = 17
CSV_LENGTH = RANDOM_LENGTH + 1
ENTROPY_BITS = RANDOM_LENGTH * math.log2(_M)
_GROUPS = (4, 4, 4, 4, 2)

# What people type instead of what is printed: separators, and (after NFKC and uppercasing) nothing else
# we can map safely, because the printed code never holds 0, O, 1, I, L or U: a code containing one of
# them is simply not valid.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_.·/]+")


def _running_check(values: list[int]) -> int:
    product = _M
    for value in values:
        total = (product + value) % _M or _M
        product = (2 * total) % (_M + 1)
    return product


def _check_char(body: str) -> str:
    product = _running_check([_VALUES[c] for c in body])
    return ALPHABET[(_M + 1 - product) % _M]


def new_csv() -> str:
    """A new code, normalised (18 characters, no separators). Use `format_csv` to print it."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check_char(body)


def normalize_csv(text: str) -> str:
    """What someone typed or scanned, as stored: NFKC (full-width characters), uppercase, no separators.

    It does not validate: see `is_valid_csv`.
    """
    text = unicodedata.normalize("NFKC", text or "")
    return _SEPARATORS.sub("", text).upper()


def is_valid_csv(text: str) -> bool:
    """True if `text` (normalised or not) is a well-formed code with a correct check character."""
    code = normalize_csv(text)
    if len(code) != CSV_LENGTH or any(c not in _VALUES for c in code):
        return False
    return code[-1] == _check_char(code[:-1])


def format_csv(code: str) -> str:
    """`XXXX-XXXX-XXXX-XXXX-XX`, for display."""
    code = normalize_csv(code)
    parts, start = [], 0
    for size in _GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(part for part in parts if part)
