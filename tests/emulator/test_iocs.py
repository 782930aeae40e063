"""The IOC Repository over HTTP: the source header and every endpoint."""

import pytest

from vision_emulator.backend.iocs import ioc_id

from .support import REFERENCE_ID

IOCS = "/iocrepository/v1/iocs"
SOURCE_HEADER = "X-Cofense-IOC-Source"
QWE_ID = "088dc5454129d776b4a1484b71bb71b0"
FGH_ID = "1627363590bae65d9497e0e02bc412b4"
TEST_COM_ID = "bb78c7a2f8c9eea5b9c5a30eb8c9069b"
TEST_SUBJECT_ID = "bb931fec9d9672a9e307456133223b2e"
SEEDED_IDS = [QWE_ID, FGH_ID, "0c7aff000d37b4a600eb676a473fa5b1", TEST_COM_ID,
              TEST_SUBJECT_ID]
EXPIRY_BODY = {"data": {"type": "ioc", "metadata": {"quarantine": {
    "expires_at": "2022-08-11T04:25:24.909Z"}}}}


def _call(vision, method: str, path: str, source: str | None = "Vision-UI", **kwargs):
    headers = dict(vision.headers)
    if source is not None:
        headers[SOURCE_HEADER] = source
    return vision.client.open(path, method=method, headers=headers, **kwargs)


def _item(threat_type: str, value: str, level: str = "Malicious", **dates) -> dict:
    return {"type": "ioc",
            "attributes": {"threat_type": threat_type, "threat_value": value},
            "metadata": {"source": {"threat_level": level, "id": "src-1",
                                    "created_at": "2022-08-09T04:25:23Z", **dates}}}


def _upsert(vision, source: str, *items: dict) -> list[dict]:
    reply = _call(vision, "PUT", IOCS, source, json={"data": list(items)})
    assert reply.status_code == 200, reply.json
    return reply.json["data"]


def _listed_ids(vision, query: str = "", source: str = "Vision-UI") -> list[str]:
    reply = _call(vision, "GET", f"{IOCS}?{query}", source)
    assert reply.status_code == 200, reply.json
    return [ioc["id"] for ioc in reply.json["data"]]


def test_list__reference_example(vision):
    reply = _call(vision, "GET", f"{IOCS}?size=2")

    first, second = reply.json["data"]
    assert second["id"] == FGH_ID
    assert first == {
        "id": QWE_ID,
        "type": "ioc",
        "attributes": {"threat_type": "DOMAIN", "threat_value": "qwe"},
        "metadata": {
            "source": {"threat_level": "very_high",
                       "id": "e3026f0c154395767993f34cc71b13e3",
                       "created_at": "2022-07-29T00:00:00.000+00:00",
                       "updated_at": "2022-07-29T00:00:00.000+00:00",
                       "requested_expiration": "2022-08-12T07:09:39.849+00:00"},
            "quarantine": {"source_names": ["Vision-UI"],
                           "expires_at": "2022-08-12T07:09:39.849+00:00",
                           "created_at": "2022-07-29T07:09:39.849+00:00",
                           "first_quarantined_at": None, "last_quarantined_at": None,
                           "match_count": 0, "quarantine_count": 0, "expired": False,
                           "wildcard": False},
        },
    }


@pytest.mark.parametrize("query, expected", [
    pytest.param("", SEEDED_IDS, id="default-updated-asc"),
    pytest.param("sort=updatedAt,desc", SEEDED_IDS[::-1], id="desc"),
    pytest.param("page=1&size=2", SEEDED_IDS[2:4], id="second-page"),
    pytest.param("page=2&size=2", SEEDED_IDS[4:], id="short-page"),
    pytest.param("since=2022-08-08T00:00:00Z", SEEDED_IDS[3:], id="since"),
    pytest.param("includeExpired=false", SEEDED_IDS, id="expired-flag"),
])
def test_list__query(vision, query, expected):
    assert _listed_ids(vision, query) == expected


@pytest.mark.parametrize("query, detail", [
    pytest.param("sort=createdAt,asc", "Sortable properties: updatedAt", id="sort"),
    pytest.param("includeExpired=yes", "includeExpired", id="flag"),
    pytest.param("since=last-week", "since", id="since"),
    pytest.param("size=2001", "size", id="size"),
])
def test_list__bad_request(vision, query, detail):
    reply = _call(vision, "GET", f"{IOCS}?{query}")

    assert reply.status_code == 400
    assert reply.json["details"] == [detail]


