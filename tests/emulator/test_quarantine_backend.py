"""The quarantine store on its own: a frozen clock, a tiny fake mailbox, no HTTP."""

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest

from vision_emulator.backend.clock import Clock, naive_utc_iso
from vision_emulator.backend.iocs import IocRepository
from vision_emulator.backend.quarantine import (
    FIRST_NEW_EMAIL_ID,
    FIRST_NEW_JOB_ID,
    FIRST_NEW_RUN_ID,
    QuarantineStore,
)
from vision_emulator.errors import BadRequest, NotFound, UnprocessableEntity

from .support import FROZEN_AT

SEEDED_JOB_IDS = [8, 12, 100, 266, 430]
CLIENT = "analyst-1"


@dataclass
class FakeMessage:
    """The parts of a stored message that quarantine and IOC matching read."""

    id: int
    internet_message_id: str
    recipients: list[str]
    subject: str = ""
    sender_addresses: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    domains: set[str] = field(default_factory=set)
    attachments: list = field(default_factory=list)
    quarantined: set[str] = field(default_factory=set)
    matching_iocs: list[str] = field(default_factory=list)
    matching_sources: list[str] = field(default_factory=list)

    def has_recipient(self, address: str) -> bool:
        return address.lower() in (person.lower() for person in self.recipients)

    def visible_recipients(self) -> list:
        return [SimpleNamespace(address=person) for person in self.recipients
                if person.lower() not in self.quarantined]


class FakeMailbox:
    def __init__(self, messages: list[FakeMessage]):
        self.messages = messages

    def find(self, internet_message_id: str, recipient_address: str):
        return next((item for item in self.messages
                     if item.internet_message_id == internet_message_id
                     and item.has_recipient(recipient_address)), None)

    def has_mailbox(self, address: str) -> bool:
        return any(item.has_recipient(address) for item in self.messages)


class FakeBackend:
    """Clock, mailbox and settings, with the two parts under test built on them."""

    def __init__(self, messages: list[FakeMessage]):
        self.clock = Clock(FROZEN_AT)
        self.mailbox = FakeMailbox(messages)
        self.settings = {"autoQuarantine": False, "autoQuarantineApproval": False}
        self.quarantine = None
        self.iocs = None
        self.quarantine = QuarantineStore(self)
        self.iocs = IocRepository(self)


def sample_messages() -> list[FakeMessage]:
    return [
        FakeMessage(1, "<one@example.com>", ["ann@example.com", "bob@example.com"],
                    subject="Invoice overdue", sender_addresses=["bill@evil.example"],
                    urls=["https://pay.evil.example/x"], domains={"pay.evil.example"},
                    attachments=[SimpleNamespace(md5="a" * 32, sha256="b" * 64)]),
        FakeMessage(2, "<two@example.com>", ["bob@example.com"], subject="Lunch"),
    ]


@pytest.fixture
def backend():
    return FakeBackend(sample_messages())


@pytest.fixture
def store(backend):
    return backend.quarantine


def _emails(*pairs: tuple[str, str]) -> list[dict]:
    return [{"internetMessageId": message_id, "recipientAddress": recipient}
            for message_id, recipient in pairs]


def _ann_job(backend, store, seconds: float = 0):
    """A job for ann's copy of message one, the clock then moved on by seconds."""
    job = store.create(_emails(("<one@example.com>", "ann@example.com")), CLIENT)
    backend.clock.advance(seconds)
    return job


def _json(store, job_id: int) -> dict:
    return store.job_json(store.get(job_id))


def _latest_run(store, job_id: int) -> dict:
    return _json(store, job_id)["quarantineJobRuns"][-1]


