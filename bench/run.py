"""Performance benchmark of the Cofense Vision integration against the local emulator.

    python3 bench/run.py [--strict] [--quick]

Prints a table of measurements with PASS/FAIL per target and writes bench/results.json.
A part that cannot run (a missing module, a failing child) is reported as ERROR.
Exits 0 unless --strict is given and a target failed or errored.
"""

import argparse
import json
import sys
import tempfile
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "src", HERE.parent / "CofenseVision"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import measures  # noqa: E402

RESULTS = HERE / "results.json"
MIB = 1024 * 1024
SIZES = {
    "full": {
        "rows": 2000,
        "pages": (50, 500, 2000),
        "repeats": 9,
        "download": 200 * MIB,
        "starts": 3,
    },
    "quick": {
        "rows": 200,
        "pages": (5, 50, 200),
        "repeats": 5,
        "download": 8 * MIB,
        "starts": 1,
    },
}
# (name, section, function of the section giving (measured, limit), unit)
TARGETS = (
    (
        "1 request per command",
        "requests",
        lambda part: (max(item["requests"] for item in part.values()), 1),
        "requests",
    ),
    (
        "2,000 messages outputs <= 3x json.loads",
        "outputs",
        lambda part: (part["results"]["ratio"], 3),
        "x",
    ),
    (
        "2,000 IOCs with indicators <= 8x json.loads",
        "outputs",
        lambda part: (part["iocs"]["ratio"], 8),
        "x",
    ),
    (
        "40x the rows <= 45x the time",
        "scaling",
        lambda part: (part["time_ratio"], part["row_ratio"] * 45 / 40),
        "x",
    ),
    (
        "message download <= 32 MB above baseline",
        "downloads",
        lambda part: (part["message"]["above_baseline_kib"] / 1024, 32),
        "MB",
    ),
    (
        "attachment download <= 32 MB above baseline",
        "downloads",
        lambda part: (part["attachment"]["above_baseline_kib"] / 1024, 32),
        "MB",
    ),
    (
        "start to first entry <= import requests + 150 ms",
        "startup",
        lambda part: (
            part["first_entry_seconds"] * 1000,
            part["import_requests_seconds"] * 1000 + 150,
        ),
        "ms",
    ),
    (
        "no dateparser without a date argument",
        "dateparser",
        lambda part: (int(part["dateparser_loaded"]), 0),
        "loaded",
    ),
)


def measure_all(sizes: dict) -> dict:
    """Runs every part against one emulator; a failing part records its error."""
    from vision_emulator import bench_fixtures, serve

    sections = {}
    with serve(port=0) as server, tempfile.TemporaryDirectory() as folder:
        bench_fixtures.install(server.app)
        home = Path(folder)
        parts = {
            "requests": lambda: measures.requests_per_command(server, home / "warroom"),
            "outputs": lambda: measures.in_process_outputs(
                sizes["rows"], sizes["rows"], sizes["repeats"]
            ),
            "scaling": lambda: measures.page_scaling(sizes["pages"], sizes["repeats"]),
            "profile": lambda: measures.profile_outputs(sizes["rows"], sizes["rows"]),
            "downloads": lambda: measures.downloads(server, home, sizes["download"]),
            "dateparser": lambda: measures.dateparser_check(server, home),
            "startup": lambda: measures.startup(server, home, sizes["starts"]),
        }
        for name, part in parts.items():
            print(f"measuring {name} …", file=sys.stderr)
            try:
                sections[name] = part()
            except Exception as exc:  # reported, so the remaining parts still run
                sections[name] = {"error": f"{type(exc).__name__}: {exc}"[:400]}
                traceback.print_exc(limit=3, file=sys.stderr)
    return sections


def judge(sections: dict) -> list[dict]:
    """One verdict per target: PASS, FAIL or ERROR with the measured value and limit."""
    verdicts = []
    for name, section, read, unit in TARGETS:
        part = sections.get(section, {})
        if "error" in part:
            verdicts.append(
                {"target": name, "verdict": "ERROR", "detail": part["error"]}
            )
            continue
        try:
            measured, limit = read(part)
        except (KeyError, ValueError, ZeroDivisionError) as exc:
            verdicts.append({"target": name, "verdict": "ERROR", "detail": repr(exc)})
            continue
        verdicts.append(
            {
                "target": name,
                "measured": round(measured, 3),
                "limit": round(limit, 3),
                "unit": unit,
                "verdict": "PASS" if measured <= limit else "FAIL",
            }
        )
    return verdicts


def print_table(sections: dict, verdicts: list[dict]) -> None:
    for verdict in verdicts:
        if verdict["verdict"] == "ERROR":
            print(f"ERROR {verdict['target']}: {verdict['detail']}")
            continue
        print(
            f"{verdict['verdict']:5} {verdict['target']:<50} "
            f"{verdict['measured']:>10} {verdict['unit']:<8} (limit {verdict['limit']})"
        )
    print()
    for command, seen in sections.get("requests", {}).items():
        if isinstance(seen, dict):
            note = f"  error: {seen['error']}" if seen["error"] else ""
            print(f"  {seen['requests']} request(s)  {command}{note}")
    for name, rows in sections.get("profile", {}).items():
        for row in rows if isinstance(rows, list) else []:
            print(
                f"  profile {name:<8} {row['own_seconds']:8.4f} s own "
                f"{row['calls']:>8} calls  {row['function']}"
            )
    for imported in sections.get("startup", {}).get("top_imports", []):
        print(f"  import {imported['module']:<40} {imported['cumulative_ms']:8.1f} ms")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 on any FAIL")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, a quick check"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args(argv)

    sections = measure_all(SIZES["quick" if options.quick else "full"])
    verdicts = judge(sections)
    options.output.write_text(
        json.dumps(
            {"targets": verdicts, "measurements": sections}, indent=2, default=str
        )
    )
    print_table(sections, verdicts)
    print(f"\nresults written to {options.output}")
    failed = any(verdict["verdict"] != "PASS" for verdict in verdicts)
    return 1 if options.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
