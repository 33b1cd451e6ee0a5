"""`manage.py load_cno11`: (re)load the CNO-11 catalogue from demand/data/cno11.csv. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from oficina.demand.catalogue import load_cno11
from oficina.demand.models import Occupation


class Command(BaseCommand):
    help = "Load or update the CNO-11 occupations from demand/data/cno11.csv."

    def handle(self, *args, **options):
        with transaction.atomic():
            created, updated = load_cno11(Occupation)
        self.stdout.write(f"{created} created, {updated} updated")
