"""nginx in front of a portal process, with the internal location of deploy/nginx/portal.conf:
the portal answers a download with X-Accel-Redirect and nginx sends the private file itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

from core.testing.services import free_port, stop_process, wait_for_port

CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{ video/mp4 mp4; video/quicktime mov; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server {{
        listen 127.0.0.1:{port};
        # Reachable only via X-Accel-Redirect, as in deploy/nginx/portal.conf.
        location /protected/ {{
            internal;
            alias {private_root}/;
        }}{static_locations}
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;{forwarded_proto}
        }}
    }}
}}
"""


class NginxProcess:
    """nginx on a free local port, proxying to `upstream`, its files under `prefix`.

    `static_locations` maps URL prefixes to folders nginx serves itself (the bench's reference);
    `forwarded_proto` tells the portal which scheme the client used (a TLS proxy's header).
    """

    def __init__(
        self,
        *,
        binary: str,
        prefix: Path,
        upstream: str,
        private_root: Path,
        static_locations: dict[str, Path] | None = None,
        forwarded_proto: str | None = None,
    ) -> None:
        self.binary = binary
        self.prefix = prefix
        self.port = free_port()
        prefix.mkdir(parents=True, exist_ok=True)
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(
            CONF.format(
                prefix=prefix,
                port=self.port,
                upstream=upstream,
                private_root=private_root,
                static_locations="".join(
                    f"\n        location {url} {{\n            alias {folder}/;\n        }}"
                    for url, folder in (static_locations or {}).items()
                ),
                forwarded_proto=(
                    f"\n            proxy_set_header X-Forwarded-Proto {forwarded_proto};"
                    if forwarded_proto
                    else ""
                ),
            )
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NginxProcess:
        error_log = str(self.prefix / "error.log")
        with (self.prefix / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [self.binary, "-p", str(self.prefix), "-c", str(self.conf), "-e", error_log],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        if not wait_for_port(self.port, timeout=10):
            self.stop()
            raise RuntimeError(f"nginx did not start:\n{self.log()}")
        return self

    def log(self) -> str:
        """nginx's error log, and what it wrote to stderr before it could open that log."""
        paths = [self.prefix / "stderr.log", self.prefix / "error.log"]
        return "".join(path.read_text() for path in paths if path.exists())

    def stop(self) -> None:
        stop_process(self.process, timeout=10)
