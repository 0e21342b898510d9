"""The product's URLconf plus one bench-only page: the reference of P1 and P1b."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns

REFERENCE_PATH = "__bench__/reference/"

# A fixed page of about the size of a small portal page, built once at import: the view
# then costs only what Django itself costs (middleware, session, routing, response).
_REFERENCE_PAGE = (
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Reference</title></head>"
    "<body><main><h1>Reference</h1>"
    + "".join(f"<p>Line {n} of a fixed page.</p>" for n in range(200))
    + "</main></body></html>"
).encode()


def reference(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_REFERENCE_PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path(REFERENCE_PATH, reference, name="bench_reference"), *portal_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
