"""The pages P1, P1b and P2 load, by the names the report uses."""

from __future__ import annotations

from dataclasses import dataclass

from bench.processes import HttpSession

# The bare Django view (bench/urls.py) that every page is measured beside.
REFERENCE = "reference"


@dataclass
class Page:
    name: str
    path: str
    logged_in: bool


def check_page(base_url: str, page: Page, cookie: str | None) -> int:
    session = HttpSession(base_url)
    headers = {"Cookie": cookie} if cookie else None
    response = session.get(page.path, headers=headers)
    if response.status != 200:
        raise RuntimeError(f"{page.name} ({page.path}) answered {response.status}, not 200")
    return len(response.body)
