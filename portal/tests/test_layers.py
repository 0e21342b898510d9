"""The layer order of docs/architecture.md holds, and the contract that guards it bites.

`make lint` runs import-linter on the tree; these tests run it too, on the tree as it is and
on a copy with one upward import planted, at module level and hidden inside a function.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "mailer", "accounts", "media_library", "clips", "speeches", "newsletter"]
PACKAGES += ["lightboxes", "alerts", "api", "portal"]
PACKAGES += ["bench", "e2e"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail("import-linter is not installed: `make test` installs requirements-dev.txt")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_the_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po", "demo_data"),
        )
    return tmp_path


def test_every_app_imports_only_from_the_layers_below_it():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    "planted",
    [
        "from media_library.models import Video\n",
        "def sneaky():\n    from newsletter import models\n\n    return models\n",
    ],
    ids=["module level", "inside a function"],
)
def test_an_upward_import_from_the_core_layer_breaks_the_contract(tmp_path, planted):
    tree = copy_of_the_tree(tmp_path)
    (tree / "core" / "upward.py").write_text(planted)

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout
    assert "core is not allowed to import" in result.stdout
    assert "core.upward ->" in result.stdout
