from __future__ import annotations

from pathlib import Path

import pytest

from oficina.offices.services import ImportResult, offices_import_csv

SHIPPED_CSV = Path(__file__).resolve().parents[1] / "data" / "offices.csv"


@pytest.fixture
def shipped_offices(db) -> ImportResult:
    """The offices of the CSV shipped with the app, loaded."""
    return offices_import_csv(path_or_file=SHIPPED_CSV)
