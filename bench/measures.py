"""The benchmark's measurements; each gives a plain dict for the table and the JSON.

Every function takes its sizes as arguments, so the smoke test can run them small.
"""

import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import requests

import payloads

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "child.py"
SEARCH_ID = 700
# One line per command, from the command reference, run in this order.
COMMAND_LINES = (
    "!cofense-searchable-headers-get",
    '!cofense-message-metadata-get internet_message_id="<1216208547.160.1658930322668'
    '@6d14a4fa9032>" recipient_address="abc@example.com"',
    '!cofense-message-token-get internet_message_id="<1216208547.160.1658930322668'
    '@6d14a4fa9032>" recipient_address="abc@example.com"',
    '!cofense-message-get token="fbbeff70-2c17-4d67-a741-3d8a7e394005"',
    '!cofense-message-attachment-get md5="3d0e1d68f12afee22ae3e79e01027c7a" '
    'file_name="attachment.txt"',
    '!cofense-message-search-create subjects="test" senders="abc@example.com"',
    "!cofense-message-searches-list size=2",
    "!cofense-message-search-get id=700",
    "!cofense-message-search-results-get id=700 size=2",
    "!cofense-quarantine-jobs-list size=2",
    '!cofense-quarantine-job-create quarantine_emails="<1216208547.160.1658930322668'
    '@6d14a4fa9032>:abc@example.com"',
    "!cofense-quarantine-job-get id=100",
    "!cofense-quarantine-job-stop id=100",
    "!cofense-quarantine-job-restore id=100",
    "!cofense-quarantine-job-approve id=430 message_count=1",
    "!cofense-quarantine-job-delete id=266",
    '!cofense-iocs-list source="Vision-UI" size=2',
    '!cofense-iocs-update source="Vision-UI" iocs_json="[{'
    '\\"threat_type\\":\\"Domain\\",'
    '\\"threat_value\\":\\"test.com\\",\\"threat_level\\":\\"Malicious\\",'
    '\\"source_id\\":\\"test\\",\\"created_at\\":\\"1 day\\",'
    '\\"updated_at\\":\\"1 day\\"}]"',
    '!cofense-ioc-get source="Vision-UI" id=bb931fec9d9672a9e307456133223b2e',
    '!cofense-ioc-update id="bb78c7a2f8c9eea5b9c5a30eb8c9069b" expires_at="1 day"',
    '!cofense-last-ioc-get source="Vision-UI"',
    '!cofense-ioc-delete source="Vision-UI" id=bb931fec9d9672a9e307456133223b2e',
)
WARM_UP_LINE = "!cofense-searchable-headers-get"
INTEGRATION_IMPORTS = "xsoar_local.warroom, CofenseVision"


def instance_params(server) -> dict:
    """Instance parameters pointing at a running emulator."""
    return {
        "url": server.url,
        "credentials": {
            "identifier": server.client_id,
            "password": server.client_secret,
        },
    }


def child_env(server, home: Path) -> dict:
    """The environment of a War Room or child process aimed at the emulator."""
    env = dict(os.environ)
    paths = [str(ROOT / "src"), str(ROOT / "CofenseVision"), env.get("PYTHONPATH", "")]
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, paths)),
        VISION_URL=server.url,
        VISION_CLIENT_ID=server.client_id,
        XSOAR_LOCAL_HOME=str(home),
        VISION_CLIENT_SECRET=server.client_secret,
    )
    return env


def best_of(action, repeats: int) -> float:
    """The shortest of ``repeats`` wall-clock timings of ``action()``, in seconds."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def traced_peak(action) -> int:
    """Bytes allocated at the peak of ``action()`` above what was live before it."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


# 1. Requests per command --------------------------------------------------------------


def requests_per_command(server, home: Path, lines=COMMAND_LINES) -> dict:
    """Requests the emulator saw for each command line, after a token warm-up."""
    from xsoar_local.warroom import WarRoom

    room = WarRoom(
        params=instance_params(server), home=home, out=home / "out", warp=True
    )
    room.run(WARM_UP_LINE)
    counts = {}
    for line in lines:
        requests.delete(f"{server.url}/_emulator/requests", timeout=10)
        outcome = room.run(line)
        log = requests.get(f"{server.url}/_emulator/requests", timeout=10).json()
        counts[line.split()[0].lstrip("!")] = {
            "requests": len(log),
            "paths": [f"{item['method']} {item['path']}" for item in log],
            "error": (outcome.error or "")[:160],
        }
    return counts


# 2 and 3. In-process outputs ----------------------------------------------------------


class StubClient:
    """Answers the two list calls with an already parsed reply."""

    def __init__(self, reply: dict):
        self.reply = reply

    def get_search_results(self, search_id, query) -> dict:
        return self.reply

    def list_iocs(self, source, query) -> dict:
        return self.reply


def results_outputs(reply: dict, size: int):
    """Context and readable output of cofense-message-search-results-get."""
    import CofenseVision

    args = {"id": str(SEARCH_ID), "size": str(size)}
    result = CofenseVision.message_search_results_get_command(StubClient(reply), args)
    return result.to_context()


def ioc_outputs(reply: dict):
    """The entry of cofense-iocs-list with its indicators."""
    import CofenseVision

    verdicts = CofenseVision.Verdicts(reliability="B - Usually reliable")
    result = CofenseVision.iocs_list_command(
        StubClient(reply), {"source": "Vision-UI"}, verdicts
    )
    return result.to_context()