def test_list__expired_only_on_request(vision, client):
    (ioc,) = _upsert(vision, "Intel", _item(
        "Domain", "short.example", requested_expiration="2022-08-10T04:26:00Z"))

    client.post("/_emulator/clock/advance", json={"seconds": 60})

    assert _listed_ids(vision, "", "Intel") == []
    assert _listed_ids(vision, "includeExpired=true", "Intel") == [ioc["id"]]
    got = _call(vision, "GET", f"{IOCS}/{ioc['id']}", "Intel").json["data"]
    assert got["metadata"]["quarantine"]["expired"] is True


ROUTES = [
    pytest.param("GET", IOCS, None, id="list"),
    pytest.param("PUT", IOCS, {"data": [_item("Domain", "x.example")]}, id="upsert"),
    pytest.param("GET", f"{IOCS}/{TEST_COM_ID}", None, id="get"),
    pytest.param("PUT", f"{IOCS}/{TEST_COM_ID}", EXPIRY_BODY, id="set-expiry"),
    pytest.param("DELETE", f"{IOCS}/{TEST_COM_ID}", None, id="delete"),
    pytest.param("GET", f"{IOCS}/last", None, id="last"),
]


@pytest.mark.parametrize("method, path, body", ROUTES)
@pytest.mark.parametrize("source", ["Triage 1", "feed/2", "a,b"])
def test_source_header__bad_characters(vision, backend, method, path, body, source):
    reply = _call(vision, method, path, source, json=body)

    assert reply.status_code == 422
    assert reply.json["status"] == "UNPROCESSABLE_ENTITY"
    assert reply.json["details"] == [SOURCE_HEADER]
    assert [ioc.id for ioc in backend.iocs.iocs] == SEEDED_IDS


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_source_header__missing(vision, method, path, body):
    reply = _call(vision, method, path, None, json=body)

    assert reply.status_code == 400
    assert reply.json["message"] == f"Required header {SOURCE_HEADER} is missing"


def test_upsert__reference_example_updates_the_seeded_record(vision):
    (reply,) = _upsert(vision, "Vision-UI", _item("Domain", "test.com"))

    assert reply["id"] == TEST_COM_ID
    assert reply["attributes"] == {"threat_type": "DOMAIN", "threat_value": "test.com"}
    assert reply["metadata"]["source"]["threat_level"] == "Malicious"
    assert reply["metadata"]["quarantine"]["expires_at"] == (
        "2022-08-24T04:25:00.626+00:00")
    assert _listed_ids(vision, "size=50") == [QWE_ID, FGH_ID, SEEDED_IDS[2],
                                              TEST_SUBJECT_ID, TEST_COM_ID]


def test_upsert__new_ids_are_md5_of_type_and_value(vision):
    replies = _upsert(vision, "Intel", _item("sha256", "ab" * 32),
                      _item("Sender", "Bill@Evil.example"))

    assert [reply["id"] for reply in replies] == [
        ioc_id("SHA256", "ab" * 32), ioc_id("SENDER", "Bill@Evil.example")]
    assert [reply["attributes"]["threat_type"] for reply in replies] == [
        "SHA256", "SENDER"]


def test_upsert__2500_items_in_batches(vision):
    values = [f"host-{number:04}.bulk.example" for number in range(2500)]

    for start in range(0, 2500, 500):
        stored = _upsert(vision, "Bulk", *(_item("Domain", value)
                                            for value in values[start:start + 500]))
        assert len(stored) == 500

    pages = [_listed_ids(vision, f"page={page}&size=2000", "Bulk") for page in (0, 1)]
    assert [len(page) for page in pages] == [2000, 500]
    assert set(pages[0] + pages[1]) == {ioc_id("DOMAIN", value) for value in values}


def test_upsert__malformed(vision):
    reply = _call(vision, "PUT", IOCS, "Intel", json={"data": [
        _item("Domain", "ok.example"), _item("IPv4", "1.2.3.4")]})

    assert reply.status_code == 400
    assert reply.json["details"] == ["data[1].attributes.threat_type"]
    assert _listed_ids(vision, "", "Intel") == []


def test_get__reference_example(vision):
    reply = _call(vision, "GET", f"{IOCS}/{TEST_SUBJECT_ID.upper()}")

    ioc = reply.json["data"]
    assert ioc["id"] == TEST_SUBJECT_ID
    assert ioc["metadata"]["quarantine"]["match_count"] == 1
    assert ioc["metadata"]["quarantine"]["quarantine_count"] == 10


