"""`media_root`: every file a test stores (uploads, sealed PDFs) goes to a folder of that test only.

Not autouse here: an app's tests/conftest.py makes it autouse for the app (`@pytest.fixture(autouse=True)`
that asks for it), or a test asks for it by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root
