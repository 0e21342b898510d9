"""Plant the audit's mutations one at a time and name the tests that kill each.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python tools/plant_mutations.py

Each mutation is a small edit of the product (a limit, a lifetime, a line of the download path)
that the tests must notice. The script copies the work tree (tracked and untracked files, as
they are now) to a temporary folder, runs the named tests there once unchanged (they must
pass), then plants each mutation alone, runs the same tests, reverts it, and reports which
tests failed: the tests that kill the mutant. The work tree itself is never edited; at the end
the script checks that `git diff` and `git status` are what they were at the start.

`--only NAME` plants the mutations whose name starts with NAME. The exit status is 1 when a
mutation survives that is not known to (`survives`, with the reason). Not run on CI: it is a
check of the tests, run when they or the promises change (docs/testing.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Edit:
    path: str
    original: str
    mutant: str


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    edits: tuple[Edit, ...] = ()
    tests: tuple[str, ...] = ()
    # Not planted here: whose tests cover it.
    elsewhere: str = ""
    # Known to survive, and why (a setting nothing reads is not a test's to catch).
    survives: str = ""


def rate(key: str, figure: str) -> Edit:
    return Edit("portal/settings.py", f'    "{key}": "{figure}",\n', f'    "{key}": "100000/m",\n')


RATE_LIMITS = {
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "confirm_email": "1/10s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "change_email": "3/m/user",
    "manage_email": "10/m/user",
}

CODE_TESTS = (
    "accounts/tests/test_promises.py",
    "accounts/tests/test_registration.py",
    "accounts/tests/test_password_reset.py",
    "portal/tests/test_my_account.py",
)
RATE_TESTS = (
    "accounts/tests/test_rate_limit_promises.py",
    "accounts/tests/test_registration.py",
    "portal/tests/test_my_account.py",
)
DOWNLOAD_TESTS = (
    "media_library/tests/test_download_promises.py",
    "media_library/tests/test_downloads.py",
)

OUTBOX_TESTS = ("mailer/tests/test_promises.py", "mailer/tests/test_services.py")


def outbox(original: str, mutant: str) -> Edit:
    return Edit("mailer/services.py", f"{original}\n", f"{mutant}\n")


OUTBOX_NEVER_GIVES_UP = Edit(
    "mailer/services.py",
    "            if classify(exc) is Failure.PERMANENT or email.attempts >= MAX_ATTEMPTS:\n",
    "            if classify(exc) is Failure.PERMANENT:\n",
)

MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "1-gate-trusts-session",
        "the download gate trusts the verified flag cached in the session",
        (
            Edit(
                "accounts/guards.py",
                "            if has_verified_email(request.user):\n",
                "            if session_has_verified_email(request):\n",
            ),
        ),
        (*DOWNLOAD_TESTS, "portal/tests/test_my_account.py"),
    ),
    Mutation(
        "2-verification-code-lifetime-x4",
        "the verification (and email-change) code lives 2 hours instead of 30 minutes",
        (
            Edit(
                "portal/settings.py",
                "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS\n",
                "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS * 4\n",
            ),
        ),
        CODE_TESTS,
    ),
    Mutation(
        "2b-reset-code-lifetime-x4",
        "the password reset code lives 2 hours instead of 30 minutes",
        (
            Edit(
                "portal/settings.py",
                "ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS\n",
                "ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS * 4\n",
            ),
        ),
        CODE_TESTS,
    ),
    Mutation(
        "3-attempt-limits-500",
        "5 attempts per code become 500 (verification and reset)",
        (
            Edit(
                "portal/settings.py",
                "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5\n",
                "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 500\n",
            ),
            Edit(
                "portal/settings.py",
                "ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 5\n",
                "ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 500\n",
            ),
        ),
        CODE_TESTS,
    ),
    Mutation(
        "3a-verification-attempts-500",
        "5 attempts per verification code become 500",
        (
            Edit(
                "portal/settings.py",
                "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5\n",
                "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 500\n",
            ),
        ),
        CODE_TESTS,
    ),
    Mutation(
        "3b-reset-attempts-500",
        "5 attempts per reset code become 500",
        (
            Edit(
                "portal/settings.py",
                "ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 5\n",
                "ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 500\n",
            ),
        ),
        CODE_TESTS,
    ),
    Mutation(
        "4-rate-limits-100000",
        "all nine rate limits set to 100000/m",
        tuple(rate(key, figure) for key, figure in RATE_LIMITS.items()),
        RATE_TESTS,
    ),
    *(
        Mutation(
            f"4-rate-limit-{key}",
            f'"{key}": "{figure}" set to 100000/m',
            (rate(key, figure),),
            ("accounts/tests/test_rate_limit_promises.py",),
            survives=(
                'allauth 65.22 reads no "change_email" limit: the setting is dead, its test a '
                "strict xfail until the portal enforces it"
                if key == "change_email"
                else ""
            ),
        )
        for key, figure in RATE_LIMITS.items()
    ),
    Mutation(
        "5-link-lifetime-60h",
        "the signed download link lives 60 hours instead of 6",
        (
            Edit(
                "media_library/delivery.py",
                "LINK_MAX_AGE_SECONDS = 6 * 3600\n",
                "LINK_MAX_AGE_SECONDS = 60 * 3600\n",
            ),
        ),
        DOWNLOAD_TESTS,
    ),
    Mutation(
        "6-first-chunk-only",
        "the streamed download stops after its first 64 KiB chunk",
        (
            Edit(
                "media_library/delivery.py",
                "            remaining -= len(chunk)\n            yield chunk\n",
                "            remaining -= len(chunk)\n            yield chunk\n            break\n",
            ),
        ),
        DOWNLOAD_TESTS,
    ),
    Mutation(
        "7-no-quote-in-x-accel-redirect",
        "the X-Accel-Redirect path is not percent-encoded",
        (
            Edit(
                "media_library/delivery.py",
                '    response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"\n',
                '    response["X-Accel-Redirect"] = f"{prefix}/{name}"\n',
            ),
        ),
        DOWNLOAD_TESTS,
    ),
    Mutation(
        "8-outbox-never-gives-up-backoff-1s",
        "the outbox never gives up after 12 attempts, and waits 1 s instead of 30 s",
        (OUTBOX_NEVER_GIVES_UP, outbox("BACKOFF_BASE_SECONDS = 30", "BACKOFF_BASE_SECONDS = 1")),
        OUTBOX_TESTS,
    ),
    Mutation(
        "8a-outbox-never-gives-up",
        "the outbox retries a temporary failure forever instead of failing at the 12th",
        (OUTBOX_NEVER_GIVES_UP,),
        OUTBOX_TESTS,
    ),
    Mutation(
        "8b-outbox-backoff-1s",
        "the outbox's first wait is 1 s instead of 30 s",
        (outbox("BACKOFF_BASE_SECONDS = 30", "BACKOFF_BASE_SECONDS = 1"),),
        OUTBOX_TESTS,
    ),
    Mutation(
        "8c-outbox-13-attempts",
        "the outbox gives up after 13 attempts instead of 12",
        (outbox("MAX_ATTEMPTS = 12", "MAX_ATTEMPTS = 13"),),
        OUTBOX_TESTS,
    ),
    Mutation(
        "8d-outbox-backoff-cap-2h",
        "the outbox's longest wait is 2 hours instead of 1",
        (outbox("BACKOFF_MAX_SECONDS = 3600", "BACKOFF_MAX_SECONDS = 7200"),),
        OUTBOX_TESTS,
    ),
    Mutation(
        "9-emails-in-english",
        "account emails rendered in English whatever the page's language",
        (
            Edit(
                "accounts/adapter.py",
                "        message = self.render_mail(template_prefix, email, ctx)\n",
                "        from django.utils import translation\n\n"
                '        with translation.override("en"):\n'
                "            message = self.render_mail(template_prefix, email, ctx)\n",
            ),
        ),
        ("accounts/tests/test_promises.py", "accounts/tests/test_email_delivery.py"),
    ),
)


@dataclass
class Outcome:
    mutation: Mutation
    status: str  # killed, survived, not planted, error
    killers: list[str] = field(default_factory=list)
    ran: int = 0
    seconds: float = 0.0
    detail: str = ""


def tree_state() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    return git("status", "--porcelain") + git("diff", "HEAD")


def copy_tree(target: Path) -> None:
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, names):
        source = ROOT / os.fsdecode(raw)
        if source.is_file():
            destination = target / os.fsdecode(raw)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def run_tests(tree: Path, tests: tuple[str, ...], report: Path) -> tuple[int, list[str], int]:
    """Run `tests` in `tree`; the exit code, the failed tests, how many tests ran."""
    report.unlink(missing_ok=True)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *tests,
            "-q",
            "-p",
            "no:cacheprovider",
            "--reuse-db",
            f"--junitxml={report}",
        ],
        cwd=tree,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    failed: list[str] = []
    ran = 0
    if report.exists():
        # Our own pytest's report, not untrusted input.
        for case in ET.parse(report).iter("testcase"):  # noqa: S314
            ran += 1
            module = case.get("classname", "").rsplit(".", 1)[-1]
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            if failure is None:
                continue
            name = f"{module}::{case.get('name')}"
            message = failure.get("message", "")
            if message and not message.startswith(("assert", "AssertionError", "Failed")):
                name += f" (raised {message.split(':')[0]})"  # an exception, not an assertion
            failed.append(name)
    if completed.returncode not in (0, 1):
        failed.append(f"(pytest exit {completed.returncode}: {completed.stdout[-2000:]})")
    return completed.returncode, failed, ran


def plant(tree: Path, mutation: Mutation) -> dict[Path, str]:
    """Apply the mutation's edits in `tree`; the original text of each file edited."""
    originals: dict[Path, str] = {}
    for edit in mutation.edits:
        path = tree / edit.path
        originals.setdefault(path, path.read_text())
        current = path.read_text()
        count = current.count(edit.original)
        if count != 1:
            restore(originals)
            raise RuntimeError(
                f"{mutation.name}: {edit.original!r} found {count} times in {edit.path}; "
                "the code moved: update the mutation"
            )
        path.write_text(current.replace(edit.original, edit.mutant))
    return originals


