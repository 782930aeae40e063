"""Quarantine jobs over HTTP: filter, create, get, delete, restore, approve and stop."""

import re

import pytest
import requests

from vision_emulator import serve

from .support import CLIENT_ID, REFERENCE_ID, AuthorizedClient, fetch_token

JOBS = "/api/v4/quarantineJobs"
JOB_KEYS = ["id", "createdBy", "createdDate", "modifiedBy", "modifiedDate",
            "stopRequested", "emailCount", "autoQuarantine", "searchId",
            "matchingIOCs", "matchingSources", "matchingIocInfo", "quarantineEmails",
            "quarantineJobRuns"]
EMAIL_KEYS = ["id", "recipientAddress", "internetMessageId", "ewsMessageId",
              "originalFolderId", "status", "errorMessage", "createdDate",
              "quarantinedDate"]
RUN_KEYS = ["id", "jobRunType", "status", "startedDate", "completedDate", "total",
            "error"]
NAIVE_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")


def _call(vision, method: str, path: str, **kwargs):
    return vision.client.open(path, method=method, headers=vision.headers, **kwargs)


def _filter(vision, query: str = "", options: dict | None = None):
    return vision.post(f"{JOBS}/filter?{query}", json={"filterOptions": options or {}})


def _filter_ids(vision, query: str = "", options: dict | None = None) -> list[int]:
    reply = _filter(vision, query, options)
    assert reply.status_code == 200, reply.json
    return [job["id"] for job in reply.json["quarantineJobs"]]


def _create(vision, *pairs: tuple[str, str]) -> dict:
    emails = [{"internetMessageId": message_id, "recipientAddress": recipient}
              for message_id, recipient in pairs]
    reply = vision.post(JOBS, json={"quarantineEmails": emails})
    assert reply.status_code == 200, reply.json
    return reply.json


def _get(vision, job_id: int) -> dict:
    reply = vision.get(f"{JOBS}/{job_id}")
    assert reply.status_code == 200, reply.json
    return reply.json


def _advance(client, seconds: float) -> None:
    assert client.post("/_emulator/clock/advance",
                       json={"seconds": seconds}).status_code == 200


def _recipients_found(vision, message_id: str) -> list[str]:
    messages = vision.search(internetMessageId=message_id)["messages"]
    return sorted(person["address"] for item in messages
                  for person in item["recipients"])


def test_filter__first_page_of_the_reference(vision):
    reply = _filter(vision, "size=2")

    first, second = reply.json["quarantineJobs"]
    assert (first["id"], second["id"]) == (8, 12)
    assert list(first) == JOB_KEYS
    assert list(first["quarantineEmails"][0]) == EMAIL_KEYS
    assert list(first["quarantineJobRuns"][0]) == RUN_KEYS
    assert first["quarantineJobRuns"][-1]["jobRunType"] == "RESTORE"
    assert second["quarantineEmails"][0]["quarantinedDate"] == (
        "2022-07-15T09:24:59.469491")


def test_filter__dates_are_naive_utc_with_microseconds(vision):
    jobs = _filter(vision).json["quarantineJobs"]

    dates = [job[key] for job in jobs for key in ("createdDate", "modifiedDate")]
    dates += [run[key] for job in jobs for run in job["quarantineJobRuns"]
              for key in ("startedDate", "completedDate") if run[key]]
    assert len(dates) > 10
    assert all(NAIVE_DATE.fullmatch(text) for text in dates), dates


@pytest.mark.parametrize("query, expected", [
    pytest.param("", [8, 12, 100, 266, 430], id="default-id-asc"),
    pytest.param("sort=id,desc", [430, 266, 100, 12, 8], id="id-desc"),
    pytest.param("sort=createdDate,desc", [430, 266, 100, 12, 8], id="created-desc"),
    pytest.param("sort=modifiedDate,asc", [8, 266, 12, 100, 430], id="modified"),
    pytest.param("sort=stopRequested,desc&sort=id,asc", [8, 100, 12, 266, 430],
                 id="two-keys"),
    pytest.param("sort=createdBy,asc&sort=id,desc", [430, 266, 100, 12, 8],
                 id="created-by-then-id"),
    pytest.param("sort=modifiedBy,desc&sort=id,asc", [100, 266, 8, 12, 430],
                 id="modified-by"),
    pytest.param("page=1&size=2", [100, 266], id="second-page"),
    pytest.param("page=2&size=2", [430], id="short-last-page"),
    pytest.param("page=3&size=2", [], id="past-the-end"),
])
def test_filter__paging_and_sorting(vision, query, expected):
    assert _filter_ids(vision, query) == expected


