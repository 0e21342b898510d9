"""The W3C Nu HTML Checker (vnu.jar) for tests: every page as the server sent it, checked at once.

The checker is the npm package `vnu-jar` at a pinned version, installed on first use into
`.cache/vnu/` of the checkout (`npm install --prefix .cache/vnu vnu-jar@VERSION`), and run
with Java. It starts slowly (a few seconds of JVM), so a test hands it all its documents in
one invocation. Without Java or npm the test skips, or fails under REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.testing.services import find_executable, service_unavailable

VERSION = "26.9.27"
BASE_DIR = Path(__file__).resolve().parents[2]
PREFIX = BASE_DIR / ".cache" / "vnu"
PACKAGE = Path("node_modules") / "vnu-jar"
JAR = PACKAGE / "build" / "dist" / "vnu.jar"
INSTALL_TIMEOUT = 600
CHECK_TIMEOUT = 600


@dataclass(frozen=True)
class Finding:
    document: str
    line: int | None
    column: int | None
    message: str
    extract: str

    def __str__(self) -> str:
        where = f"{self.document}:{self.line}:{self.column}" if self.line else self.document
        return f"{where}: {self.message}\n    {self.extract.strip()!r}"


def _installed_version(prefix: Path) -> str | None:
    try:
        return json.loads((prefix / PACKAGE / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def checker() -> tuple[str, Path]:
    """Java and the pinned vnu.jar, installed with npm the first time."""
    java = find_executable("java")
    if java is None:
        service_unavailable("the HTML checker needs Java: apt-get install default-jre-headless")
    if _installed_version(PREFIX) != VERSION or not (PREFIX / JAR).exists():
        npm = find_executable("npm")
        if npm is None:
            service_unavailable(f"the HTML checker needs npm to install vnu-jar@{VERSION}")
        PREFIX.parent.mkdir(parents=True, exist_ok=True)
        # Installed beside, then moved in: a run stopped half-way, or another process
        # installing at the same time, never leaves a broken checker where tests look.
        staging = Path(tempfile.mkdtemp(prefix="vnu-", dir=PREFIX.parent))
        try:
            # --ignore-scripts: the package's install script only fetches a Java we have.
            install = ["install", "--prefix", str(staging), "--no-audit", "--no-fund"]
            subprocess.run(
                [npm, *install, "--ignore-scripts", f"vnu-jar@{VERSION}"],
                check=True,
                capture_output=True,
                timeout=INSTALL_TIMEOUT,
            )
            if not (staging / JAR).exists():
                service_unavailable(f"npm installed vnu-jar@{VERSION} without its vnu.jar")
            if PREFIX.exists():
                shutil.rmtree(PREFIX, ignore_errors=True)
            os.replace(staging, PREFIX)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            service_unavailable(
                f"could not install vnu-jar@{VERSION} with npm: {exc} {detail[-500:]!r}"
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return java, PREFIX / JAR


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".html"


def validate(documents: dict[str, str], *, folder: Path) -> list[Finding]:
    """The checker's errors in `documents` (name -> HTML), all checked in one run."""
    java, jar = checker()
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, html in documents.items():
        path = folder / _file_name(name)
        path.write_text(html, encoding="utf-8")
        names[path.resolve().as_uri()] = name
    options = ["--errors-only", "--format", "json", "--exit-zero-always"]
    paths = sorted(str(folder / _file_name(name)) for name in documents)
    result = subprocess.run(
        [java, "-jar", str(jar), *options, *paths],
        capture_output=True,
        timeout=CHECK_TIMEOUT,
        check=False,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError) as exc:
        raise AssertionError(
            f"the HTML checker answered no report (exit {result.returncode}):\n"
            f"{result.stderr.decode('utf-8', 'replace')[-2000:]}"
        ) from exc
    return [
        Finding(
            document=_document(names, message.get("url", "")),
            line=message.get("lastLine"),
            column=message.get("firstColumn"),
            message=message.get("message", ""),
            extract=message.get("extract", ""),
        )
        for message in messages
        if message.get("type") in {"error", "non-document-error"}
    ]


def _document(names: dict[str, str], url: str) -> str:
    if url in names:
        return names[url]
    # The checker writes file:/path where Python writes file:///path.
    for uri, name in names.items():
        if uri.removeprefix("file://") == url.removeprefix("file:"):
            return name
    return url
