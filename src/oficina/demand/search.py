"""Text folding for the CNO-11 search: the same on SQLite and PostgreSQL because it is done in Python."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """NFKD, accents and other combining marks removed, lower case."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The folded words: 'Ópticos-optometristas' -> ['opticos', 'optometristas']."""
    return [w for w in _NON_WORD.split(fold(text)) if w]


def search_text(name: str) -> str:
    """What Occupation.search_text stores: every word preceded by a space, so that ' <prefix>' finds a
    word beginning with <prefix> with a plain LIKE."""
    return "".join(f" {w}" for w in words(name))
