"""The shipped deploy/ files brought up on this machine (docs/operations.md, "What the
deployment test proves").

Only ports and paths are changed: deploy/nginx/portal.conf with a self-signed certificate,
deploy/portal.env.example loaded as the docs say (machine-specific values edited as an
operator would), the Procfile's own command lines for gunicorn (deploy/gunicorn.conf.py), one
worker per queue and beat, on this machine's PostgreSQL and a private Redis. Then, through
nginx, what a journalist does; then the documented upgrade with a pending migration, a
graceful reload under requests, and backup → restore → verify.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.conftest import CODE_PATTERN
from core.testing.deploy import (
    DEPLOY_DIR,
    ENV_EXAMPLE,
    SITE_HOST,
    ShippedNginx,
    https_session,
    load_env_example,
    read_environment_file,
)
from core.testing.services import (
    PROJECT_DIR,
    free_port,
    postgres_server_url,
    require_executable,
    wait_for_port,
)
from portal.tests.test_drills import REGISTRATION, RedisServer

SITE = f"https://{SITE_HOST}"
UPGRADE_MIGRATION = ("api", "0001_initial")  # unapplied before the upgrade: a new table


# --- The files agree with each other (no service needed) -----------------------------------------


def test_systemd_and_a_shell_read_the_same_values_from_the_env_example():
    from_shell = load_env_example()
    from_systemd = read_environment_file()

    assert from_shell == from_systemd
    assert from_shell["SITE_NAME"] == "Multimedia Portal"
    assert from_shell["DEFAULT_FROM_EMAIL"] == "Multimedia Portal <media@example.org>"
    assert from_shell["SITE_URL"] == SITE
    assert from_shell["STATIC_ROOT"] == "/srv/portal/static"
    # Every value line is single-quoted: the one form both readers take alike.
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z_]+='[^']*'", line), line


def test_one_process_layout_in_the_units_and_the_procfile():
    procfile = dict(
        line.split(": ", 1)
        for line in (DEPLOY_DIR / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    worker_unit = (DEPLOY_DIR / "systemd" / "portal-worker@.service").read_text()

    assert set(procfile) == {"web", "worker_email", "worker_media", "worker_celery", "beat"}
    assert "$PORT" in procfile["web"] and "deploy/gunicorn.conf.py" in procfile["web"]
    for queue in ("email", "media", "celery"):
        command = procfile[f"worker_{queue}"]
        assert f"PORTAL_WORKER_QUEUE={queue} " in command and f"-Q {queue} " in command
        assert "--concurrency" not in command  # the settings choose it per queue
    assert "Environment=PORTAL_WORKER_QUEUE=%i" in worker_unit
    assert "--concurrency" not in worker_unit and "-Q %i" in worker_unit
    for unit in ("portal-web", "portal-worker@", "portal-beat"):
        text = (DEPLOY_DIR / "systemd" / f"{unit}.service").read_text()
        assert "EnvironmentFile=/etc/portal/portal.env" in text, unit


# --- The installation ------------------------------------------------------------------------------


class Installation:
    """One host's portal as docs/operations.md installs it, in a temporary folder."""

    def __init__(self, *, root: Path, database_url: str, redis_url: str, smtp_port: int) -> None:
        self.root = root
        self.port = free_port()
        self.media_root = root / "media"
        self.static_root = root / "static"
        self.metrics_token = secrets.token_urlsafe(24)
        self.env_file = root / "portal.env"
        # The operator's edit of the example: the same lines, machine-specific values.
        edits = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=5",
            "MEDIA_ROOT": str(self.media_root),
            "STATIC_ROOT": str(self.static_root),
            "METRICS_TOKEN": self.metrics_token,
        }
        lines = []
        for line in ENV_EXAMPLE.read_text().splitlines():
            name = line.split("=", 1)[0]
            lines.append(f"{name}='{edits.pop(name)}'" if name in edits else line)
        assert not edits, f"not in the example: {edits}"
        # This machine is small and shared: one process per worker (documented knobs).
        lines += [f"CELERY_{q}_CONCURRENCY='1'" for q in ("EMAIL", "MEDIA", "CELERY")]
        lines += ["GUNICORN_WORKERS='2'", f"CELERY_BEAT_SCHEDULE_FILE='{root / 'beat-schedule'}'"]
        self.env_file.write_text("\n".join(lines) + "\n")
        self.processes: dict[str, subprocess.Popen] = {}

    def environment(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {
            **load_env_example(self.env_file),
            "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.root),
            "PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str, env: dict[str, str] | None = None, check: bool = True):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env={**self.environment(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, name: str) -> subprocess.Popen:
        """A process of the Procfile, by its command line there (`sh -c`, as platforms do)."""
        procfile = dict(
            line.split(": ", 1)
            for line in (DEPLOY_DIR / "Procfile").read_text().splitlines()
            if line and not line.startswith("#")
        )
        log = (self.root / f"{name}.log").open("ab")
        process = subprocess.Popen(
            ["sh", "-c", procfile[name]],
            cwd=PROJECT_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def main_process(self, name: str) -> int:
        """The pid of the program a Procfile line runs: Debian's `sh -c` does not exec it, so
        it is the shell's child (a signal meant for gunicorn's master must go there)."""
        shell = self.processes[name].pid
        return min(children_of(shell), default=shell)  # or a shell that did exec it

    def stop(self, name: str) -> None:
        """Stop the whole process group: the shell may be gone while its program runs on."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        group = process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            process.poll()
            try:
                os.killpg(group, 0)  # anyone of the group left?
            except ProcessLookupError:
                return
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def children_of(pid: int) -> set[int]:
    """The pids whose parent is `pid` (read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:  # the field after the state
            found.add(int(entry.name))
    return found


def _is_json_log_line(line: str) -> bool:
    try:
        return "level" in json.loads(line)
    except ValueError:
        return False


@pytest.fixture
def fresh_databases(transactional_db, postgres):
    """Empty databases on this machine's PostgreSQL, dropped afterwards."""
    server = postgres_server_url(connection.settings_dict)
    names: list[str] = []

    def make() -> str:
        name = f"portal_deploy_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return f"{server}/{name}"

    yield make
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Minutes: a whole installation (or a 1,200-subscriber send) on a shared 2-core machine.
@pytest.mark.timeout(900)
@pytest.mark.integration
def test_the_shipped_files_deploy_serve_upgrade_and_restore(fresh_databases, smtp, tmp_path, wait):
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    warnings.simplefilter("ignore", InsecureRequestWarning)
    nginx_binary = require_executable("nginx", hint="apt-get install -y nginx")
    require_executable("pg_dump", hint="apt-get install -y postgresql-client")
    redis = RedisServer(tmp_path)
    redis.start()
    (tmp_path / "srv").mkdir()
    site = Installation(
        root=tmp_path / "srv",
        database_url=fresh_databases(),
        redis_url=redis.url,
        smtp_port=smtp.port,
    )
    nginx = ShippedNginx(
        binary=nginx_binary,
        prefix=tmp_path / "nginx",
        upstream_port=site.port,
        static_root=site.static_root,
        media_root=site.media_root,
    )
    try:
        # --- Install (docs/operations.md 3): the release before the upgrade has no api table.
        site.manage("migrate", "--noinput")
        site.manage("migrate", UPGRADE_MIGRATION[0], "zero", "--noinput")
        site.manage("collectstatic", "--noinput", "--verbosity", "0")
        created = site.manage(
            "shell",
            "-c",
            "import json; from media_library.tests.factories import RenditionFactory, RENDITION_BYTES; "
            "r = RenditionFactory(video__title='Summit opening'); "
            "from django.urls import reverse; "
            "print(json.dumps({'url': r.video.get_absolute_url(), 'size': len(RENDITION_BYTES), "
            "'download': reverse('media_library:download', "
            "kwargs={'slug': r.video.slug, 'rendition_id': r.pk})}))",
        )
        video = json.loads(created.stdout.strip().splitlines()[-1])

        # --- Processes (docs/operations.md 4), then nginx (5).
        for name in ("web", "worker_email", "worker_media", "worker_celery", "beat"):
            site.start(name)
        assert wait_for_port(site.port, timeout=60), site.log("web")
        nginx.start()
        web = https_session()
        base = nginx.url

        # --- Pages with their CSS, HSTS on what nginx serves, the request id passed through.
        home = web.get(f"{base}/", timeout=30)
        assert home.status_code == 200, (home.status_code, site.log("web")[-3000:])
        stylesheets = re.findall(r'<link[^>]+href="(/static/[^"]+\.css)"', home.text)
        assert stylesheets, "the home page links no stylesheet"
        for href in stylesheets:
            css = web.get(f"{base}{href}", timeout=30)
            assert css.status_code == 200, href
            assert css.headers["Content-Type"].startswith("text/css")
            assert css.raw.headers.getlist("Cache-Control") == [
                "public, max-age=31536000, immutable"
            ]
            assert "max-age=31536000" in css.headers["Strict-Transport-Security"]
        request_id = home.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
        assert f'"request_id": "{request_id}"' in nginx.access_log()
        assert len(home.raw.headers.getlist("Strict-Transport-Security")) == 1

        # --- A Host that is not the portal's: closed without an answer, never reaching Django.
        with pytest.raises(requests.ConnectionError):
            requests.get(
                f"http://127.0.0.1:{nginx.http_port}/",
                headers={"Host": "scanner.example"},
                timeout=10,
            )
        assert "DisallowedHost" not in site.log("web")

        # --- Signup: the code at the SMTP server, entered through nginx.
        email = "reporter@desk.example"
        page = web.get(f"{base}/accounts/signup/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        referer = {"Referer": f"{SITE}/accounts/signup/"}
        response = web.post(
            f"{base}/accounts/signup/",
            data={**REGISTRATION, "email": email, "csrfmiddlewaretoken": token},
            headers=referer,
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text[-2000:]
        wait(
            lambda: smtp.messages_to(email),
            timeout=60,
            message="no code at the SMTP server:\n"
            + site.log("worker_email")[-3000:]
            + site.log("beat")[-1000:],
        )
        code = CODE_PATTERN.search(smtp.messages_to(email)[0].text()).group(1)
        page = web.get(f"{base}/accounts/confirm-email/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        confirmed = web.post(
            f"{base}/accounts/confirm-email/",
            data={"code": code, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{SITE}/accounts/confirm-email/"},
            allow_redirects=False,
            timeout=30,
        )
        assert confirmed.status_code == 302, confirmed.text[-2000:]

        # --- The download: the portal checks the account, nginx sends the bytes (X-Accel).
        page = web.get(f"{base}{video['url']}", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        download = web.post(
            f"{base}{video['download']}",
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": f"{SITE}{video['url']}"},
            allow_redirects=False,
            timeout=30,
        )
        assert download.status_code == 303, download.text[-2000:]
        link = download.headers["Location"]
        served = web.get(f"{base}{link}", timeout=30)
        assert served.status_code == 200
        assert len(served.content) == video["size"]
        assert "X-Accel-Redirect" not in served.headers
        assert served.raw.headers.getlist("Accept-Ranges") == ["bytes"]
        assert len(served.raw.headers.getlist("X-Content-Type-Options")) == 1
        assert "max-age=31536000" in served.headers["Strict-Transport-Security"]
        partial = web.get(f"{base}{link}", headers={"Range": "bytes=10-19"}, timeout=30)
        assert partial.status_code == 206 and partial.content == served.content[10:20]

        # --- Readiness, the deployment check and the metrics, as the operator sees them.
        wait(
            lambda: web.get(f"{base}/readyz", timeout=30).status_code == 200,
            timeout=60,
            message="readyz never became ready",
        )
        check = site.manage("check_deployment")
        assert "deployment ready" in check.stdout
        scrape = web.get(
            f"{base}/metrics",
            headers={"Authorization": f"Bearer {site.metrics_token}"},
            timeout=30,
        )
        values = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(scrape.text)
            for sample in family.samples
        }
        assert values[("portal_downloads_total", ())] == 1
        assert values[("portal_outbox_pending", ())] == 0
        for queue in ("email", "media", "celery"):
            assert values[("portal_workers", (("queue", queue),))] == 1
        # One JSON format everywhere: every line the web process and the workers wrote.
        plain = [
            (name, line)
            for name in ("web", "worker_email", "beat")
            for line in site.log(name).splitlines()
            if not _is_json_log_line(line)
        ]
        assert plain == []
        access = [json.loads(line) for line in site.log("web").splitlines()]
        assert any(
            entry.get("request_id") == request_id and entry.get("client_ip") == "127.0.0.1"
            for entry in access
        )

        # --- The documented upgrade (docs/operations.md 9) while pages are being served.
        failures: list[str] = []
        served_during = [0]
        stop = threading.Event()

        def browse() -> None:
            reader = https_session()
            while not stop.is_set():
                try:
                    status = reader.get(f"{base}{video['url']}", timeout=30).status_code
                except requests.RequestException as exc:
                    failures.append(repr(exc))
                    continue
                served_during[0] += 1
                if status != 200:
                    failures.append(str(status))

        reader = threading.Thread(target=browse)
        reader.start()
        try:
            upgrade = subprocess.run(
                ["sh", str(DEPLOY_DIR / "upgrade.sh"), str(site.env_file)],
                cwd=PROJECT_DIR,
                env={
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "HOME": str(site.root),
                    "PORTAL_PYTHON": sys.executable,
                },
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            # systemctl reload portal-web: SIGHUP to gunicorn's master, which starts new
            # workers on the new code and stops the old ones when they are done.
            master = site.main_process("web")
            old_workers = children_of(master)
            os.kill(master, signal.SIGHUP)
            wait(
                lambda: children_of(master) and not children_of(master) & old_workers,
                timeout=60,
                message="gunicorn did not replace its workers on SIGHUP",
            )
            time.sleep(3)
        finally:
            stop.set()
            reader.join(60)
        assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
        for name in ("worker_email", "worker_media", "worker_celery", "beat"):
            site.stop(name)
            site.start(name)
        applied = site.manage("showmigrations", UPGRADE_MIGRATION[0]).stdout
        assert f"[X] {UPGRADE_MIGRATION[1]}" in applied
        assert failures == [] and served_during[0] > 0
        wait(
            lambda: site.manage("check_deployment", check=False).returncode == 0,
            timeout=90,
            interval=2,
            message="check_deployment failed after the upgrade",
        )

        # --- Backup → restore into an empty database → verify (docs/operations.md 8).
        site.manage("backup", str(tmp_path / "backups"))
        (folder,) = (tmp_path / "backups").iterdir()
        restored = site.manage(
            "restore",
            str(folder),
            env={
                "DATABASE_URL": fresh_databases(),
                "MEDIA_ROOT": str(tmp_path / "restored-media"),
            },
        )
        assert "restore verified" in restored.stdout
        print(
            f"deployed from deploy/: {len(stylesheets)} stylesheets, code delivered, "
            f"X-Accel download {video['size']} B + Range; upgrade with {served_during[0]} "
            f"pages served during it, 0 failed; {restored.stdout.strip().splitlines()[-1]}"
        )
    finally:
        nginx.stop()
        site.stop_all()
        redis.stop()