@pytest.mark.parametrize("seconds, status, started", [
    pytest.param(0, "NEW", False, id="new"),
    pytest.param(0.999, "NEW", False, id="still-new"),
    pytest.param(1, "QUEUED", False, id="queued"),
    pytest.param(2, "RUNNING", True, id="running"),
    pytest.param(3, "COMPLETED", True, id="completed"),
    pytest.param(3600, "COMPLETED", True, id="long-after"),
])
def test_create__run_follows_the_clock(backend, store, seconds, status, started):
    job = _ann_job(backend, store, seconds)

    run = _latest_run(store, job.id)

    assert run["status"] == status
    start = naive_utc_iso(FROZEN_AT + timedelta(seconds=2))
    assert run["startedDate"] == (start if started else None)


def test_create__completed_run_quarantines_the_copy(backend, store):
    job = store.create(_emails(("<one@example.com>", "ANN@example.com")), CLIENT)

    backend.clock.advance(5)
    reply = _json(store, job.id)

    done_at = naive_utc_iso(FROZEN_AT + timedelta(seconds=3))
    email = reply["quarantineEmails"][0]
    assert email["status"] == "QUARANTINED"
    assert email["quarantinedDate"] == done_at
    assert email["errorMessage"] is None
    assert email["ewsMessageId"].startswith("AAMk")
    assert reply["quarantineJobRuns"] == [{
        "id": FIRST_NEW_RUN_ID, "jobRunType": "QUARANTINE", "status": "COMPLETED",
        "startedDate": naive_utc_iso(FROZEN_AT + timedelta(seconds=2)),
        "completedDate": done_at, "total": 1, "error": 0}]
    assert backend.mailbox.messages[0].quarantined == {"ann@example.com"}


def test_create__new_job_object(store):
    job = store.create(_emails(("<one@example.com>", "ann@example.com"),
                               ("<two@example.com>", "bob@example.com")), CLIENT)

    reply = store.job_json(job)

    created = naive_utc_iso(FROZEN_AT)
    assert reply["id"] == FIRST_NEW_JOB_ID
    assert (reply["createdBy"], reply["modifiedBy"]) == (CLIENT, CLIENT)
    assert (reply["createdDate"], reply["modifiedDate"]) == (created, created)
    assert reply["emailCount"] == 2
    assert reply["autoQuarantine"] is False
    assert reply["stopRequested"] is False
    assert reply["searchId"] is None
    assert [email["id"] for email in reply["quarantineEmails"]] == [
        FIRST_NEW_EMAIL_ID, FIRST_NEW_EMAIL_ID + 1]
    assert {email["status"] for email in reply["quarantineEmails"]} == {"NEW"}


def test_create__failed_emails(backend, store):
    job = store.create(_emails(("<one@example.com>", "ann@example.com"),
                               ("<one@example.com>", "nobody@example.com"),
                               ("<two@example.com>", "ann@example.com")), CLIENT)

    backend.clock.advance(3)
    reply = _json(store, job.id)

    unknown, missing = reply["quarantineEmails"][1:]
    assert unknown["status"] == "UNKNOWN_MAILBOX"
    assert unknown["errorMessage"] == (
        f"No primary addresses were found for {unknown['id']}/nobody@example.com")
    assert missing["status"] == "NOT_FOUND"
    assert missing["errorMessage"] == (
        "The message was not found in the mailbox of ann@example.com")
    run = reply["quarantineJobRuns"][-1]
    assert (run["status"], run["total"], run["error"]) == ("FAILED", 3, 2)


def test_create__copy_already_quarantined_is_not_found(backend, store):
    first = store.create(_emails(("<two@example.com>", "bob@example.com")), CLIENT)
    backend.clock.advance(3)
    second = store.create(_emails(("<two@example.com>", "bob@example.com")), CLIENT)

    backend.clock.advance(3)

    assert _json(store, first.id)["quarantineEmails"][0]["status"] == "QUARANTINED"
    assert _json(store, second.id)["quarantineEmails"][0]["status"] == "NOT_FOUND"