@pytest.mark.parametrize("method, body", [("GET", None), ("PUT", EXPIRY_BODY),
                                          ("DELETE", None)])
def test_unknown_ioc(vision, method, body):
    reply = _call(vision, method, f"{IOCS}/{'0' * 32}", json=body)

    assert reply.status_code == 404
    assert reply.json["status"] == "NOT_FOUND"


def test_set_expiry__reference_example(vision):
    reply = _call(vision, "PUT", f"{IOCS}/{TEST_COM_ID}", "XSOAR", json=EXPIRY_BODY)

    ioc = reply.json["data"]
    assert reply.status_code == 200
    assert ioc["metadata"]["source"] is None
    assert ioc["metadata"]["quarantine"]["expires_at"] == (
        "2022-08-11T04:25:24.909+00:00")
    assert ioc["metadata"]["quarantine"]["source_names"] == ["Vision-UI"]


def test_set_expiry__bad_body(vision):
    reply = _call(vision, "PUT", f"{IOCS}/{TEST_COM_ID}", json={"data": {}})

    assert reply.status_code == 400
    assert reply.json["details"] == ["data.metadata"]


def test_delete__reference_example(vision):
    before = _call(vision, "GET", f"{IOCS}/{TEST_SUBJECT_ID}").json

    reply = _call(vision, "DELETE", f"{IOCS}/{TEST_SUBJECT_ID}")

    assert reply.status_code == 200
    assert reply.json == before
    assert _call(vision, "GET", f"{IOCS}/{TEST_SUBJECT_ID}").status_code == 404
    assert TEST_SUBJECT_ID not in _listed_ids(vision, "includeExpired=true")


def test_last__reference_example(vision):
    reply = _call(vision, "GET", f"{IOCS}/last")

    assert reply.json["data"]["id"] == TEST_SUBJECT_ID
    assert reply.json["data"]["metadata"]["source"]["threat_level"] == "Low"


def test_last__follows_the_sources_upserts(vision):
    _upsert(vision, "Intel", _item("Domain", "one.example"))
    _upsert(vision, "Intel", _item("Domain", "two.example"))

    reply = _call(vision, "GET", f"{IOCS}/last", "Intel")

    assert reply.json["data"]["attributes"]["threat_value"] == "two.example"


def test_last__none_for_a_new_source(vision):
    reply = _call(vision, "GET", f"{IOCS}/last", "Never-Used")

    assert (reply.status_code, reply.json) == (200, {"data": None})


def test_matching__shown_on_the_message(vision, backend):
    sent_by_abc = [message for message in backend.mailbox.messages
                   if "abc@example.com" in message.sender_addresses]

    (sender,) = _upsert(vision, "Hunt", _item("Sender", "abc@example.com"))
    reply = vision.get("/api/v4/messages/metadata", query_string={
        "internetMessageId": REFERENCE_ID, "recipientAddress": "pqr@example.com"})

    assert reply.json["matchingIOCs"] == [sender["id"]]
    assert reply.json["matchingSources"] == ["Hunt"]
    assert sender["metadata"]["quarantine"]["match_count"] == len(sent_by_abc)


def test_auto_quarantine__end_to_end(vision, client, backend):
    client.post("/_emulator/settings", json={"autoQuarantine": True,
                                             "autoQuarantineApproval": True})
    campaign = [message for message in backend.mailbox.messages
                if "billing@examp1e.com" in message.sender_addresses]
    copies = sum(len(message.recipients) for message in campaign)

    (ioc,) = _upsert(vision, "Hunt", _item("Sender", "billing@examp1e.com"))
    jobs = vision.post("/api/v4/quarantineJobs/filter", json={"filterOptions": {
        "autoQuarantine": True, "iocs": [ioc["id"]]}}).json["quarantineJobs"]
    (job,) = jobs
    approve = _call(vision, "PUT", f"/api/v4/quarantineJobs/{job['id']}/approve")
    client.post("/_emulator/clock/advance", json={"seconds": 3})
    found = vision.search(senders=["billing@examp1e.com"])["messages"]
    after = _call(vision, "GET", f"{IOCS}/{ioc['id']}", "Hunt").json["data"]

    assert ioc["metadata"]["quarantine"]["match_count"] == len(campaign)
    assert job["emailCount"] == copies
    assert job["matchingSources"] == ["Hunt"]
    assert job["quarantineJobRuns"][0]["status"] == "PENDING_APPROVAL"
    assert approve.status_code == 200
    assert found == []
    assert after["metadata"]["quarantine"]["quarantine_count"] == copies
