"""gunicorn settings for the portal's web processes (`gunicorn -c deploy/gunicorn.conf.py portal.wsgi`).

Every value can be overridden by the environment, so one file serves hosts of any size.
"""

import multiprocessing
import os

# 127.0.0.1 behind the nginx of deploy/nginx/ on the same host; GUNICORN_BIND=10.0.0.12:8000
# for a web host behind another host's nginx. A Procfile platform passes --bind 0.0.0.0:$PORT.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"
# Pages are short and database-bound; single downloads never stream through Python in
# production (nginx X-Accel-Redirect or presigned S3 URLs). A collection's "Download all" zip
# does (docs/collections.md): it may take minutes. Threaded workers (gthread, threads > 1) keep
# beating their heartbeat while a thread streams it; a sync worker (threads = 1) would be
# killed at `timeout` in the middle of the zip.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Uploads of masters through the admin are spooled by Django to disk, not held in memory.
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The portal writes its own JSON access line per request (core.observability), with the
# client's address from the trusted proxy; gunicorn's own lines (start, reload, worker
# timeouts) are JSON lines of the same format, logger "gunicorn.error".
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logformat.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
proc_name = "portal-web"
