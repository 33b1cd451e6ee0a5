"""Prints the current TOTP code of a demo staff account, so the demo can be tried without a phone app.

Only with DEBUG on: in production nobody can read a code off the server.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Demo only (DEBUG): prints the current TOTP code of a staff user's authenticator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("Only available with DEBUG=1 (demo).")
        device = TOTPDevice.objects.filter(user__username=username).order_by("-id").first()
        if device is None:
            raise CommandError(f"{username} has no authenticator yet: sign in once to start enrolment.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
