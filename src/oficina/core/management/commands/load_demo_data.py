"""Demo data for `make run`: the shipped offices and one login per role. Safe to run again.

Refuses to run when DEBUG is off unless --force is given: fixed demo passwords must never reach production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from oficina.accounts.models import Role, User
from oficina.offices.models import Office, Province


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    first_name: str
    last_name: str
    email: str


CITIZEN = DemoLogin(Role.CITIZEN, "12345678Z", "Demo-ciudadania-2026", "María", "García López",
                    "ciudadana.demo@example.org")
TECHNICIAN = DemoLogin(Role.TECHNICIAN, "tecnica.demo", "Demo-tecnica-2026", "Lucía", "Martín Sanz",
                       "tecnica.demo@example.org")
SUPERVISOR = DemoLogin(Role.SUPERVISOR, "supervisor.demo", "Demo-supervision-2026", "Javier", "Rodríguez Gil",
                       "supervisor.demo@example.org")
ADMINISTRATOR = DemoLogin(Role.ADMINISTRATOR, "admin.demo", "Demo-administracion-2026", "Ana", "Pérez Ruiz",
                          "admin.demo@example.org")
DEMO_LOGINS = (CITIZEN, TECHNICIAN, SUPERVISOR, ADMINISTRATOR)


class Command(BaseCommand):
    help = "Loads the offices and one demo account per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has fixed passwords: run with DEBUG=1 or --force.")
        call_command("load_offices", verbosity=0)
        office = Office.objects.filter(province__code="05", municipality="Ávila").first()
        province = Province.objects.get(code="05")
        with transaction.atomic():
            self._upsert(CITIZEN, document_number=CITIZEN.username, postal_code="05400",
                         email_confirmed_at=timezone.now(), phone="+34600000000",
                         date_of_birth=timezone.datetime(1975, 5, 14).date(),
                         office=Office.objects.filter(municipality="Arenas de San Pedro").first() or office)
            technician = self._upsert(TECHNICIAN, office=office)
            self._give_demo_schedule(technician, office)
            self._upsert(SUPERVISOR, supervised_province=province)
            self._upsert(ADMINISTRATOR, is_staff=True, is_superuser=True)
        self._print_logins()

    def _upsert(self, login: DemoLogin, **fields) -> User:
        values = {"role": login.role, "first_name": login.first_name, "last_name": login.last_name,
                  "email": login.email, **fields}
        user = User.objects.filter(username=login.username).first() or User(username=login.username)
        for name, value in values.items():
            setattr(user, name, value)
        user.set_password(login.password)
        user.save()
        return user

    def _give_demo_schedule(self, technician: User, office: Office) -> None:
        """Monday to Friday, 9:00–14:00, every service: so the demo citizen can book at once."""
        from oficina.appointments.models import Service, WeeklySchedule

        if WeeklySchedule.objects.filter(technician=technician).exists():
            return
        for weekday in range(5):
            schedule = WeeklySchedule.objects.create(technician=technician, office=office, weekday=weekday,
                                                     start_time=time(9), end_time=time(14))
            schedule.services.set(Service.objects.filter(is_active=True))

    def _print_logins(self) -> None:
        out = self.stdout.write
        out("")
        out("Cuentas de demostración (solo para pruebas):")
        out(f"  Ciudadano/a    http://127.0.0.1:8000/cuenta/acceso/   DNI {CITIZEN.username}  contraseña {CITIZEN.password}")
        out("              (el código de un solo uso llega por correo: se imprime en esta terminal)")
        for login in (TECHNICIAN, SUPERVISOR, ADMINISTRATOR):
            out(f"  {str(login.role.label):<15} http://127.0.0.1:8000/personal/acceso/ usuario {login.username}  "
                f"contraseña {login.password}")
        out("              (la primera vez se da de alta una app TOTP; en la demo, "
            "`.venv/bin/python manage.py demo_totp_code USUARIO` da el código actual)")
        out("")