@pytest.mark.parametrize("emails", [
    pytest.param([], id="empty"),
    pytest.param(None, id="missing"),
    pytest.param("<a@b>:c@d", id="text"),
    pytest.param([{"internetMessageId": "<a@b>"}], id="no-recipient"),
    pytest.param([{"internetMessageId": " ", "recipientAddress": "c@d"}], id="blank"),
    pytest.param([{"internetMessageId": 5, "recipientAddress": "c@d"}], id="number"),
    pytest.param(["<a@b>"], id="not-an-object"),
])
def test_create__malformed(store, emails):
    with pytest.raises(BadRequest) as raised:
        store.create(emails, CLIENT)

    assert raised.value.details in (["quarantineEmails"], ["quarantineEmails[0]"])
    assert len(store.jobs) == len(SEEDED_JOB_IDS)


def test_restore__brings_the_copies_back(backend, store):
    job = store.create(_emails(("<one@example.com>", "ann@example.com"),
                               ("<one@example.com>", "nobody@example.com")), CLIENT)
    backend.clock.advance(3)

    store.restore(job.id, "analyst-2")
    restoring = _json(store, job.id)
    backend.clock.advance(3)
    restored = _json(store, job.id)

    assert restoring["quarantineJobRuns"][-1]["status"] == "NEW"
    assert restoring["modifiedBy"] == "analyst-2"
    assert [run["jobRunType"] for run in restored["quarantineJobRuns"]] == [
        "QUARANTINE", "RESTORE"]
    run = restored["quarantineJobRuns"][-1]
    assert (run["id"], run["status"], run["total"], run["error"]) == (
        FIRST_NEW_RUN_ID + 1, "COMPLETED", 2, 0)
    assert [email["status"] for email in restored["quarantineEmails"]] == [
        "RESTORED", "UNKNOWN_MAILBOX"]
    assert backend.mailbox.messages[0].quarantined == set()


def test_restore__while_the_run_is_unfinished(backend, store):
    job = _ann_job(backend, store, 2)

    with pytest.raises(UnprocessableEntity) as raised:
        store.restore(job.id, CLIENT)

    assert raised.value.message == (
        f"Quarantine job {job.id} cannot be restored while its QUARANTINE run is "
        "RUNNING")


def test_restore__pending_job(store):
    with pytest.raises(UnprocessableEntity):
        store.restore(430, CLIENT)

    assert [run["jobRunType"] for run in _json(store, 430)["quarantineJobRuns"]] == [
        "QUARANTINE"]


def test_stop__halts_a_running_run(backend, store):
    job = _ann_job(backend, store, 2)

    stopped = store.job_json(store.stop(job.id, "analyst-2"))
    backend.clock.advance(10)
    later = _json(store, job.id)

    assert stopped["stopRequested"] is True
    assert stopped["modifiedBy"] == "analyst-2"
    assert stopped["quarantineJobRuns"][-1]["status"] == "RUNNING"
    assert later["quarantineJobRuns"][-1]["status"] == "COMPLETED"
    assert later["quarantineEmails"][0]["status"] == "NEW"
    assert backend.mailbox.messages[0].quarantined == set()


def test_stop__finished_job_only_sets_the_flag(backend, store):
    job = _ann_job(backend, store, 3)

    stopped = store.job_json(store.stop(job.id, CLIENT))
    store.restore(job.id, CLIENT)
    backend.clock.advance(3)

    assert stopped["stopRequested"] is True
    assert stopped["quarantineEmails"][0]["status"] == "QUARANTINED"
    assert _json(store, job.id)["quarantineEmails"][0]["status"] == "RESTORED"


def _pending_job(store, count: int = 3):
    pairs = [("<one@example.com>", "ann@example.com"),
             ("<one@example.com>", "bob@example.com"),
             ("<two@example.com>", "bob@example.com")][:count]
    return store.create_auto_job(pairs, ["f" * 32], ["Intel"], pending=True)


def test_approve__all_emails(backend, store):
    job = _pending_job(store)

    store.approve(job.id, "approver")
    backend.clock.advance(3)
    reply = _json(store, job.id)

    assert reply["modifiedBy"] == "approver"
    assert [email["status"] for email in reply["quarantineEmails"]] == [
        "QUARANTINED"] * 3
    run = reply["quarantineJobRuns"][-1]
    assert (run["status"], run["total"]) == ("COMPLETED", 3)