@pytest.mark.parametrize("options, expected", [
    pytest.param({"autoQuarantine": True}, [430], id="auto"),
    pytest.param({"includeStatus": ["FAILED", "PENDING_APPROVAL"]}, [266, 430],
                 id="include"),
    pytest.param({"excludeStatus": ["COMPLETED", "FAILED"]}, [430], id="exclude"),
    pytest.param({"iocs": ["bb931fec9d9672a9e307456133223b2e"]}, [430], id="iocs"),
    pytest.param({"sources": ["Vision-UI"]}, [430], id="sources"),
    pytest.param({"modifiedDateAfter": "2022-08-09T11:30:00Z"}, [100, 430],
                 id="modified-after"),
])
def test_filter__options(vision, options, expected):
    assert _filter_ids(vision, "", options) == expected


def test_filter__without_filter_options(vision):
    reply = vision.post(f"{JOBS}/filter", json={})

    assert [job["id"] for job in reply.json["quarantineJobs"]] == [8, 12, 100, 266, 430]


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
def test_filter__exclude_quarantine_emails(vision, value):
    jobs = _filter(vision, f"excludeQuarantineEmails={value}").json["quarantineJobs"]

    assert all(list(job) == [key for key in JOB_KEYS if key != "quarantineEmails"]
               for job in jobs)
    assert [job["emailCount"] for job in jobs] == [1, 1, 10, 1, 2]


@pytest.mark.parametrize("query, options, detail", [
    pytest.param("excludeQuarantineEmails=maybe", {}, "excludeQuarantineEmails",
                 id="flag"),
    pytest.param("sort=emailCount,asc", {}, "Sortable properties: createdBy, "
                 "createdDate, id, modifiedBy, modifiedDate, stopRequested", id="sort"),
    pytest.param("size=0", {}, "size", id="size"),
    pytest.param("", {"includeStatus": ["STOPPED"]},
                 "Statuses: NEW, PENDING_APPROVAL, QUEUED, RUNNING, COMPLETED, FAILED",
                 id="status"),
    pytest.param("", {"sorce": ["x"]}, "sorce", id="unknown-option"),
])
def test_filter__bad_request(vision, query, options, detail):
    reply = _filter(vision, query, options)

    assert reply.status_code == 400
    assert reply.json["status"] == "BAD_REQUEST"
    assert reply.json["details"] == [detail]


def test_filter__body_must_be_json(vision):
    reply = vision.post(f"{JOBS}/filter", data="filterOptions")

    assert reply.status_code == 415


def test_create(vision):
    job = _create(vision, ("<test-id>", "test@example.com"))

    assert list(job) == JOB_KEYS
    assert job["id"] == 431
    assert (job["createdBy"], job["modifiedBy"]) == (CLIENT_ID, CLIENT_ID)
    assert job["createdDate"] == "2022-08-10T04:25:00.626652"
    assert job["emailCount"] == 1
    assert job["quarantineEmails"][0]["id"] == 5578
    assert job["quarantineJobRuns"] == [{
        "id": 860, "jobRunType": "QUARANTINE", "status": "NEW", "startedDate": None,
        "completedDate": None, "total": 1, "error": 0}]
    assert _create(vision, ("<test-id>", "test@example.com"))["id"] == 432


