"""Structured logs: one JSON line per request and per Celery task, tied by a request id.

The id comes from the proxy's `X-Request-ID` (nginx sets it) or is made here; it is echoed
in the response, attached to every log line written while the request runs, and carried in
the headers of the Celery tasks the request queues, so a task's lines name the request that
caused them.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from core.logformat import JsonFormatter  # noqa: F401 - the name settings.LOGGING uses

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
access_logger = logging.getLogger("portal.access")
task_logger = logging.getLogger("portal.tasks")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


def incoming_request_id(request: HttpRequest) -> str:
    candidate = request.headers.get(REQUEST_ID_HEADER, "")
    return candidate if _SAFE_REQUEST_ID.match(candidate) else uuid.uuid4().hex


class RequestLogMiddleware:
    """Tags the request with its id and writes the access-log line when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": _user_id(request),
                "client_ip": client_ip(request),
            },
        )
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the rate limits see it: from X-Forwarded-For as written by the
    trusted proxies (DJANGO_TRUSTED_PROXY_COUNT), else REMOTE_ADDR (docs/security.md)."""
    # Imported here: settings.LOGGING loads this module before the app registry is ready,
    # and allauth's helper imports the auth models.
    from allauth.core.internal.httpkit import get_client_ip

    try:
        return get_client_ip(request)
    except ImproperlyConfigured:
        # Fewer X-Forwarded-For entries than trusted proxies: a request that bypassed them.
        return request.META.get("REMOTE_ADDR")


def init_error_reporting(dsn: str) -> None:
    """Send errors of web and worker processes to Sentry (settings: only when SENTRY_DSN is
    set). No personal data: addresses, cookies and bodies stay out of the reports."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
    )


def _user_id(request: HttpRequest) -> int | str | None:
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        # The page did not need the user (a cached page): the session names them, and loading
        # the user only to log it would cost a query per request.
        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY) if session is not None else None
        return int(user_id) if isinstance(user_id, str) and user_id.isdigit() else user_id
    return user.pk if user is not None and user.is_authenticated else None


def connect_celery_signals() -> None:
    """Carry the request id into task headers and log one line per finished task."""
    from celery import signals

    started_at: dict[str, float] = {}

    @signals.before_task_publish.connect(weak=False)
    def add_request_id(headers: dict | None = None, **kwargs: Any) -> None:
        if headers is not None and request_id_var.get():
            headers.setdefault("request_id", request_id_var.get())

    @signals.task_prerun.connect(weak=False)
    def task_started(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        started_at[task_id] = time.perf_counter()
        request_id = getattr(task.request, "request_id", None) if task else None
        request_id_var.set(request_id or f"task-{task_id}")

    @signals.task_postrun.connect(weak=False)
    def task_finished(task_id: str = "", task: Any = None, state: str = "", **kwargs: Any) -> None:
        duration = time.perf_counter() - started_at.pop(task_id, time.perf_counter())
        task_logger.info(
            "task %s %s",
            getattr(task, "name", "?"),
            state,
            extra={
                "task": getattr(task, "name", "?"),
                "task_id": task_id,
                "state": state,
                "duration_ms": round(duration * 1000, 1),
                "retries": getattr(getattr(task, "request", None), "retries", 0),
            },
        )
        request_id_var.set("")
