"""The password backend's per-request user lookup (accounts/backends.py): the same user the ORM gives,
nobody for a deactivated account or a bad identifier, and a signed-in session that follows both."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oficina.accounts.backends import PasswordBackend, user_by_pk
from oficina.accounts.models import User
from oficina.accounts.tests.conftest import make_citizen, make_office, make_staff

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_user_is_the_one_the_orm_loads_field_by_field():
    staff = make_staff(office=make_office(), phone="+34600000000")
    citizen = make_citizen()

    for user in (staff, citizen):
        loaded = user_by_pk(str(user.pk))  # a session stores the key as a string
        assert _fields(loaded) == _fields(User.objects.get(pk=user.pk))
        assert loaded._state.adding is False and loaded._state.db == "default"  # saved like a loaded one


def test_one_query_per_lookup():
    citizen = make_citizen()
    with CaptureQueriesContext(connection) as queries:
        user_by_pk(citizen.pk)
    assert len(queries) == 1


@pytest.mark.parametrize("user_id", ["999999", "not-a-number", "", None])
def test_an_unknown_or_malformed_identifier_is_nobody(user_id):
    make_citizen()
    assert user_by_pk(user_id) is None
    assert PasswordBackend().get_user(user_id) is None


def test_a_deactivated_account_is_nobody():
    citizen = make_citizen(is_active=False)
    assert user_by_pk(citizen.pk) is not None  # the row is there...
    assert PasswordBackend().get_user(citizen.pk) is None  # ...but it may not be signed in


def test_a_signed_in_citizen_is_signed_out_once_deactivated(client, rf):
    citizen = make_citizen()
    client.force_login(citizen)
    assert client.get(reverse("appointments:list")).status_code == 200

    User.objects.filter(pk=citizen.pk).update(is_active=False)

    response = client.get(reverse("appointments:list"))
    assert response.status_code == 302 and reverse("accounts:sign_in") in response["Location"]


def test_a_password_change_elsewhere_ends_the_session():
    citizen = make_citizen()
    from django.test import Client

    client = Client()
    client.force_login(citizen)
    request = type("Request", (), {"session": client.session})()
    assert get_user(request).pk == citizen.pk

    citizen.set_password("Otra-Clave-Distinta-2025")
    citizen.save()

    assert get_user(request).is_authenticated is False  # the stored hash no longer matches
