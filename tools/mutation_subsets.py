"""pytest plugin for `make mutation`: a mutant runs only the tests of its module's concern.

mutmut runs each mutant against every selected test that calls the mutated function; for a
function the whole site calls (the password rule, the email adapter, the outbox) that is
dozens of slow signup and delivery tests, most of which only pass through it. Here each
module names the test files that hold its promises, and the other tests are deselected
while a mutant of that module runs (mutmut names it in MUTANT_UNDER_TEST). The stats, clean
and forced-fail runs are left alone. The Makefile loads it with PYTEST_ADDOPTS.
"""

from __future__ import annotations

import os
import re

SUBSETS: dict[str, tuple[str, ...]] = {
    "accounts.guards": (
        "media_library/tests/test_download_promises.py",
        "portal/tests/test_my_account.py",
        "media_library/tests/test_views.py",
        "accounts/tests/test_registration.py",
    ),
    "accounts.adapter": (
        "accounts/tests/test_promises.py",
        "accounts/tests/test_registration.py",
        "accounts/tests/test_password_reset.py",
    ),
    "accounts.validators": (
        "accounts/tests/test_validators.py",
        "accounts/tests/test_password_reset.py",
    ),
    "media_library.delivery": (
        "media_library/tests/test_download_promises.py",
        "media_library/tests/test_downloads.py",
    ),
    "media_library.views": (
        "media_library/tests/test_download_promises.py",
        "media_library/tests/test_downloads.py",
        "media_library/tests/test_views.py",
    ),
    "core.cache": ("core/tests/test_cache.py", "portal/tests/test_rate_limits.py"),
    "core.smtp": ("core/tests/test_smtp.py", "mailer/tests/", "newsletter/tests/test_sending.py"),
    "core.publishing": (
        "portal/tests/test_publishing.py",
        "media_library/tests/test_models.py",
        "speeches/tests/test_models.py",
    ),
    "core.publishable": (
        "portal/tests/test_publishing.py",
        "media_library/tests/test_models.py",
        "speeches/tests/test_models.py",
        "media_library/tests/test_views.py",
    ),
    "newsletter.unsubscribe": (
        "newsletter/tests/test_unsubscribe.py",
        "newsletter/tests/test_sending.py",
    ),
    "newsletter.claims": (
        "newsletter/tests/test_sending.py",
        "newsletter/tests/test_sending_postgres.py",
    ),
    "newsletter.sending": (
        "newsletter/tests/test_sending.py",
        "newsletter/tests/test_sending_postgres.py",
    ),
    "mailer.services": ("mailer/tests/", "core/tests/test_smtp.py"),
}

# "core.cache.xǁResilientRedisCacheǁget__mutmut_4", "accounts.guards.x_has_verified_email__mutmut_1"
_MODULE = re.compile(r"^(?P<module>.+?)\.x(?:ǁ|_).*__mutmut_\d+$")


def pytest_collection_modifyitems(config, items) -> None:
    match = _MODULE.match(os.environ.get("MUTANT_UNDER_TEST", ""))
    if not match or match["module"] not in SUBSETS:
        return
    prefixes = SUBSETS[match["module"]]
    kept = [item for item in items if item.nodeid.removeprefix("mutants/").startswith(prefixes)]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
