"""The IOC repository on its own: a frozen clock, a tiny fake mailbox, no HTTP."""

import hashlib
from datetime import timedelta

import pytest

from vision_emulator.backend.clock import offset_iso
from vision_emulator.backend.iocs import (
    DEFAULT_LIFETIME,
    IocRepository,
    check_source,
    ioc_id,
)
from vision_emulator.errors import BadRequest, NotFound, UnprocessableEntity

from .support import FROZEN_AT
from .test_quarantine_backend import FakeBackend, sample_messages

SEEDED_IDS = ["088dc5454129d776b4a1484b71bb71b0", "1627363590bae65d9497e0e02bc412b4",
              "0c7aff000d37b4a600eb676a473fa5b1", "bb78c7a2f8c9eea5b9c5a30eb8c9069b",
              "bb931fec9d9672a9e307456133223b2e"]
TEST_COM_ID = "bb78c7a2f8c9eea5b9c5a30eb8c9069b"


@pytest.fixture
def backend():
    return FakeBackend(sample_messages())


@pytest.fixture
def repository(backend):
    return backend.iocs


def _item(threat_type: str = "Domain", value: str = "evil.example", *,
          level: str = "Malicious", source_id: str = "s-1", **dates) -> dict:
    source = {"threat_level": level, "id": source_id,
              "created_at": "2022-08-09T04:25:23Z", **dates}
    return {"type": "ioc",
            "attributes": {"threat_type": threat_type, "threat_value": value},
            "metadata": {"source": source}}


def _upsert(repository, source: str, *items: dict) -> list[dict]:
    stored = repository.upsert(source, {"data": list(items)})
    return [repository.view(ioc, source) for ioc in stored]


def test_ioc_id_is_md5_of_upper_type_and_value():
    expected = hashlib.md5("SENDER".encode() + "Bill@evil.example".encode()).hexdigest()

    assert ioc_id("sender", "Bill@evil.example") == expected
    assert ioc_id("SENDER", "bill@evil.example") != expected


def test_upsert__new_ioc(repository):
    (reply,) = _upsert(repository, "Intel", _item("domain", "evil.example"))

    now = offset_iso(FROZEN_AT)
    expires = offset_iso(FROZEN_AT + DEFAULT_LIFETIME)
    assert reply == {
        "id": ioc_id("DOMAIN", "evil.example"),
        "type": "ioc",
        "attributes": {"threat_type": "DOMAIN", "threat_value": "evil.example"},
        "metadata": {
            "source": {"threat_level": "Malicious", "id": "s-1",
                       "created_at": "2022-08-09T04:25:23.000+00:00",
                       "updated_at": now, "requested_expiration": expires},
            "quarantine": {"source_names": ["Intel"], "expires_at": expires,
                           "created_at": now, "first_quarantined_at": None,
                           "last_quarantined_at": None, "match_count": 1,
                           "quarantine_count": 0, "expired": False,
                           "wildcard": False},
        },
    }


def test_upsert__requested_expiration_and_updated_at(repository):
    (reply,) = _upsert(repository, "Intel", _item(
        requested_expiration="2022-09-01T00:00:00Z",
        updated_at="2022-08-09T05:00:00.123456+02:00"))

    source = reply["metadata"]["source"]
    assert reply["metadata"]["quarantine"]["expires_at"] == (
        "2022-09-01T00:00:00.000+00:00")
    assert source["requested_expiration"] == "2022-09-01T00:00:00.000+00:00"
    assert source["updated_at"] == "2022-08-09T03:00:00.123+00:00"


def test_upsert__each_source_keeps_its_view(backend, repository):
    _upsert(repository, "Intel", _item(level="High", source_id="i-1"))
    backend.clock.advance(60)
    _upsert(repository, "Triage", _item(level="minor", source_id="t-1"))
    backend.clock.advance(60)
    (again,) = _upsert(repository, "Intel", _item(level="Critical", source_id="i-2"))

    ioc = repository.get(again["id"])
    views = {name: repository.view(ioc, name)["metadata"]["source"]
             for name in ("Intel", "Triage", "Other")}
    assert again["metadata"]["quarantine"]["source_names"] == ["Intel", "Triage"]
    assert (views["Intel"]["threat_level"], views["Intel"]["id"]) == ("Critical", "i-2")
    assert (views["Triage"]["threat_level"], views["Triage"]["id"]) == ("minor", "t-1")
    assert views["Other"] is None
    assert again["metadata"]["quarantine"]["created_at"] == offset_iso(FROZEN_AT)
    assert len(repository.iocs) == len(SEEDED_IDS) + 1


