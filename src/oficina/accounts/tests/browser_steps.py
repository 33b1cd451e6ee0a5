"""Signing in through the real pages in a browser test: the steps every app's browser tests share.

Each page on the way is checked with axe-core. The sign-in pages themselves are tested in test_browser.py.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from oficina.accounts.tests.conftest import PASSWORD, STAFF_PASSWORD, make_totp_device, totp_code
from oficina.testing.browser import assert_accessible, visit


def sign_in_citizen_in_browser(page: Page, mailbox: Any, *, document_number: str, email: str,
                               messages: int = 1) -> None:
    """DNI/NIE + password, then the code of the newest mail once `email` has had `messages` mails."""
    visit(page, "/cuenta/acceso/")
    page.get_by_label("DNI o NIE").fill(document_number)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Continuar").click()
    assert_accessible(page)
    page.get_by_label("Código de 6 cifras").fill(mailbox.last_code(email, count=messages))
    page.get_by_role("button", name="Acceder").click()


def sign_in_staff_in_browser(page: Page, user: Any, device: Any = None) -> None:
    """User name + password, then the TOTP code of `device` (a new one when not given)."""
    device = device or make_totp_device(user)
    visit(page, "/personal/acceso/")
    page.get_by_label("Usuario").fill(user.username)
    page.get_by_label("Contraseña").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuar").click()
    assert_accessible(page)
    page.get_by_label("Código de la aplicación").fill(totp_code(device))
    page.get_by_role("button", name="Acceder").click()
