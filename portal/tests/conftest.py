"""The site's tests drive journeys that start in the accounts app: its fixtures serve here too."""

from accounts.tests.conftest import register, registration_data, submit, user  # noqa: F401
