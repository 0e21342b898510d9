"""Backup → restore into an empty database → verify (docs/operations.md, "Backups")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from core.testing.services import PROJECT_DIR, postgres_server_url
from media_library.tests.factories import DownloadFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_database(transactional_db, postgres) -> str:
    """A new, empty PostgreSQL database on the same server; dropped afterwards."""
    server = postgres_server_url(connection.settings_dict)
    name = f"portal_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "MEDIA_STORAGE": "local",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_restores_into_an_empty_database_and_verifies(empty_database, tmp_path):
    downloads = DownloadFactory.create_batch(2)
    storages["public"].save("thumbnails/cover.jpg", ContentFile(b"\xff\xd8 a thumbnail"))
    rendition = downloads[0].rendition
    original = Path(rendition.file.path).read_bytes()

    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    restored_media = tmp_path / "restored-media"
    result = manage("restore", str(folder), database_url=empty_database, media_root=restored_media)

    assert result.returncode == 0, result.stderr
    assert "restore verified" in result.stdout
    assert manifest["tables"]["media_library_download"] == 2
    assert {"default", "public"} == {entry["storage"] for entry in manifest["media"]}
    assert (restored_media / "private" / rendition.file.name).read_bytes() == original
    assert (restored_media / "public" / "thumbnails" / "cover.jpg").exists()
    with psycopg.connect(empty_database) as restored:
        emails = {row[0] for row in restored.execute("SELECT email FROM accounts_user")}
    assert {d.user.email for d in downloads} <= emails
    print(
        f"backup -> restore: {len(manifest['tables'])} tables, "
        f"{sum(manifest['tables'].values())} rows, {len(manifest['media'])} media files verified"
    )


def test_restore_refuses_a_database_with_tables_and_a_damaged_backup(empty_database, tmp_path):
    DownloadFactory()
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    test_database = (
        f"{postgres_server_url(connection.settings_dict)}/{connection.settings_dict['NAME']}"
    )

    into_live = manage(
        "restore", str(folder), database_url=test_database, media_root=tmp_path / "m"
    )
    tar = folder / "media.tar"
    damaged = bytearray(tar.read_bytes())
    damaged[600] ^= 0xFF
    tar.write_bytes(bytes(damaged))
    from_damaged = manage(
        "restore", str(folder), database_url=empty_database, media_root=tmp_path / "m"
    )

    assert into_live.returncode == 1
    assert "restore only into an empty database" in into_live.stderr
    assert from_damaged.returncode == 1
    assert "media.tar does not match its checksum" in from_damaged.stderr
    with psycopg.connect(empty_database) as untouched:
        tables = untouched.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    assert tables == 0


def test_media_in_s3_is_backed_up_once_and_restored_into_another_bucket(
    empty_database, s3_endpoint, s3_storage, tmp_path
):
    import boto3

    from media_library.tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY

    storages["default"].save("renditions/master.mp4", ContentFile(b"private master bytes"))
    storages["public"].save("thumbnails/cover.jpg", ContentFile(b"public thumbnail"))
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    target = f"restored-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=target)

    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder)],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DATABASE_URL": empty_database,
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": target,
            "AWS_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "restore verified" in result.stdout
    # The public folder of the bucket is taken once, as the public storage's.
    assert sorted((e["storage"], e["name"]) for e in manifest["media"]) == [
        ("default", "renditions/master.mp4"),
        ("public", "thumbnails/cover.jpg"),
    ]
    restored = s3.get_object(Bucket=target, Key="renditions/master.mp4")["Body"].read()
    assert restored == b"private master bytes"
    assert s3.get_object(Bucket=target, Key="public/thumbnails/cover.jpg")["Body"].read() == (
        b"public thumbnail"
    )