def test_upsert__seeded_record_is_updated_not_duplicated(repository):
    (reply,) = _upsert(repository, "Vision-UI", _item("Domain", "test.com"))

    assert reply["id"] == TEST_COM_ID
    assert reply["metadata"]["source"]["threat_level"] == "Malicious"
    assert reply["metadata"]["quarantine"]["expires_at"] == offset_iso(
        FROZEN_AT + DEFAULT_LIFETIME)
    assert [ioc.id for ioc in repository.iocs] == SEEDED_IDS


def test_upsert__same_value_twice_in_one_call(repository):
    replies = _upsert(repository, "Intel", _item(level="Low"), _item(level="High"))

    assert replies[0]["id"] == replies[1]["id"]
    assert len(repository.iocs) == len(SEEDED_IDS) + 1
    assert replies[1]["metadata"]["source"]["threat_level"] == "High"


def test_upsert__2500_items_in_batches(repository):
    values = [f"host-{number}.evil.example" for number in range(2500)]

    for start in range(0, len(values), 500):
        _upsert(repository, "Bulk", *(_item("DOMAIN", value)
                                       for value in values[start:start + 500]))

    stored = repository.select("Bulk")
    assert len(stored) == 2500
    assert {ioc.threat_value for ioc in stored} == set(values)
    assert len({ioc.id for ioc in stored}) == 2500


@pytest.mark.parametrize("body, detail", [
    pytest.param({}, "data", id="no-data"),
    pytest.param({"data": []}, "data", id="empty"),
    pytest.param([], "data", id="not-an-object"),
    pytest.param({"data": [{**_item(), "type": "indicator"}]}, "data[0].type",
                 id="type"),
    pytest.param({"data": [_item("IP", "1.2.3.4")]}, "data[0].attributes.threat_type",
                 id="threat-type"),
    pytest.param({"data": [_item(value=" ")]}, "data[0].attributes.threat_value",
                 id="blank-value"),
    pytest.param({"data": [_item(level="")]}, "data[0].metadata.source.threat_level",
                 id="blank-level"),
    pytest.param({"data": [{"attributes": {}}]}, "data[0].metadata", id="no-metadata"),
    pytest.param({"data": [_item(), _item(created_at="soon")]},
                 "data[1].metadata.source.created_at", id="bad-date-second"),
    pytest.param({"data": [_item(requested_expiration=5)]},
                 "data[0].metadata.source.requested_expiration", id="date-type"),
])
def test_upsert__malformed(repository, body, detail):
    with pytest.raises(BadRequest) as raised:
        repository.upsert("Intel", body)

    assert raised.value.details == [detail]
    assert [ioc.id for ioc in repository.iocs] == SEEDED_IDS


def test_upsert__missing_created_at(repository):
    item = _item()
    del item["metadata"]["source"]["created_at"]

    with pytest.raises(BadRequest) as raised:
        repository.upsert("Intel", {"data": item})

    assert raised.value.details == ["data[0].metadata.source.created_at"]


@pytest.mark.parametrize("source", ["Vision-UI", "IOC_Source-2", "a.b~c", "X"])
def test_check_source__accepted(source):
    assert check_source(source) == source


@pytest.mark.parametrize("source", ["Triage 1", "intel/feed", "ü", "a,b", "a:b"])
def test_check_source__bad_characters(source):
    with pytest.raises(UnprocessableEntity) as raised:
        check_source(source)

    assert raised.value.details == ["X-Cofense-IOC-Source"]


@pytest.mark.parametrize("source", [None, "", "   "])
def test_check_source__missing(source):
    with pytest.raises(BadRequest) as raised:
        check_source(source)

    assert raised.value.message == "Required header X-Cofense-IOC-Source is missing"


def test_expiry__on_the_clock(backend, repository):
    (reply,) = _upsert(repository, "Intel",
                       _item(requested_expiration=offset_iso(FROZEN_AT
                                                             + timedelta(hours=1))))

    backend.clock.advance(3600)
    ioc = repository.get(reply["id"])

    assert repository.view(ioc, "Intel")["metadata"]["quarantine"]["expired"] is True
    assert repository.select("Intel") == []
    assert repository.select("Intel", include_expired=True) == [ioc]


def test_set_expiry(repository):
    body = {"data": {"type": "ioc", "metadata": {"quarantine": {
        "expires_at": "2022-08-11T04:25:24Z"}}}}

    ioc = repository.set_expiry(TEST_COM_ID.upper(), body)

    reply = repository.view(ioc, "XSOAR")
    assert reply["metadata"]["quarantine"]["expires_at"] == (
        "2022-08-11T04:25:24.000+00:00")
    assert reply["metadata"]["source"] is None
    assert reply["metadata"]["quarantine"]["expired"] is False


def test_set_expiry__in_the_past_expires_at_once(backend, repository):
    (reply,) = _upsert(repository, "Intel", _item("Sender", "bill@evil.example"))
    past = "2022-01-01T00:00:00Z"
    body = {"data": {"metadata": {"quarantine": {"expires_at": past}}}}

    repository.set_expiry(reply["id"], body)

    assert reply["metadata"]["quarantine"]["match_count"] == 1
    assert repository.get(reply["id"]).matches == set()
    assert backend.mailbox.messages[0].matching_iocs == []