@pytest.mark.parametrize("count, quarantined", [
    pytest.param(1, 1, id="one"), pytest.param(2, 2, id="two"),
    pytest.param(50, 3, id="more-than-the-job-holds"),
])
def test_approve__message_count(backend, store, count, quarantined):
    job = _pending_job(store)

    store.approve(job.id, CLIENT, count)
    backend.clock.advance(3)
    reply = _json(store, job.id)

    statuses = [email["status"] for email in reply["quarantineEmails"]]
    assert statuses == ["QUARANTINED"] * quarantined + ["NEW"] * (3 - quarantined)
    assert reply["quarantineJobRuns"][-1]["total"] == quarantined


def test_approve__pending_run_waits_for_approval(backend, store):
    job = _pending_job(store)

    backend.clock.advance(600)

    assert _latest_run(store, job.id)["status"] == "PENDING_APPROVAL"
    assert backend.mailbox.messages[0].quarantined == set()


def test_approve__not_pending(backend, store):
    job = _ann_job(backend, store, 3)

    with pytest.raises(UnprocessableEntity) as raised:
        store.approve(job.id, CLIENT)

    assert raised.value.status == "UNPROCESSABLE_ENTITY"
    assert raised.value.message == f"Quarantine job {job.id} is not pending approval"
    assert raised.value.details == ["The job's status is COMPLETED"]


def test_approve__count_below_one(store):
    with pytest.raises(BadRequest):
        store.approve(430, CLIENT, 0)

    assert _latest_run(store, 430)["status"] == "PENDING_APPROVAL"


def test_delete(store):
    store.delete(266)

    with pytest.raises(NotFound):
        store.get(266)
    assert [job.id for job in store.jobs] == [8, 12, 100, 430]


@pytest.mark.parametrize("action", ["get", "delete", "restore", "approve", "stop"])
def test_unknown_job(store, action):
    arguments = (999,) if action in ("get", "delete") else (999, CLIENT)

    with pytest.raises(NotFound) as raised:
        getattr(store, action)(*arguments)

    assert raised.value.message == "Unable to find the requested object"


@pytest.mark.parametrize("options, expected", [
    pytest.param(None, SEEDED_JOB_IDS, id="none"),
    pytest.param({}, SEEDED_JOB_IDS, id="empty"),
    pytest.param({"autoQuarantine": True}, [430], id="auto"),
    pytest.param({"autoQuarantine": False}, [8, 12, 100, 266], id="not-auto"),
    pytest.param({"includeStatus": ["FAILED"]}, [266], id="include"),
    pytest.param({"includeStatus": ["COMPLETED", "PENDING_APPROVAL"]},
                 [8, 12, 100, 430], id="include-two"),
    pytest.param({"excludeStatus": ["COMPLETED"]}, [266, 430], id="exclude"),
    pytest.param({"iocs": ["BB931FEC9D9672A9E307456133223B2E"]}, [430], id="iocs"),
    pytest.param({"iocs": ["0" * 32]}, [], id="iocs-none"),
    pytest.param({"sources": ["vision-ui", "Other"]}, [430], id="sources"),
    pytest.param({"modifiedDateAfter": "2022-08-09T11:30:00Z"}, [100, 430],
                 id="modified-after"),
    pytest.param({"modifiedDateAfter": "2022-08-09T11:36:35.996422"}, [430],
                 id="modified-after-is-strict"),
    pytest.param({"includeStatus": ["COMPLETED"],
                  "modifiedDateAfter": "2022-08-01T00:00:00Z"}, [12, 100],
                 id="combined"),
])
def test_filter(store, options, expected):
    assert [job.id for job in store.filter(options)] == expected


