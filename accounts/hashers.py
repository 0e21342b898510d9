"""Argon2id with the parameters OWASP recommends for interactive logins.

Django's defaults (100 MiB, 8 lanes) took about a second per hash on a 2-core host, which is a
second on every login and signup, and an easy lever for anyone wanting to load the web
processes. OWASP's first recommended configuration (19 MiB, 2 passes, 1 lane) keeps Argon2id's
memory hardness at a fraction of the cost. Hashes made with other parameters still verify and
are upgraded at the next login.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
