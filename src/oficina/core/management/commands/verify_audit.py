from django.core.management.base import BaseCommand, CommandError

from oficina.core.audit import verify_chain
from oficina.core.models import AuditRecord


class Command(BaseCommand):
    help = "Verifies the audit log's hash chain and reports the first broken link."

    def handle(self, *args, **options):
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"Audit chain broken at record {broken.record_id}: {broken.reason}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact ({AuditRecord.objects.count()} records)."))