@pytest.mark.parametrize("body", [
    pytest.param({}, id="no-data"),
    pytest.param({"data": {"metadata": {}}}, id="no-quarantine"),
    pytest.param({"data": {"metadata": {"quarantine": {"expires_at": "later"}}}},
                 id="bad-date"),
    pytest.param({"data": {"type": "x", "metadata": {}}}, id="type"),
])
def test_set_expiry__malformed(repository, body):
    with pytest.raises(BadRequest):
        repository.set_expiry(TEST_COM_ID, body)

    assert repository.get(TEST_COM_ID).expires_at > FROZEN_AT


def test_select__since(backend, repository):
    _upsert(repository, "Intel", _item(value="early.example"))
    backend.clock.advance(60)
    _upsert(repository, "Intel", _item(value="late.example"))

    since = FROZEN_AT + timedelta(seconds=30)
    found = repository.select("Intel", since=since)

    assert [ioc.threat_value for ioc in found] == ["late.example"]


def test_select__only_the_sources_iocs(repository):
    _upsert(repository, "Intel", _item(value="mine.example"))

    assert [ioc.threat_value for ioc in repository.select("Intel")] == ["mine.example"]
    assert [ioc.id for ioc in repository.select("Vision-UI")] == SEEDED_IDS


def test_last(backend, repository):
    _upsert(repository, "Intel", _item(value="first.example"))
    _upsert(repository, "Intel", _item(value="second.example"))
    _upsert(repository, "Triage", _item(value="third.example"))

    assert repository.last("Intel").threat_value == "second.example"
    assert repository.last("Triage").threat_value == "third.example"
    assert repository.last("Vision-UI").id == "bb931fec9d9672a9e307456133223b2e"
    assert repository.last("Nobody") is None


def test_last__includes_expired(backend, repository):
    _upsert(repository, "Intel", _item(
        requested_expiration=offset_iso(FROZEN_AT + timedelta(minutes=1))))

    backend.clock.advance(120)

    assert repository.last("Intel").threat_value == "evil.example"


def test_delete(backend, repository):
    (reply,) = _upsert(repository, "Intel", _item("Subject", "invoice overdue"))

    deleted = repository.delete(reply["id"])

    assert repository.view(deleted, "Intel") == reply
    assert backend.mailbox.messages[0].matching_iocs == []
    with pytest.raises(NotFound):
        repository.get(reply["id"])
    (again,) = _upsert(repository, "Intel", _item("Subject", "invoice overdue"))
    assert again["id"] == reply["id"]


def test_get__unknown(repository):
    with pytest.raises(NotFound) as raised:
        repository.get("0" * 32)

    assert raised.value.status_code == 404


@pytest.mark.parametrize("threat_type, value", [
    pytest.param("SENDER", "BILL@evil.example", id="sender-any-case"),
    pytest.param("SUBJECT", "invoice OVERDUE", id="subject-any-case"),
    pytest.param("SUBJECT", "Invoice*", id="subject-wildcard"),
    pytest.param("DOMAIN", "pay.evil.example", id="domain"),
    pytest.param("DOMAIN", "evil.example", id="parent-domain"),
    pytest.param("URL", "https://pay.evil.example/x", id="url"),
    pytest.param("MD5", "A" * 32, id="md5"),
    pytest.param("SHA256", "b" * 64, id="sha256"),
])
def test_matching(backend, repository, threat_type, value):
    (reply,) = _upsert(repository, "Intel", _item(threat_type, value))

    message, other = backend.mailbox.messages
    assert message.matching_iocs == [reply["id"]]
    assert message.matching_sources == ["Intel"]
    assert other.matching_iocs == []
    assert reply["metadata"]["quarantine"]["match_count"] == 1


@pytest.mark.parametrize("threat_type, value", [
    pytest.param("SUBJECT", "Invoice", id="subject-part"),
    pytest.param("DOMAIN", "evil", id="domain-label"),
    pytest.param("DOMAIN", "xpay.evil.example", id="other-domain"),
    pytest.param("URL", "https://PAY.evil.example/X", id="url-exact"),
    pytest.param("MD5", "b" * 32, id="md5"),
])
def test_matching__no_match(backend, repository, threat_type, value):
    (reply,) = _upsert(repository, "Intel", _item(threat_type, value))

    assert backend.mailbox.messages[0].matching_iocs == []
    assert reply["metadata"]["quarantine"]["match_count"] == 0


