"""Backups and restores of a whole installation: the database and every media file.

A backup is a folder (docs/operations.md, "Backups and the restore drill"):

- `database.dump`: `pg_dump --format=custom`, taken in the same snapshot as the row counts;
- `media.tar`: every file of the `default` (private) and `public` storages, read through the
  storage, so local folders and S3 buckets are backed up and restored alike;
- `manifest.json`: time, release, applied migrations, each table's row count, and the size and
  SHA-256 of the two files and of every media file.

`restore_backup` checks the checksums first, refuses a database that has tables, restores,
and verifies the row counts and every media file against the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction

MANIFEST = "manifest.json"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar"
STORAGE_ALIASES = ("default", "public")
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


@dataclass
class RestoreReport:
    tables: int
    rows: int
    media_files: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    conf = connection.settings_dict
    if connection.vendor != "postgresql":
        raise BackupError("backups need PostgreSQL (DATABASE_URL=postgres://...)")
    args = ["--host", conf["HOST"] or "127.0.0.1", "--port", str(conf["PORT"] or 5432)]
    if conf["USER"]:
        args += ["--username", conf["USER"]]
    env = {**os.environ}
    if conf["PASSWORD"]:
        env["PGPASSWORD"] = conf["PASSWORD"]
    return args, env


def _table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _walk(storage, folder: str = "", *, skip: str = "") -> list[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}{name}" for name in files]
    for sub in folders:
        if f"{folder}{sub}/" != skip:
            names += _walk(storage, f"{folder}{sub}/", skip=skip)
    return names


def _media_names(alias: str) -> list[str]:
    """Every file of a storage. On S3 the public storage is a folder of the private one's
    bucket: the private walk leaves that folder to the public one, so nothing is taken twice."""
    storage = storages[alias]
    skip = ""
    if alias == "default":
        public = storages["public"]
        bucket = getattr(public, "bucket_name", None)
        if bucket and bucket == getattr(storage, "bucket_name", None) and public.location:
            skip = public.location.strip("/") + "/"
    return sorted(_walk(storage, skip=skip))


def _release() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip()


def make_backup(*, destination: Path) -> Path:
    """Write a backup folder under `destination`; returns it."""
    pg_args, pg_env = _pg_environment()
    folder = destination / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=False)
    dump = folder / DATABASE_FILE
    # One snapshot for the dump and the counts the restore is verified against.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _table_counts()
        migrations = _applied_migrations()
        result = subprocess.run(
            [
                "pg_dump",
                *pg_args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                connection.settings_dict["NAME"],
            ],
            env=pg_env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    media = []
    with tarfile.open(folder / MEDIA_FILE, "w") as archive:
        for alias in STORAGE_ALIASES:
            storage = storages[alias]
            for name in _media_names(alias):
                with storage.open(name, "rb") as handle:
                    data = handle.read()
                info = tarfile.TarInfo(f"{alias}/{name}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                media.append(
                    {
                        "storage": alias,
                        "name": name,
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                )
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "release": _release(),
        "media_storage": settings.MEDIA_STORAGE,
        "migrations": migrations,
        "tables": counts,
        "files": {
            name: {"size": (folder / name).stat().st_size, "sha256": sha256_file(folder / name)}
            for name in (DATABASE_FILE, MEDIA_FILE)
        },
        "media": media,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} does not exist: not a backup folder")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT_VERSION}")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if path.stat().st_size != expected["size"] or sha256_file(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    return manifest


def restore_backup(*, folder: Path) -> RestoreReport:
    """Restore `folder` into the configured (empty) database and storages, then verify."""
    manifest = read_manifest(folder)
    pg_args, pg_env = _pg_environment()
    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    if existing:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} has {len(existing)} tables: "
            "restore only into an empty database"
        )
    connection.close()  # pg_restore works on its own connection
    result = subprocess.run(
        [
            "pg_restore",
            *pg_args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            connection.settings_dict["NAME"],
            str(folder / DATABASE_FILE),
        ],
        env=pg_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    with tarfile.open(folder / MEDIA_FILE, "r") as archive:
        for member in archive:
            if not member.isfile():
                continue
            alias, _, name = member.name.partition("/")
            if alias not in STORAGE_ALIASES:
                raise BackupError(f"unexpected entry {member.name!r} in {MEDIA_FILE}")
            storage = storages[alias]
            data = archive.extractfile(member).read()
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, ContentFile(data))
            if saved != name:
                raise BackupError(f"{alias}/{name} was stored as {saved}")
    return verify_restore(manifest)


def verify_restore(manifest: dict[str, Any]) -> RestoreReport:
    """Compare the database and the storages with the manifest; raises BackupError on a
    difference."""
    counts = _table_counts()
    differences = [
        f"{table}: {counts.get(table)} rows, backup had {expected}"
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    ]
    for entry in manifest["media"]:
        storage = storages[entry["storage"]]
        label = f"{entry['storage']}/{entry['name']}"
        if not storage.exists(entry["name"]):
            differences.append(f"{label}: missing")
            continue
        with storage.open(entry["name"], "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != entry["sha256"]:
                differences.append(f"{label}: checksum differs")
    if differences:
        raise BackupError("restore does not match the backup: " + "; ".join(differences))
    return RestoreReport(
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        media_files=len(manifest["media"]),
    )
