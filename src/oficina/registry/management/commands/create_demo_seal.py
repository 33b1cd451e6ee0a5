"""Create the DEMO seal (a CA that says it is not valid, and a seal certificate) for development.

    manage.py create_demo_seal [--directory var/seal] [--force]

Writes `seal.p12` (password: SEAL_PKCS12_PASSWORD) and `ca.pem`. Keeps existing files unless --force.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oficina.core.pdf import demo
from oficina.core.pdf.seal import clear_caches


class Command(BaseCommand):
    help = "Crea un sello electrónico de DEMOSTRACIÓN (CA no válida) para desarrollo y pruebas."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--directory", default=str(settings.SEAL_DIR), help="Default: VAR_DIR/seal")
        parser.add_argument("--force", action="store_true", help="Replace an existing demo seal.")

    def handle(self, *args, directory: str, force: bool, **options) -> None:
        password = settings.SEAL_PKCS12_PASSWORD
        if not password:
            raise CommandError("SEAL_PKCS12_PASSWORD is empty: set it (DEBUG gives a demo default).")
        target = Path(directory)
        if force:
            for name in (demo.PKCS12_NAME, demo.CA_PEM_NAME):
                (target / name).unlink(missing_ok=True)
        files = demo.write_demo_seal(target, password=password, organisation=settings.ORGANISATION_NAME)
        clear_caches()
        verb = "Created" if files.created else "Kept existing"
        self.stdout.write(f"{verb} demo seal: {files.pkcs12_path} (CA: {files.ca_pem_path})")
        if files.created and str(files.pkcs12_path) != str(settings.SEAL_PKCS12_PATH):
            self.stdout.write(
                f"Point the settings at it: SEAL_PKCS12_PATH={files.pkcs12_path} SEAL_TRUST_ROOTS={files.ca_pem_path}"
            )
