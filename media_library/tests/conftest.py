"""Fixtures of the media library tests: generated clips, accounts, nginx and an S3 server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from accounts.tests.factories import UserFactory
from core.testing.nginx import NginxProcess
from core.testing.services import free_port, require_executable, wait_for_port
from media_library.synth import make_clip

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """A French request activates French in this thread; later tests expect English."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def rendition(db):
    """A ready rendition of a published video, as the download tests fetch it."""
    from media_library.tests.factories import RenditionFactory

    return RenditionFactory(video__title="Opening remarks", label="HD 1080p H.264")


# --- Files -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def clip_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def small_clip(clip_folder: Path) -> Path:
    """A real 2-second 320×180 H.264/AAC MP4, made once per session."""  # noqa: RUF002
    return make_clip(clip_folder / "bars.mp4", width=320, height=180, seconds=2, tone_hz=440)


@pytest.fixture
def clip(small_clip: Path, tmp_path: Path) -> Path:
    """A private copy of the small clip, which a test may damage or move."""
    copy = tmp_path / "clip.mp4"
    shutil.copyfile(small_clip, copy)
    return copy


# --- Accounts ----------------------------------------------------------------------------------


@pytest.fixture
def verified_user(db):
    return UserFactory(verified=True)


@pytest.fixture
def unverified_user(db):
    return UserFactory(verified=False)


@pytest.fixture
def verified_client(client, verified_user):
    client.force_login(verified_user)
    return client


# --- nginx -------------------------------------------------------------------------------------


@pytest.fixture
def nginx(live_server, settings, tmp_path: Path) -> Iterator[NginxProcess]:
    """nginx in front of the live server, serving X-Accel-Redirect from the private media."""
    private_root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    private_root.mkdir(parents=True, exist_ok=True)
    server = NginxProcess(
        binary=require_executable("nginx", hint="apt-get install -y nginx"),
        prefix=tmp_path / "nginx",
        upstream=live_server.url,
        private_root=private_root,
    ).start()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = "/protected/"
    yield server
    server.stop()


# --- The shipped nginx site in front of gunicorn -------------------------------------------------


@dataclass
class Site:
    """deploy/nginx/portal.conf as shipped (ports and paths swapped: core.testing.deploy), in
    front of a real gunicorn of the portal sharing the test database and media folder."""

    url: str
    media_root: Path

    def get(self, path: str, **kwargs):
        from core.testing.deploy import https_session

        return https_session().get(f"{self.url}{path}", allow_redirects=False, timeout=30, **kwargs)


@pytest.fixture
def shipped_site(transactional_db, worker_environment, settings, tmp_path: Path) -> Iterator[Site]:
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    from core import content_version
    from core.testing.deploy import SITE_HOST, ShippedNginx
    from core.testing.web import GunicornProcess

    binary = require_executable("nginx", hint="apt-get install -y nginx")
    media_root = Path(settings.MEDIA_ROOT)
    (media_root / "private").mkdir(parents=True, exist_ok=True)
    (media_root / "public").mkdir(parents=True, exist_ok=True)
    # The test's changes move the content version in the cache gunicorn reads, as an editor's
    # do in production: its cached pages follow them at once.
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": worker_environment["REDIS_URL"],
            "KEY_PREFIX": "portal",
        }
    }
    content_version.forget_local_copy()
    web = GunicornProcess(
        env={
            **worker_environment,
            "PAGE_CACHE_VERSION_RECHECK_MS": "0",
            "MEDIA_ROOT": str(media_root),
            "DJANGO_ALLOWED_HOSTS": f"{SITE_HOST},127.0.0.1",
            "DOWNLOAD_ACCEL_REDIRECT_PREFIX": "/protected/",
            "LOG_LEVEL": "WARNING",
        },
        log_path=tmp_path / "gunicorn.log",
        workers=1,
    ).start()
    nginx = ShippedNginx(
        binary=binary,
        prefix=tmp_path / "nginx",
        upstream_port=web.port,
        static_root=tmp_path / "static",
        media_root=media_root,
    )
    try:
        nginx.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureRequestWarning)
            yield Site(url=nginx.url, media_root=media_root)
    finally:
        nginx.stop()
        web.stop()


# --- S3 ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """moto's S3 server (with real S3's presigned-URL checks) in a subprocess."""
    port = free_port()
    log = (tmp_path_factory.mktemp("s3") / "s3.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(HERE / "s3_server.py"), str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(HERE.parent.parent)},
    )
    if not wait_for_port(port, timeout=30):
        process.kill()
        pytest.fail("the S3 test server (moto) did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def s3_storage(s3_endpoint: str, settings) -> str:
    """Both storages on a fresh bucket of the S3 server, as MEDIA_STORAGE=s3 configures them."""
    import boto3

    from media_library.tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY

    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ).create_bucket(Bucket=bucket)
    options = {
        "bucket_name": bucket,
        "endpoint_url": s3_endpoint,
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": settings.DOWNLOAD_URL_EXPIRY_SECONDS,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "public"},
        },
    }
    settings.MEDIA_STORAGE = "s3"
    return bucket
