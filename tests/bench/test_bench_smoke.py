"""The benchmark's measurement functions run on tiny sizes (no timing is asserted)."""

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest
import requests

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import measures  # noqa: E402
import payloads  # noqa: E402
import run  # noqa: E402


def test_payloads_have_the_requested_sizes_and_distinct_ids():
    messages = json.loads(payloads.search_results_text(7))["messages"]
    iocs = json.loads(payloads.iocs_text(6))["data"]

    assert len({message["id"] for message in messages}) == 7
    assert len({ioc["id"] for ioc in iocs}) == 6
    assert {ioc["attributes"]["threat_type"] for ioc in iocs} == set(
        payloads.THREAT_TYPES
    )


def test_best_of_runs_the_action_repeatedly_and_traced_peak_sees_allocations():
    calls = []

    seconds = measures.best_of(lambda: calls.append(1), 4)
    peak = measures.traced_peak(lambda: bytearray(2_000_000))

    assert len(calls) == 4 and seconds >= 0
    assert peak >= 2_000_000


def test_judge_marks_each_target_and_errors_of_missing_parts():
    sections = {
        "requests": {"a": {"requests": 1}, "b": {"requests": 2}},
        "scaling": {"time_ratio": 30.0, "row_ratio": 40.0},
        "outputs": {"error": "ModuleNotFoundError: x"},
    }

    verdicts = {item["target"]: item for item in run.judge(sections)}

    assert verdicts["1 request per command"]["verdict"] == "FAIL"
    assert verdicts["1 request per command"]["measured"] == 2
    assert verdicts["40x the rows <= 45x the time"]["verdict"] == "PASS"
    assert verdicts["40x the rows <= 45x the time"]["limit"] == 45.0
    assert verdicts["2,000 IOCs with indicators <= 8x json.loads"]["verdict"] == "ERROR"


def test_large_payloads_stream_a_zip_and_raw_bytes_of_the_asked_size():
    from vision_emulator import bench_fixtures, serve

    with serve(port=0) as server:
        bench_fixtures.install(server.app)
        names = requests.post(
            f"{server.url}/_emulator/bench/large-payloads",
            json={"bytes": 3_000_001},
            timeout=10,
        ).json()
        token = requests.post(
            f"{server.url}/uaa/oauth/token",
            timeout=10,
            data={
                "grant_type": "client_credentials",
                "client_id": server.client_id,
                "client_secret": server.client_secret,
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        message = requests.get(
            f"{server.url}/api/v4/messages",
            headers=headers,
            params={"token": names["token"]},
            timeout=10,
        )
        attachment = requests.get(
            f"{server.url}/api/v4/attachment",
            headers=headers,
            params={"md5": names["md5"]},
            timeout=10,
        )
        spent = requests.get(
            f"{server.url}/api/v4/attachment",
            headers=headers,
            params={"md5": names["md5"]},
            timeout=10,
        )

    member = zipfile.ZipFile(io.BytesIO(message.content)).read("bench.eml")
    assert member.startswith(b"Subject: benchmark\r\n\r\n")
    assert len(member) == 3_000_001 + len(b"Subject: benchmark\r\n\r\n")
    assert len(attachment.content) == 3_000_001
    assert spent.status_code == 404


def test_bad_payload_size_is_refused():
    from vision_emulator import bench_fixtures, serve

    with serve(port=0) as server:
        bench_fixtures.install(server.app)
        reply = requests.post(
            f"{server.url}/_emulator/bench/large-payloads",
            json={"bytes": 0},
            timeout=10,
        )

    assert reply.status_code == 400


def test_in_process_outputs_and_scaling_run_on_tiny_sizes():
    pytest.importorskip("CommonServerPython")

    outputs = measures.in_process_outputs(4, 5, 1)
    scaling = measures.page_scaling((1, 2), 1)
    profile = measures.profile_outputs(3, 3, top=4)

    assert set(outputs) == {"results", "iocs"}
    assert outputs["results"]["peak_bytes"] > 0
    assert set(scaling["seconds"]) == {1, 2} and scaling["row_ratio"] == 2
    assert [len(rows) for rows in profile.values()] == [4, 4]


def test_requests_downloads_and_dateparser_run_against_the_emulator(tmp_path):
    pytest.importorskip("CommonServerPython")
    pytest.importorskip("xsoar_local.runtime")
    from vision_emulator import bench_fixtures, serve

    with serve(port=0) as server:
        bench_fixtures.install(server.app)
        counts = measures.requests_per_command(
            server, tmp_path / "room", measures.COMMAND_LINES[:2]
        )
        download = measures.downloads(server, tmp_path, 1024)
        loaded = measures.dateparser_check(server, tmp_path)

    assert list(counts) == [
        "cofense-searchable-headers-get",
        "cofense-message-metadata-get",
    ]
    assert all(item["requests"] >= 1 for item in counts.values())
    assert download["message"]["entry_types"] == [3]
    assert download["attachment"]["errors"] == []
    assert download["attachment"]["file_bytes"] == [1024]
    assert isinstance(loaded["dateparser_loaded"], bool)
