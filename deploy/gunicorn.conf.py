"""gunicorn settings for the portal's web processes (`gunicorn -c deploy/gunicorn.conf.py portal.wsgi`).

Every value can be overridden by the environment, so one file serves hosts of any size.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
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
# The portal writes its own JSON access line per request (core.observability).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "portal-web"
