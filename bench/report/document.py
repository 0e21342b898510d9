"""docs/PERFORMANCE.md: the page a run writes, from its results."""

from __future__ import annotations

import html
from pathlib import Path

from bench.findings import findings
from bench.report.cells import markdown_table
from bench.report.chart import chart_svg
from bench.report.sections import SECTIONS
from bench.report.summary import summary_rows


def render(results: dict, *, chart_name: str) -> str:
    rows = summary_rows(results)
    plan = results.get("plan", {})
    out: list[str] = []
    out.append("# Performance\n")
    out.append(
        f"Measured on {results.get('date', '?')} by `make bench` (`python -m bench`), in "
        f"{results.get('elapsed_seconds', 0) / 60:.1f} minutes. **This file is generated: "
        "edit `bench/report/`, not this page.**\n"
    )
    out.append(
        "Every figure sits beside a reference measured in the same run on the same machine, "
        "and the verdicts use the ratio: this is a shared 2-core machine where other engineers "
        "run test suites at the same time, so absolute numbers drift from run to run (the load "
        "average at the start is below). Each page is loaded right after a run of the "
        "reference, and its ratio is the median of those paired ratios, so a neighbour's "
        "burst weighs on both sides of each.\n"
    )
    out.append("## Machine\n")
    out.append(
        markdown_table(["", ""], [[k, v] for k, v in (results.get("machine") or {}).items()])
    )
    out.append(
        "\nSet-up: PostgreSQL (a database created anew for the run), Redis, `DJANGO_DEBUG=0`, "
        f"gunicorn with {plan.get('web_workers')} sync workers on 127.0.0.1, "
        f"wrk with {plan.get('connections')} connections for {plan.get('load_seconds')} s per "
        f"round, {plan.get('rounds')} rounds; data sets generated at bench time with bulk SQL.\n"
    )
    out.append("## Results against the targets of issue 8\n")
    out.append(
        markdown_table(
            ["id", "measure", "portal", "reference (same run)", "ratio", "target", "verdict"],
            [[r.id, r.measure, r.portal, r.reference, r.ratio, r.target, r.verdict] for r in rows],
        )
    )
    out.append(f"\n![Ratios of the portal to its references, with the targets]({chart_name})\n")
    errors = results.get("errors") or {}
    notes = results.get("notes") or {}
    if errors or notes:
        out.append("### Not measured, or measured differently\n")
        for name, text in {**notes, **errors}.items():
            out.append(f"- {name}: {text}")
        out.append("")

    for section in SECTIONS:
        out.extend(section(results))

    found = findings(results)
    if found:
        out.append("## Findings: causes of the missed targets and their fixes\n")
        out.extend(found)

    profiles = {k: v for k, v in (results.get("profiles") or {}).items() if v}
    if profiles:
        out.append("## Profiles\n")
        out.append(
            "pyinstrument over repeated in-process requests of the page (same code as under "
            "gunicorn, without the network), the first levels of the call tree:\n"
        )
        for name, text in profiles.items():
            out.append(
                f"<details><summary>{html.escape(name)}</summary>\n\n```\n{text}\n```\n</details>\n"
            )

    out.append("## Running it\n")
    out.append(
        "```sh\nmake bench                 # the full run, rewrites this page (under 20 minutes)\n"
        ".venv/bin/python -m bench --smoke --output /tmp/perf.md   # every code path, ~1 minute\n"
        ".venv/bin/python -m bench --no-million    # skip the 1,000,000-video point\n```\n\n"
        "It needs PostgreSQL on 127.0.0.1:5432 with trust auth (`--postgres URL` otherwise), "
        "Redis on 127.0.0.1:6379 (it uses db 6; smoke runs db 7), nginx, and wrk (installed "
        "from Debian's packages when missing and the bench runs as root; otherwise a Python load "
        "generator stands in and the page says so). The database `portal_bench` is dropped and "
        "created anew each run, and dropped at the end.\n"
    )
    return "\n".join(out)


def write(results: dict, path: Path) -> None:
    chart_name = f"{path.stem.lower()}.svg" if path.stem != "PERFORMANCE" else "performance.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / chart_name).write_text(chart_svg(results))
    path.write_text(render(results, chart_name=chart_name))