@pytest.mark.parametrize("body", [
    pytest.param({"quarantineEmails": []}, id="empty"),
    pytest.param({}, id="missing"),
    pytest.param([{"internetMessageId": "<a@b>", "recipientAddress": "c@d"}],
                 id="list-body"),
    pytest.param({"quarantineEmails": [{"recipientAddress": "c@d"}]}, id="no-id"),
])
def test_create__bad_request(vision, body):
    reply = vision.post(JOBS, json=body)

    assert reply.status_code == 400
    assert reply.json["message"] in (
        "quarantineEmails must be a non-empty list",
        "Each quarantine email needs an internetMessageId and a recipientAddress")
    assert _filter_ids(vision) == [8, 12, 100, 266, 430]


def test_lifecycle__quarantine_and_restore_on_the_clock(vision, client):
    job = _create(vision, (REFERENCE_ID, "pqr@example.com"),
                  (REFERENCE_ID, "nobody@example.com"))

    _advance(client, 3)
    hidden = _recipients_found(vision, REFERENCE_ID)
    quarantined = _get(vision, job["id"])
    restore = _call(vision, "PUT", f"{JOBS}/{job['id']}/restore")
    _advance(client, 3)
    shown = _recipients_found(vision, REFERENCE_ID)
    restored = _get(vision, job["id"])

    assert hidden == ["abc@example.com"]
    assert [email["status"] for email in quarantined["quarantineEmails"]] == [
        "QUARANTINED", "UNKNOWN_MAILBOX"]
    assert quarantined["quarantineJobRuns"][-1]["status"] == "FAILED"
    assert (restore.status_code, restore.data) == (200, b"")
    assert shown == ["abc@example.com", "pqr@example.com"]
    assert [run["jobRunType"] for run in restored["quarantineJobRuns"]] == [
        "QUARANTINE", "RESTORE"]
    assert restored["quarantineEmails"][0]["status"] == "RESTORED"


def test_approve__reference_example(vision, client):
    reply = _call(vision, "PUT", f"{JOBS}/430/approve?messageCount=1")
    approved = _get(vision, 430)
    _advance(client, 3)
    done = _get(vision, 430)

    assert (reply.status_code, reply.data) == (200, b"")
    run = approved["quarantineJobRuns"][-1]
    assert (run["status"], run["total"]) == ("NEW", 1)
    assert approved["modifiedBy"] == CLIENT_ID
    assert [email["status"] for email in done["quarantineEmails"]] == [
        "QUARANTINED", "NEW"]
    assert done["quarantineJobRuns"][-1]["status"] == "COMPLETED"


def test_approve__not_pending(vision):
    reply = _call(vision, "PUT", f"{JOBS}/100/approve")

    assert reply.status_code == 422
    assert reply.json == {"status": "UNPROCESSABLE_ENTITY",
                          "message": "Quarantine job 100 is not pending approval",
                          "details": ["The job's status is COMPLETED"]}


@pytest.mark.parametrize("count", ["0", "-1", "two", "1.5"])
def test_approve__bad_message_count(vision, count):
    reply = _call(vision, "PUT", f"{JOBS}/430/approve?messageCount={count}")

    assert reply.status_code == 400
    assert reply.json["details"] == ["messageCount"]
    assert _get(vision, 430)["quarantineJobRuns"][-1]["status"] == "PENDING_APPROVAL"


def test_stop__reference_example(vision):
    _call(vision, "PUT", f"{JOBS}/100/restore")

    reply = _call(vision, "PUT", f"{JOBS}/100/stop")

    assert reply.status_code == 200
    assert list(reply.json) == JOB_KEYS
    assert reply.json["stopRequested"] is True
    assert reply.json["modifiedBy"] == CLIENT_ID
    assert [run["jobRunType"] for run in reply.json["quarantineJobRuns"]] == [
        "QUARANTINE", "RESTORE", "RESTORE"]


def test_delete__reference_example(vision):
    reply = _call(vision, "DELETE", f"{JOBS}/266")

    assert (reply.status_code, reply.data) == (200, b"")
    assert vision.get(f"{JOBS}/266").status_code == 404
    assert _filter_ids(vision) == [8, 12, 100, 430]