def _against_json(text: str, render, repeats: int) -> dict:
    reply = json.loads(text)
    seconds = best_of(lambda: render(reply), repeats)
    json_seconds = best_of(lambda: json.loads(text), repeats)
    return {
        "seconds": seconds,
        "json_loads_seconds": json_seconds,
        "ratio": seconds / json_seconds,
        "peak_bytes": traced_peak(lambda: render(reply)),
        "json_peak_bytes": traced_peak(lambda: json.loads(text)),
    }


def in_process_outputs(messages: int, iocs: int, repeats: int) -> dict:
    """Results and IOC outputs timed against json.loads of the same reply text."""
    return {
        "results": _against_json(
            payloads.search_results_text(messages),
            lambda reply: results_outputs(reply, messages),
            repeats,
        ),
        "iocs": _against_json(payloads.iocs_text(iocs), ioc_outputs, repeats),
    }


def page_scaling(sizes: tuple, repeats: int) -> dict:
    """Time of the results outputs per page size, and the growth from first to last.

    Every size is timed over the same number of rows, as distinct pages: a page of 50
    is one fortieth of forty different replies, not one reply timed alone. A lone small
    page is too short for the timer on a noisy machine, and reading the same 50 records
    again and again keeps them in the CPU cache, which a real run never does.
    """
    rows = max(sizes)
    seconds = {}
    for size in sizes:
        pages = max(1, rows // size)
        replies = [json.loads(payloads.search_results_text(size)) for _ in range(pages)]

        def render_all(replies=replies, size=size):
            for reply in replies:
                results_outputs(reply, size)

        seconds[size] = best_of(render_all, repeats) / pages
    smallest, largest = sizes[0], sizes[-1]
    return {
        "seconds": seconds,
        "row_ratio": largest / smallest,
        "time_ratio": seconds[largest] / seconds[smallest],
    }


def profile_outputs(messages: int, iocs: int, top: int = 8) -> dict:
    """The functions with the most own time while building each in-process output."""
    jobs = {
        "results": (
            json.loads(payloads.search_results_text(messages)),
            lambda reply: results_outputs(reply, messages),
        ),
        "iocs": (json.loads(payloads.iocs_text(iocs)), ioc_outputs),
    }
    report = {}
    for name, (reply, render) in jobs.items():
        profiler = cProfile.Profile()
        profiler.runcall(render, reply)
        stats = pstats.Stats(profiler, stream=io.StringIO())
        rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)
        report[name] = [
            {
                "function": f"{Path(file).name}:{line} {function}",
                "calls": calls,
                "own_seconds": round(own, 4),
                "cumulative_seconds": round(total, 4),
            }
            for (file, line, function), (_, calls, own, total, _) in rows[:top]
        ]
    return report


# 4. Streaming downloads ---------------------------------------------------------------


def _child(mode: str, server, home: Path, *extra: str) -> dict:
    command = [sys.executable, str(CHILD), mode, *extra]
    done = subprocess.run(
        command,
        env=child_env(server, home),
        cwd=home,
        timeout=240,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{mode} child failed: {last}")
    return json.loads(lines[-1])


def downloads(server, home: Path, size: int) -> dict:
    """Child-process peak RSS above an import-only baseline for both downloads."""
    reply = requests.post(
        f"{server.url}/_emulator/bench/large-payloads", json={"bytes": size}, timeout=10
    ).json()
    baseline = _child("baseline", server, home)
    report = {"bytes": size, "baseline_rss_kib": baseline["maxrss_kib"]}
    for mode, value in (("message", reply["token"]), ("attachment", reply["md5"])):
        measured = _child(mode, server, home, value)
        report[mode] = {
            **measured,
            "above_baseline_kib": measured["maxrss_kib"] - baseline["maxrss_kib"],
        }
    return report


def dateparser_check(server, home: Path) -> dict:
    """Whether a command without a date argument loaded dateparser."""
    return _child("headers", server, home)


# 5. Start-up --------------------------------------------------------------------------


def _first_line_seconds(command: list, env: dict, cwd: Path) -> float:
    started = time.perf_counter()
    with subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    ) as process:
        for line in process.stdout:
            if line.strip():
                break
        elapsed = time.perf_counter() - started
        process.stdout.read()
    return elapsed


def _import_seconds(module: str, env: dict, cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", f"import {module}"], env=env, cwd=cwd, check=True
    )
    return time.perf_counter() - started


def top_imports(module: str, env: dict, cwd: Path, count: int = 6) -> list:
    """The slowest imports by cumulative time, from ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = re.findall(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", done.stderr)
    top_level = [
        (int(total), name) for _, total, indent, name in rows if len(indent) <= 2
    ]
    return [
        {"module": name, "cumulative_ms": total / 1000}
        for total, name in sorted(top_level, reverse=True)[:count]
    ]


def startup(server, home: Path, repeats: int) -> dict:
    """Process start to first printed entry, against import-only processes."""
    env = child_env(server, home)
    command = [sys.executable, "-m", "xsoar_local", WARM_UP_LINE]
    return {
        "first_entry_seconds": min(
            _first_line_seconds(command, env, home) for _ in range(repeats)
        ),
        "import_warroom_seconds": min(
            _import_seconds(INTEGRATION_IMPORTS, env, home) for _ in range(repeats)
        ),
        "import_requests_seconds": min(
            _import_seconds("requests", env, home) for _ in range(repeats)
        ),
        "top_imports": top_imports(INTEGRATION_IMPORTS, env, home),
    }