def test_matching__wildcard_flag(repository):
    (plain, pattern) = _upsert(repository, "Intel", _item("Subject", "Lunch"),
                               _item("Subject", "*unc*"))

    assert plain["metadata"]["quarantine"]["wildcard"] is False
    assert pattern["metadata"]["quarantine"]["wildcard"] is True
    assert pattern["metadata"]["quarantine"]["match_count"] == 1


def test_matching__sources_of_every_matching_ioc(backend, repository):
    (sender,) = _upsert(repository, "Intel", _item("Sender", "bill@evil.example"))
    (domain,) = _upsert(repository, "Triage", _item("Domain", "evil.example"))
    _upsert(repository, "Alpha", _item("Domain", "evil.example"))

    message = backend.mailbox.messages[0]
    assert message.matching_iocs == sorted([sender["id"], domain["id"]])
    assert message.matching_sources == ["Alpha", "Intel", "Triage"]


def test_matching__expiry_on_the_clock_drops_matches(backend, repository):
    _upsert(repository, "Intel", _item(
        "Sender", "bill@evil.example",
        requested_expiration=offset_iso(FROZEN_AT + timedelta(minutes=5))))

    backend.clock.advance(299)
    repository.settle()
    before = list(backend.mailbox.messages[0].matching_iocs)
    backend.clock.advance(1)
    repository.settle()

    assert len(before) == 1
    assert backend.mailbox.messages[0].matching_iocs == []


def test_seeded_match_counts(repository):
    views = [repository.view(ioc, None) for ioc in repository.iocs]
    counts = {view["id"]: view["metadata"]["quarantine"]["match_count"]
              for view in views}

    assert counts == dict.fromkeys(SEEDED_IDS, 0) | {
        "bb931fec9d9672a9e307456133223b2e": 1}


def test_seeds__expiry_moves_with_a_later_clock(backend):
    documented = offset_iso(IocRepository(backend).get(TEST_COM_ID).expires_at)
    backend.clock.advance(timedelta(days=400).total_seconds())

    later = IocRepository(backend).get(TEST_COM_ID)

    assert documented == "2022-08-22T09:17:11.188+00:00"
    assert later.expires_at - backend.clock.now() > timedelta(days=12)
    assert offset_iso(later.created_at) == "2022-08-08T09:17:11.188+00:00"


@pytest.mark.parametrize("approval, status", [
    pytest.param(True, "PENDING_APPROVAL", id="needs-approval"),
    pytest.param(False, "NEW", id="runs-at-once"),
])
def test_auto_quarantine(backend, repository, approval, status):
    backend.settings.update(autoQuarantine=True, autoQuarantineApproval=approval)

    (reply,) = _upsert(repository, "Intel", _item("Sender", "bill@evil.example"))

    (job,) = [job for job in backend.quarantine.jobs if job.id >= 431]
    body = backend.quarantine.job_json(job)
    assert body["autoQuarantine"] is True
    assert body["createdBy"] == "system"
    assert body["matchingIOCs"] == [reply["id"]]
    assert body["matchingSources"] == ["Intel"]
    assert [info["id"] for info in body["matchingIocInfo"]] == [reply["id"]]
    assert body["matchingIocInfo"][0]["metadata"]["source"]["threat_level"] == (
        "Malicious")
    assert [(email["internetMessageId"], email["recipientAddress"])
            for email in body["quarantineEmails"]] == [
        ("<one@example.com>", "ann@example.com"),
        ("<one@example.com>", "bob@example.com")]
    assert body["quarantineJobRuns"][0]["status"] == status


def test_auto_quarantine__only_new_matches(backend, repository):
    backend.settings["autoQuarantine"] = True
    _upsert(repository, "Intel", _item("Sender", "bill@evil.example"))

    _upsert(repository, "Intel", _item("Sender", "bill@evil.example", level="High"))
    _upsert(repository, "Intel", _item("Domain", "nothing.example"))

    assert len([job for job in backend.quarantine.jobs if job.auto_quarantine]) == 2


def test_auto_quarantine__off(backend, repository):
    _upsert(repository, "Intel", _item("Sender", "bill@evil.example"))

    assert [job.id for job in backend.quarantine.jobs] == [8, 12, 100, 266, 430]


def test_auto_quarantine__counts_quarantined_copies(backend, repository):
    backend.settings["autoQuarantine"] = True
    (reply,) = _upsert(repository, "Intel", _item("Sender", "bill@evil.example"))

    backend.clock.advance(3)
    backend.quarantine.settle()

    quarantine = repository.view(repository.get(reply["id"]), "Intel")["metadata"][
        "quarantine"]
    done_at = offset_iso(FROZEN_AT + timedelta(seconds=3))
    assert quarantine["quarantine_count"] == 2
    assert quarantine["first_quarantined_at"] == done_at
    assert quarantine["last_quarantined_at"] == done_at
    assert backend.mailbox.messages[0].quarantined == {"ann@example.com",
                                                       "bob@example.com"}