@pytest.mark.parametrize("options, detail", [
    pytest.param([], "filterOptions", id="not-an-object"),
    pytest.param({"colour": "red"}, "colour", id="unknown-key"),
    pytest.param({"autoQuarantine": "yes"}, "autoQuarantine", id="auto-type"),
    pytest.param({"includeStatus": ["DONE"]}, "Statuses: NEW, PENDING_APPROVAL, "
                 "QUEUED, RUNNING, COMPLETED, FAILED", id="status"),
    pytest.param({"excludeStatus": "FAILED"}, "excludeStatus", id="status-type"),
    pytest.param({"iocs": [1]}, "iocs", id="iocs-type"),
    pytest.param({"modifiedDateAfter": "yesterday"}, "modifiedDateAfter", id="date"),
    pytest.param({"modifiedDateAfter": 5}, "modifiedDateAfter", id="date-type"),
])
def test_filter__invalid(store, options, detail):
    with pytest.raises(BadRequest) as raised:
        store.filter(options)

    assert raised.value.details == [detail]


def test_filter__follows_the_clock(backend, store):
    job = _ann_job(backend, store)
    running = {"includeStatus": ["RUNNING"]}

    before = [item.id for item in store.filter(running)]
    backend.clock.advance(2)
    during = [item.id for item in store.filter(running)]

    assert (before, during) == ([], [job.id])


def test_create_pending_job__takes_matches_from_the_mailbox(backend, store):
    message = backend.mailbox.messages[1]
    message.matching_iocs, message.matching_sources = ["c" * 32], ["Intel", "Triage"]

    reply = store.create_pending_job(_emails(("<two@example.com>", "bob@example.com"),
                                             ("<nope@example.com>", "x@example.com")))

    assert reply["autoQuarantine"] is True
    assert reply["createdBy"] == "system"
    assert reply["matchingIOCs"] == ["c" * 32]
    assert reply["matchingSources"] == ["Intel", "Triage"]
    assert reply["matchingIocInfo"] == []
    assert reply["quarantineJobRuns"][0]["status"] == "PENDING_APPROVAL"
    assert reply["emailCount"] == 2


def test_seeded_job_8_as_in_the_reference(store):
    reply = _json(store, 8)

    assert {key: reply[key] for key in ("createdBy", "createdDate", "modifiedBy",
                                        "modifiedDate", "stopRequested")} == {
        "createdBy": "testuser", "createdDate": "2022-07-07T07:36:09.097744",
        "modifiedBy": "system", "modifiedDate": "2022-07-20T05:37:41.585128",
        "stopRequested": True}
    assert reply["quarantineJobRuns"] == [
        {"id": 14, "jobRunType": "QUARANTINE", "status": "COMPLETED",
         "startedDate": "2022-07-07T07:36:20.035786",
         "completedDate": "2022-07-07T07:36:20.616526", "total": 1, "error": 1},
        {"id": 440, "jobRunType": "RESTORE", "status": "COMPLETED",
         "startedDate": "2022-07-20T05:37:41.585443",
         "completedDate": "2022-07-20T05:37:42.311250", "total": 1, "error": 0},
    ]


def test_seeded_job_100_holds_ten_emails(store):
    reply = _json(store, 100)

    emails = reply["quarantineEmails"]
    assert reply["emailCount"] == 10
    assert reply["searchId"] == 402
    assert [email["id"] for email in emails] == list(range(67, 77))
    assert (emails[0]["recipientAddress"], emails[-1]["recipientAddress"]) == (
        "abc@example.com", "pqr@example.com")
    assert len({email["recipientAddress"] for email in emails}) == 10
    assert [run["id"] for run in reply["quarantineJobRuns"]] == [232, 841]


def test_reset_gives_fresh_seeds(backend):
    backend.quarantine.delete(266)
    backend.quarantine.approve(430, CLIENT)

    fresh = QuarantineStore(backend)

    assert [job.id for job in fresh.jobs] == SEEDED_JOB_IDS
    assert _latest_run(fresh, 430)["status"] == "PENDING_APPROVAL"
