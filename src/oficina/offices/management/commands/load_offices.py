"""`manage.py load_offices [--file PATH]`: create or update offices from a CSV (default settings.OFFICES_CSV)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from oficina.offices.exceptions import OfficesImportError
from oficina.offices.services import offices_import_csv


class Command(BaseCommand):
    help = "Crea o actualiza las oficinas desde un CSV (por defecto, settings.OFFICES_CSV). No borra ninguna."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", dest="path", help="Ruta del CSV; por defecto settings.OFFICES_CSV.")

    def handle(self, *args: Any, path: str | None = None, **options: Any) -> None:
        path = path or settings.OFFICES_CSV
        try:
            result = offices_import_csv(path_or_file=path, actor="manage.py load_offices")
        except OfficesImportError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                _("Oficinas importadas de %(path)s: %(created)d nuevas, %(updated)d actualizadas, "
                  "%(unchanged)d sin cambios.")
                % {"path": path, "created": len(result.created), "updated": len(result.updated),
                   "unchanged": result.unchanged}
            )
