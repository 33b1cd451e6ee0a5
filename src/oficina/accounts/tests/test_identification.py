"""The registry of identification methods and the settings that choose them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from oficina.accounts.checks import check_identification_methods
from oficina.accounts.identification import IdentificationMethod, available_methods, get_method
from oficina.accounts.identification import registry


class _CertificateMethod(IdentificationMethod):
    key = "test_certificate"
    label = "Certificado electrónico"
    description = "Con su DNIe o certificado de la FNMT."

    def start_url(self) -> str:
        return "/cuenta/acceso/certificado/"


@pytest.fixture
def certificate_method():
    registry.register(_CertificateMethod)
    yield _CertificateMethod
    registry._registry.pop(_CertificateMethod.key, None)


def test_default_settings_offer_password_and_code():
    [method] = available_methods()
    assert method.key == "password_otp"
    assert method.start_url() == reverse("accounts:sign_in_password")


def test_unknown_method_in_settings_is_a_configuration_error(settings):
    settings.IDENTIFICATION_METHODS = ["password_otp", "clave"]
    with pytest.raises(ImproperlyConfigured, match="'clave'"):
        get_method("clave")
    assert [error.id for error in check_identification_methods()] == ["accounts.E002"]


def test_no_method_at_all_is_a_configuration_error(settings):
    settings.IDENTIFICATION_METHODS = []
    assert [error.id for error in check_identification_methods()] == ["accounts.E001"]


def test_two_methods_with_one_key_are_refused(certificate_method):
    duplicate = type("Duplicate", (_CertificateMethod,), {})
    with pytest.raises(ImproperlyConfigured):
        registry.register(duplicate)


@pytest.mark.django_db
def test_with_several_methods_the_sign_in_page_lists_them(client, settings, certificate_method):
    settings.IDENTIFICATION_METHODS = ["password_otp", "test_certificate"]
    response = client.get("/cuenta/acceso/?next=/cuenta/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/cuenta/acceso/contrasena/?next=%2Fcuenta%2F"' in html
    assert 'href="/cuenta/acceso/certificado/?next=%2Fcuenta%2F"' in html
    assert "Certificado electrónico" in html and "DNI/NIE, contraseña y código" in html
    assert check_identification_methods() == []
