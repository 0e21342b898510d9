"""Run one upload check in a fresh process, so its parent can measure its memory and time.

    python -m media_library.tests.refuse_in_child command PATH    # manage.py ingest_video PATH
    python -m media_library.tests.refuse_in_child thumbnail PATH  # the admin's thumbnail check

Prints one JSON line: {"refused": message} or {"accepted": ...}, with "peak_bytes", this
process's peak resident memory. It is read from /proc (VmHWM, of this program's own memory
since it started), not from getrusage: a child's ru_maxrss also counts the parent's memory it
was forked with before it started this program.
"""

from __future__ import annotations

import json
import os
import sys
from io import StringIO
from pathlib import Path


def peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(kind: str, path: str) -> None:
    print(json.dumps({**check(kind, path), "peak_bytes": peak_bytes()}))


def check(kind: str, path: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import CommandError, call_command

    if kind == "command":
        err = StringIO()
        try:
            call_command("ingest_video", path, stdout=StringIO(), stderr=err)
        except CommandError:
            return {"refused": err.getvalue().strip()}
        return {"accepted": path}

    from django import forms
    from django.core.files.uploadedfile import SimpleUploadedFile

    from media_library.forms import checked_thumbnail

    upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
    try:
        checked_thumbnail(upload)
    except forms.ValidationError as exc:
        return {"refused": " ".join(exc.messages)}
    return {"accepted": path}


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
