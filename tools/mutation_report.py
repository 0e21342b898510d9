"""Write the mutation score from mutmut's results: docs/mutation-report.json and the table in
docs/testing.md ("Mutation score"), so a run rewrites the report instead of a hand edit.

    .venv/bin/python tools/mutation_report.py      # after `make mutation` (it runs this)

mutmut keeps each module's results in `mutants/<path>.meta` (exit code per mutant). A mutant
that survives must be either killed by a test or named in tools/mutation_equivalents.json
with a one-line reason it cannot change behaviour; the script lists the others as open. The
score is killed (timeouts included) over the mutants that are not equivalent.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tools" / "mutation_equivalents.json"
REPORT = ROOT / "docs" / "mutation-report.json"
TESTING = ROOT / "docs" / "testing.md"
BEGIN = "<!-- mutation-report:begin -->"
END = "<!-- mutation-report:end -->"

# mutmut's exit codes (mutmut/stats.py status_by_exit_code), folded into what we report.
STATUS = {
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not checked",
}


def modules() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return [line for line in parser.get("mutmut", "only_mutate").split("\n") if line]


def diff_of(name: str, path: str) -> str:
    """The mutant's changed lines, `-old` / `+new`, from mutmut's own diff."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        diff = get_diff_for_mutant(name, path=path)
    except (OSError, KeyError, ValueError) as exc:  # one unreadable mutant spoils no report
        return f"(no diff: {exc!r})"
    finally:
        os.chdir(cwd)
    lines = [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return "\n".join(lines)


def source_hash(path: str) -> str:
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()


def _unchanged_since_last_report(path: str, row: dict) -> bool:
    """Whether a module is the code its last measure ran on: its hash, or (for a report
    written before hashes were kept) no commit to it since the report's own commit."""
    if "source_sha256" in row:
        return row["source_sha256"] == source_hash(path)
    try:
        written = subprocess.run(
            ["git", "log", "-1", "--format=%H", "--", str(REPORT.relative_to(ROOT))],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        since = subprocess.run(
            ["git", "log", "--format=%H", f"{written}..HEAD", "--", path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return bool(written) and not since and not _uncommitted(path)


def _uncommitted(path: str) -> bool:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", path], cwd=ROOT, capture_output=True, text=True
    )
    return bool(status.stdout.strip())


def carried_over(path: str, previous: dict, equivalents: dict[str, str]) -> dict | None:
    """The last measure of a module this run did not reach, if its code has not changed
    since: a full run takes hours on two cores, so `make mutation MUTANTS=...` may re-run
    only the changed modules. Survivors since shown equivalent are counted so."""
    row = previous.get("modules", {}).get(path)
    if not row or not row.get("measured") or row["not checked"] == row["mutants"]:
        return None
    if not _unchanged_since_last_report(path, row):
        return None
    row = json.loads(json.dumps(row))
    row.setdefault("measured_at", previous.get("measured_at"))
    row["source_sha256"] = source_hash(path)
    for survivor in row["survivors"]:
        if survivor["status"] != "equivalent" and survivor["mutant"] in equivalents:
            row[survivor["status"]] -= 1
            row["equivalent"] += 1
            survivor.update(status="equivalent", reason=equivalents[survivor["mutant"]])
            survivor.pop("diff", None)
    judged = row["mutants"] - row["equivalent"] - row["not checked"]
    row["score"] = round(100 * (row["killed"] + row["timeout"]) / judged, 1) if judged else None
    return row


def collect() -> dict:
    equivalents: dict[str, str] = (
        json.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    )
    previous: dict = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report: dict = {"modules": {}, "measured_at": None}
    newest = 0.0
    for path in modules():
        meta = ROOT / "mutants" / f"{path}.meta"
        row: dict = {
            "mutants": 0,
            "killed": 0,
            "timeout": 0,
            "survived": 0,
            "equivalent": 0,
            "no tests": 0,
            "not checked": 0,
            "survivors": [],
        }
        report["modules"][path] = row
        if not meta.exists():
            kept = carried_over(path, previous, equivalents)
            if kept is not None:
                report["modules"][path] = kept
                continue
            row["measured"] = False
            continue
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        if all(code is None for code in codes.values()):
            kept = carried_over(path, previous, equivalents)
            if kept is not None:
                report["modules"][path] = kept
                continue
        row["measured"] = True
        row["source_sha256"] = source_hash(path)
        row["measured_at"] = _utc(meta.stat().st_mtime)
        newest = max(newest, meta.stat().st_mtime)
        for name, code in sorted(codes.items(), key=lambda item: _natural(item[0])):
            status = STATUS.get(code, "suspicious")
            row["mutants"] += 1
            if status in ("survived", "no tests") and name in equivalents:
                row["equivalent"] += 1
                row["survivors"].append(
                    {"mutant": name, "status": "equivalent", "reason": equivalents[name]}
                )
                continue
            row[status] = row.get(status, 0) + 1
            if status not in ("killed", "timeout", "not checked"):
                row["survivors"].append(
                    {"mutant": name, "status": status, "diff": diff_of(name, path)}
                )
        judged = row["mutants"] - row["equivalent"] - row["not checked"]
        row["score"] = round(100 * (row["killed"] + row["timeout"]) / judged, 1) if judged else None
    totals = {
        key: sum(row[key] for row in report["modules"].values())
        for key in (
            "mutants",
            "killed",
            "timeout",
            "survived",
            "equivalent",
            "no tests",
            "not checked",
        )
    }
    judged = totals["mutants"] - totals["equivalent"] - totals["not checked"]
    totals["score"] = (
        round(100 * (totals["killed"] + totals["timeout"]) / judged, 1) if judged else None
    )
    report["totals"] = totals
    if newest:
        report["measured_at"] = _utc(newest)
    return report


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _natural(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def markdown(report: dict) -> str:
    totals = report["totals"]
    lines = [
        BEGIN,
        f"Last measured {report['measured_at'] or 'never'} with mutmut 3.8.1 (`make mutation`; "
        "a module this run did not reach keeps its last measure while its code is unchanged, "
        "checked by its SHA-256): "
        f"**{totals['score']} %** of the {totals['mutants'] - totals['equivalent'] - totals['not checked']} "
        f"non-equivalent mutants killed ({totals['killed']} by a failing test, {totals['timeout']} "
        f"by a timeout); {totals['equivalent']} equivalent, {totals['survived']} survived, "
        f"{totals['no tests']} reached by no test of the selection, "
        f"{totals['not checked']} not run yet. Written by "
        "`tools/mutation_report.py` from `mutants/`; the same figures and every survivor's diff "
        "are in `docs/mutation-report.json`.",
        "",
        "| module | measured | mutants | killed | timeouts | survived | equivalent | no tests | not run | score |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for path, row in report["modules"].items():
        if not row["measured"] or row["not checked"] == row["mutants"]:
            lines.append(f"| `{path}` | | {row['mutants']} | not run | | | | | | |")
            continue
        score = "" if row["score"] is None else f"{row['score']} %"
        lines.append(
            f"| `{path}` | {row.get('measured_at') or ''} | {row['mutants']} | {row['killed']} | {row['timeout']} | "
            f"{row['survived']} | {row['equivalent']} | {row['no tests']} | "
            f"{row['not checked']} | {score} |"
        )
    lines.append(
        f"| **all** | | {totals['mutants']} | {totals['killed']} | {totals['timeout']} | "
        f"{totals['survived']} | {totals['equivalent']} | {totals['no tests']} | "
        f"{totals['not checked']} | **{totals['score']} %** |"
    )
    open_ = [
        (path, s)
        for path, row in report["modules"].items()
        for s in row["survivors"]
        if s["status"] != "equivalent"
    ]
    equivalent = [
        (path, s)
        for path, row in report["modules"].items()
        for s in row["survivors"]
        if s["status"] == "equivalent"
    ]
    lines += [
        "",
        f"**Equivalent mutants ({len(equivalent)})**, each with why it cannot change what a user or operator sees:",
        "",
    ]
    lines += [f"- `{s['mutant']}`: {s['reason']}" for _, s in equivalent] or ["- none"]
    lines += ["", f"**Open survivors ({len(open_)})**: neither killed nor shown equivalent.", ""]
    for _, s in open_:
        change = " / ".join(part.strip() for part in s["diff"].splitlines())[:160]
        lines.append(f"- `{s['mutant']}` ({s['status']}): `{change}`")
    if not open_:
        lines.append("- none")
    lines.append(END)
    return "\n".join(lines)


def main() -> int:
    report = collect()
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    text = TESTING.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        TESTING.write_text(head + markdown(report) + tail)
    else:
        print(f"{TESTING} has no {BEGIN} ... {END} block: table not written", file=sys.stderr)
    totals = report["totals"]
    print(
        f"mutation score {totals['score']} %: {totals['killed']} killed, {totals['timeout']} "
        f"timeouts, {totals['survived']} survived, {totals['equivalent']} equivalent, "
        f"{totals['no tests']} with no tests, of {totals['mutants']} mutants"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
