"""`load_demo_data` (run by `make run`) loads offices and one working login per role, idempotently."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from oficina.accounts.models import Role, User
from oficina.core.management.commands.load_demo_data import DEMO_LOGINS
from oficina.offices.models import Office


@pytest.mark.django_db
def test_demo_data_loads_twice_with_a_working_login_per_role(settings):
    settings.DEBUG = True
    call_command("load_demo_data", verbosity=0)
    call_command("load_demo_data", verbosity=0)
    assert Office.objects.filter(province__code="05", municipality="Ávila").exists()
    assert User.objects.count() == len(DEMO_LOGINS)
    for login in DEMO_LOGINS:
        user = authenticate(RequestFactory().post("/"), username=login.username, password=login.password)
        assert user is not None and user.role == login.role
    technician = User.objects.get(role=Role.TECHNICIAN)
    assert technician.office.municipality == "Ávila"
    assert User.objects.get(role=Role.SUPERVISOR).supervised_province.code == "05"
    assert User.objects.get(role=Role.CITIZEN).email_confirmed_at is not None
    from oficina.appointments.models import WeeklySchedule

    assert WeeklySchedule.objects.filter(technician=technician).count() == 5  # not doubled by the 2nd run


@pytest.mark.django_db
def test_demo_data_and_demo_totp_refuse_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_data", verbosity=0)
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp_code", "tecnica.demo")
