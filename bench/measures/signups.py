"""P6: signup POST to the code email at the SMTP server, through the real worker."""

from __future__ import annotations

import time

from bench.measures.plan import median
from bench.processes import Gunicorn, HttpSession, log


def measure_signups(*, web: Gunicorn, smtp, count: int) -> dict:
    """Signup POST → the code email accepted by the SMTP server, through the real worker."""
    from django.conf import settings

    from bench.dataset import BENCH_EMAIL_DOMAIN

    totals, posts = [], []
    for n in range(count):
        session = HttpSession(web.url)
        form = session.get("/accounts/signup/")
        if form.status != 200:
            raise RuntimeError(f"signup page answered {form.status}")
        before = smtp.count()
        started = time.perf_counter()
        response = session.post_form(
            "/accounts/signup/",
            {
                "first_name": "Ada",
                "last_name": "Reporter",
                "organisation": "Europe Broadcast News",
                "country": "FR",
                "email": f"signup{n}-{int(time.time())}@{BENCH_EMAIL_DOMAIN}",
                "password1": "Bench-Signup-Secret-42!",
                "password2": "Bench-Signup-Secret-42!",
                "accept_terms": "on",
            },
            csrf_cookie=settings.CSRF_COOKIE_NAME,
        )
        posted = time.perf_counter()
        if response.status != 302:
            raise RuntimeError(f"signup answered {response.status}: {response.text()[:500]}")
        deadline = started + 30
        while smtp.count() <= before:
            if time.perf_counter() > deadline:
                raise RuntimeError("no code email within 30 s")
            time.sleep(0.005)
        arrived = time.perf_counter()
        totals.append((arrived - started) * 1000)
        posts.append((posted - started) * 1000)
        log(f"  signup {n + 1}: POST {posts[-1]:6.0f} ms, email at the server {totals[-1]:6.0f} ms")
    return {
        "signups": count,
        "median_ms": round(median(totals), 0),
        "max_ms": round(max(totals), 0),
        "post_median_ms": round(median(posts), 0),
        "runs_ms": [round(t) for t in totals],
    }
