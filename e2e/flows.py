"""Steps that several browser tests share. Fields are found by name, so they work in any
language; the journeys themselves use the visible labels and button texts."""

from __future__ import annotations

from e2e.conftest import PASSWORD

REGISTRATION = {
    "first_name": "Ada",
    "last_name": "Reporter",
    "organisation": "Europe Broadcast News",
    "email": "ada@ebn.example",
}


def fill_registration(page, *, email: str = REGISTRATION["email"], password: str = PASSWORD):
    for name, value in {**REGISTRATION, "email": email}.items():
        page.locator(f"form [name={name}]").fill(value)
    page.locator("form [name=country]").select_option("FR")
    page.locator("form [name=password1]").fill(password)
    page.locator("form [name=password2]").fill(password)
    page.locator("form [name=accept_terms]").check()


def submit(page, form_selector: str = "main form") -> None:
    """Press the form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit]").first.click()


def enter_code(page, code: str) -> None:
    page.locator("main form [name=code]").fill(code)
    submit(page)


def log_in(page, *, email: str, password: str) -> None:
    page.locator("main form [name=login]").fill(email)
    page.locator("main form [name=password]").fill(password)
    submit(page)
