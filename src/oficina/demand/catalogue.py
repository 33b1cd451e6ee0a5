"""Loading the CNO-11 catalogue (data/cno11.csv) into Occupation: idempotent, used by the data migration
and by `manage.py load_cno11`."""

from __future__ import annotations

import csv
from pathlib import Path

from oficina.demand.search import search_text

CNO11_CSV = Path(__file__).resolve().parent / "data" / "cno11.csv"


def read_cno11(path: Path = CNO11_CSV) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(row["code"].strip(), row["name"].strip()) for row in csv.DictReader(handle)]
    for code, name in rows:
        if len(code) != 4 or not code.isdigit() or not name:
            raise ValueError(f"bad CNO-11 row: {code!r} {name!r}")
    return rows


def load_cno11(occupation_model, path: Path = CNO11_CSV) -> tuple[int, int]:
    """Create missing codes, update changed names; never deletes. Returns (created, updated)."""
    existing = {o.code: o for o in occupation_model.objects.all()}
    created, changed = [], []
    for code, name in read_cno11(path):
        folded = search_text(name)
        current = existing.get(code)
        if current is None:
            created.append(occupation_model(code=code, name=name, search_text=folded))
        elif current.name != name or current.search_text != folded:
            current.name, current.search_text = name, folded
            changed.append(current)
    occupation_model.objects.bulk_create(created)
    occupation_model.objects.bulk_update(changed, ["name", "search_text"])
    return len(created), len(changed)
