"""The shipped deploy/ files, brought up on this machine with only ports and paths changed.

`ShippedNginx` runs deploy/nginx/portal.conf as written, its listening ports, upstream port and
folders swapped for the test's; every swapped string must be in the shipped file, so a change
there that the test would no longer exercise fails loudly. `load_env_example` reads
deploy/portal.env.example the way docs/operations.md says an operator's shell does.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.testing.services import PROJECT_DIR, free_port, stop_process, wait_for_port

DEPLOY_DIR = PROJECT_DIR / "deploy"
SHIPPED_SITE = DEPLOY_DIR / "nginx" / "portal.conf"
ENV_EXAMPLE = DEPLOY_DIR / "portal.env.example"
SITE_HOST = "portal.example.org"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for portal.example.org and its key (the bootstrap pair of the TLS steps)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SITE_HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SITE_HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "portal.crt", folder / "portal.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def load_env_example(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The variables `set -a; . FILE; set +a` exports (docs/operations.md), as a dict."""
    script = 'set -a; . "$1"; set +a; env -0'
    result = subprocess.run(
        ["sh", "-c", script, "sh", str(path)],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        check=True,
    )
    pairs = (item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    return {k: v for k, v in pairs if k not in {"PATH", "PWD", "SHLVL", "_", "OLDPWD"}}


def read_environment_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The variables systemd's EnvironmentFile= reads from the same file, for the subset the
    example uses: NAME='value' lines, comments and blank lines (systemd.exec(5): single
    quotes are stripped and nothing inside them is expanded)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


@dataclass
class ShippedNginx:
    """nginx running deploy/nginx/portal.conf with ports and paths swapped."""

    binary: str
    prefix: Path
    upstream_port: int
    static_root: Path
    media_root: Path

    def __post_init__(self) -> None:
        self.http_port, self.https_port = free_port(), free_port()
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.tls_dir = self.prefix / "tls"
        self.acme_root = self.prefix / "letsencrypt"
        self.log_dir = self.prefix / "log"
        for folder in (self.acme_root, self.log_dir):
            folder.mkdir(exist_ok=True)
        self_signed(self.tls_dir)
        self.conf = self.prefix / "nginx.conf"
        (self.prefix / "site.conf").write_text(self.site())
        self.conf.write_text(
            f"daemon off;\nmaster_process off;\nworker_processes 1;\npid {self.prefix}/nginx.pid;\n"
            f"error_log {self.prefix}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n include /etc/nginx/mime.types;\n"
            f" client_body_temp_path {self.prefix}/body;\n proxy_temp_path {self.prefix}/proxy;\n"
            f" fastcgi_temp_path {self.prefix}/fastcgi;\n uwsgi_temp_path {self.prefix}/uwsgi;\n"
            f" scgi_temp_path {self.prefix}/scgi;\n include {self.prefix}/site.conf;\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def site(self) -> str:
        site = SHIPPED_SITE.read_text()
        for shipped, ours in {
            "listen 80": f"listen 127.0.0.1:{self.http_port}",
            "listen [::]:80": f"listen [::1]:{self.http_port}",
            "listen 443": f"listen 127.0.0.1:{self.https_port}",
            "listen [::]:443": f"listen [::1]:{self.https_port}",
            "server 127.0.0.1:8000": f"server 127.0.0.1:{self.upstream_port}",
            "/etc/nginx/tls/": f"{self.tls_dir}/",
            "/srv/portal/static/": f"{self.static_root}/",
            "/srv/portal/media/": f"{self.media_root}/",
            "/var/www/letsencrypt": str(self.acme_root),
            "/var/log/nginx/": f"{self.log_dir}/",
        }.items():
            assert shipped in site, f"{shipped!r} is no longer in {SHIPPED_SITE}"
            site = site.replace(shipped, ours)
        return site

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the configuration."""
        return subprocess.run(
            [self.binary, "-t", "-p", str(self.prefix), "-c", str(self.conf)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def start(self) -> ShippedNginx:
        error_log = self.prefix / "error.log"
        with (self.prefix / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [self.binary, "-p", str(self.prefix), "-c", str(self.conf), "-e", str(error_log)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        if not wait_for_port(self.https_port, timeout=10):
            self.stop()
            raise RuntimeError(f"nginx did not start:\n{self.log()}")
        return self

    def log(self) -> str:
        paths = [self.prefix / "stderr.log", self.prefix / "error.log"]
        return "".join(path.read_text() for path in paths if path.exists())

    def access_log(self) -> str:
        path = self.log_dir / "portal.access.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        stop_process(self.process, timeout=10)


def https_session(*, host: str = SITE_HOST):
    """A requests session that talks TLS to 127.0.0.1 with SNI and Host set to `host`, as a
    browser of https://portal.example.org would (the shipped default server refuses others)."""
    import requests
    from requests.adapters import HTTPAdapter

    class _SNIAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["server_hostname"] = host
            kwargs["assert_hostname"] = False
            super().init_poolmanager(*args, **kwargs)

    class _Session(requests.Session):
        def request(self, *args, **kwargs):
            # Per request: a CA bundle named in the environment would override the session's.
            kwargs.setdefault("verify", False)  # the test's own self-signed certificate
            return super().request(*args, **kwargs)

    session = _Session()
    session.mount("https://", _SNIAdapter())
    session.headers["Host"] = host
    return session