@pytest.mark.parametrize("method, path", [
    pytest.param("DELETE", f"{JOBS}/266", id="delete"),
    pytest.param("PUT", f"{JOBS}/8/restore", id="restore"),
    pytest.param("PUT", f"{JOBS}/430/approve", id="approve"),
])
def test_empty_replies_carry_no_content_type(vision, method, path):
    reply = _call(vision, method, path)

    assert (reply.status_code, reply.data) == (200, b"")
    assert "Content-Type" not in reply.headers
    assert reply.headers["Content-Length"] == "0"


@pytest.mark.parametrize("method, suffix", [
    ("GET", ""), ("DELETE", ""), ("PUT", "/restore"), ("PUT", "/approve"),
    ("PUT", "/stop"),
])
def test_unknown_job(vision, method, suffix):
    reply = _call(vision, method, f"{JOBS}/999{suffix}")

    assert reply.status_code == 404
    assert reply.json["status"] == "NOT_FOUND"
    assert reply.json["message"] == "Unable to find the requested object"


def test_pending_job_from_the_control_plane(vision, client):
    reply = client.post("/_emulator/quarantine-jobs/pending", json={
        "quarantineEmails": [{"internetMessageId": REFERENCE_ID,
                              "recipientAddress": "abc@example.com"}]})

    assert reply.status_code == 200
    assert reply.json["id"] == 431
    assert reply.json["autoQuarantine"] is True
    assert reply.json["quarantineJobRuns"][0]["status"] == "PENDING_APPROVAL"
    assert _filter_ids(vision, "", {"autoQuarantine": True}) == [430, 431]
    assert _call(vision, "PUT", f"{JOBS}/431/approve").status_code == 200


def test_pending_job_from_the_control_plane__bad_emails(client):
    reply = client.post("/_emulator/quarantine-jobs/pending", json={
        "quarantineEmails": [{"internetMessageId": REFERENCE_ID}]})

    assert reply.status_code == 400
    assert reply.json["details"] == ["quarantineEmails[0]"]


def test_reset_restores_the_seeded_jobs(vision, client):
    _call(vision, "DELETE", f"{JOBS}/266")
    _create(vision, (REFERENCE_ID, "pqr@example.com"))
    _advance(client, 3)

    client.post("/_emulator/reset")
    fresh = AuthorizedClient(client, fetch_token(client))

    assert _filter_ids(fresh) == [8, 12, 100, 266, 430]
    assert _recipients_found(fresh, REFERENCE_ID) == ["abc@example.com",
                                                      "pqr@example.com"]


def test_server__quarantine_and_ioc_round_trip():
    """Through a real loopback server, as the integration calls it."""
    with serve(port=0) as server, requests.Session() as http:
        token = http.post(f"{server.url}/uaa/oauth/token", timeout=30, data={
            "grant_type": "client_credentials", "client_id": server.client_id,
            "client_secret": server.client_secret}).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        emails = [{"internetMessageId": REFERENCE_ID,
                   "recipientAddress": "abc@example.com"}]

        created = http.post(f"{server.url}{JOBS}", timeout=30,
                            json={"quarantineEmails": emails}).json()
        http.post(f"{server.url}/_emulator/clock/advance", timeout=30,
                  json={"seconds": 3})
        job = http.get(f"{server.url}{JOBS}/{created['id']}", timeout=30).json()
        last = http.get(f"{server.url}/iocrepository/v1/iocs/last", timeout=30,
                        headers={"X-Cofense-IOC-Source": "Vision-UI"}).json()

    assert job["quarantineEmails"][0]["status"] == "QUARANTINED"
    assert job["quarantineJobRuns"][-1]["status"] == "COMPLETED"
    assert last["data"]["id"] == "bb931fec9d9672a9e307456133223b2e"


def test_stop_before_approval__approving_later_still_runs(vision, client):
    stopped = _call(vision, "PUT", f"{JOBS}/430/stop").json
    assert stopped["quarantineJobRuns"][-1]["status"] == "PENDING_APPROVAL"

    assert _call(vision, "PUT", f"{JOBS}/430/approve").status_code == 200
    _advance(client, 3)

    job = _get(vision, 430)
    assert job["stopRequested"] is True
    assert job["quarantineJobRuns"][-1]["status"] == "COMPLETED"
    assert {email["status"] for email in job["quarantineEmails"]} == {"QUARANTINED"}