def restore(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="plant only the mutations starting with this")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if m.name.startswith(args.only)]
    before = tree_state()
    outcomes: list[Outcome] = []

    with tempfile.TemporaryDirectory(prefix="mutants-") as folder:
        tree = Path(folder) / "tree"
        copy_tree(tree)
        report = Path(folder) / "report.xml"
        every_test = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
        print(f"baseline: {len(every_test)} test modules, unmutated", flush=True)
        code, failed, ran = run_tests(tree, every_test, report)
        if code != 0:
            print(f"the tests fail without any mutation ({ran} ran): {failed}")
            return 2
        print(f"baseline: {ran} tests pass", flush=True)

        for mutation in chosen:
            if mutation.elsewhere:
                outcomes.append(Outcome(mutation, "not planted", detail=mutation.elsewhere))
                continue
            started = time.monotonic()
            originals = plant(tree, mutation)
            try:
                code, failed, ran = run_tests(tree, mutation.tests, report)
            finally:
                restore(originals)
            if code == 1 and failed:
                status = "killed"
            elif code == 0:
                status = "survived"
            else:
                status = "error"
            outcome = Outcome(mutation, status, failed, ran, time.monotonic() - started)
            outcome.detail = mutation.survives
            outcomes.append(outcome)
            print(f"{mutation.name}: {status} ({len(failed)}/{ran} tests fail)", flush=True)

    print()
    print("| mutation | planted | tests run | killed by |")
    print("| --- | --- | --- | --- |")
    for o in outcomes:
        if o.status == "not planted":
            print(f"| {o.mutation.name} | {o.mutation.what} | | not planted: {o.detail} |")
            continue
        if o.status == "killed":
            killers = "<br>".join(f"`{name}`" for name in o.killers)
            verdict = f"killed by {len(o.killers)}: {killers}"
        else:
            verdict = f"**{o.status}**" + (f": {o.detail}" if o.detail else "")
            verdict += "".join(f"<br>`{name}`" for name in o.killers)
        print(f"| {o.mutation.name} | {o.mutation.what} | {o.ran} | {verdict} |")

    after = tree_state()
    if after != before:
        print("\nthe work tree changed during the run: check `git status` and `git diff`")
        return 3
    print("\nwork tree unchanged (git status and git diff as before the run)")
    unexpected = [
        o for o in outcomes if o.status == "error" or (o.status == "survived" and not o.detail)
    ]
    for o in unexpected:
        print(f"NOT KILLED: {o.mutation.name}: {o.mutation.what}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
