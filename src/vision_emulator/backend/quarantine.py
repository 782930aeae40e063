"""Quarantine jobs: their emails, their runs and what the runs do to the mailbox.

A run moves NEW, QUEUED, RUNNING on the emulator clock and finishes a few seconds after
it was scheduled. Nothing runs in the background: ``settle`` works out, from the clock,
every run that has come due and applies it to the mailbox, and every read settles first.
Not emulated: Vision's retries of FAILED runs and EXPUNGE runs.
"""

import base64
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from ..errors import BadRequest, NotFound, UnprocessableEntity
from .clock import naive_utc_iso
from .iocs import parse_optional_utc, parse_utc

FIRST_NEW_JOB_ID = 431
FIRST_NEW_RUN_ID = 860
FIRST_NEW_EMAIL_ID = 5578
SYSTEM_USER = "system"
STATUSES = ("NEW", "PENDING_APPROVAL", "QUEUED", "RUNNING", "COMPLETED", "FAILED")
FINISHED_STATUSES = frozenset({"COMPLETED", "FAILED"})
# A scheduled run's status from each offset on; it ends RUN_DURATION after scheduling.
RUN_STEPS = ((timedelta(seconds=0), "NEW"), (timedelta(seconds=1), "QUEUED"),
             (timedelta(seconds=2), "RUNNING"))
RUN_STARTS_AFTER = timedelta(seconds=2)
RUN_DURATION = timedelta(seconds=3)
UNKNOWN_MAILBOX_MESSAGE = "No primary addresses were found for {email_id}/{recipient}"
NOT_FOUND_MESSAGE = "The message was not found in the mailbox of {recipient}"
FILTER_OPTIONS = ("autoQuarantine", "includeStatus", "excludeStatus", "iocs", "sources",
                  "modifiedDateAfter")

log = logging.getLogger(__name__)


@dataclass
class QuarantineEmail:
    """One recipient's copy of one message, as a job handles it."""

    id: int
    recipient_address: str
    internet_message_id: str
    created_date: datetime
    status: str = "NEW"
    error_message: str | None = None
    ews_message_id: str | None = None
    original_folder_id: str | None = None
    quarantined_date: datetime | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "recipientAddress": self.recipient_address,
            "internetMessageId": self.internet_message_id,
            "ewsMessageId": self.ews_message_id,
            "originalFolderId": self.original_folder_id,
            "status": self.status,
            "errorMessage": self.error_message,
            "createdDate": naive_utc_iso(self.created_date),
            "quarantinedDate": _iso_or_none(self.quarantined_date),
        }


@dataclass
class JobRun:
    """One pass of a job over its emails.

    Attributes:
        scheduled_at: when the run's timeline began; None for a run that waits for
            approval or was seeded with a final status.
        limit: how many emails the run handles (approve's messageCount); None for all.
        halted: a stop arrived before the run finished, so it handles no email.
    """

    id: int
    run_type: str
    status: str
    total: int
    scheduled_at: datetime | None = None
    started_date: datetime | None = None
    completed_date: datetime | None = None
    error: int = 0
    limit: int | None = None
    halted: bool = False

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def due_at(self) -> datetime | None:
        return None if self.scheduled_at is None else self.scheduled_at + RUN_DURATION

    def schedule(self, moment: datetime) -> None:
        self.scheduled_at, self.status = moment, "NEW"

    def progress(self, now: datetime) -> None:
        """Moves an unfinished scheduled run to the step the clock has reached."""
        for offset, status in RUN_STEPS:
            if now >= self.scheduled_at + offset:
                self.status = status
        if now >= self.scheduled_at + RUN_STARTS_AFTER:
            self.started_date = self.scheduled_at + RUN_STARTS_AFTER

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "jobRunType": self.run_type,
            "status": self.status,
            "startedDate": _iso_or_none(self.started_date),
            "completedDate": _iso_or_none(self.completed_date),
            "total": self.total,
            "error": self.error,
        }


@dataclass
class QuarantineJob:
    id: int
    created_by: str
    created_date: datetime
    emails: list[QuarantineEmail]
    auto_quarantine: bool = False
    search_id: int | None = None
    matching_iocs: list[str] = field(default_factory=list)
    matching_sources: list[str] = field(default_factory=list)
    runs: list[JobRun] = field(default_factory=list)
    stop_requested: bool = False
    modified_by: str = ""
    modified_date: datetime | None = None

    def __post_init__(self):
        self.modified_by = self.modified_by or self.created_by
        self.modified_date = self.modified_date or self.created_date

    @property
    def latest_run(self) -> JobRun | None:
        return self.runs[-1] if self.runs else None

    @property
    def status(self) -> str | None:
        """The latest run's status: the job's status. None while it has no run."""
        return self.latest_run.status if self.runs else None

    def touch(self, client_id: str, moment: datetime) -> None:
        self.modified_by, self.modified_date = client_id, moment

    def to_json(self, matching_ioc_info: list[dict] | None = None, *,
                with_emails: bool = True) -> dict:
        """The Vision job object; ``with_emails=False`` leaves quarantineEmails out."""
        reply = {
            "id": self.id,
            "createdBy": self.created_by,
            "createdDate": naive_utc_iso(self.created_date),
            "modifiedBy": self.modified_by,
            "modifiedDate": naive_utc_iso(self.modified_date),
            "stopRequested": self.stop_requested,
            "emailCount": len(self.emails),
            "autoQuarantine": self.auto_quarantine,
            "searchId": self.search_id,
            "matchingIOCs": list(self.matching_iocs),
            "matchingSources": list(self.matching_sources),
            "matchingIocInfo": list(matching_ioc_info or []),
            "quarantineEmails": [email.to_json() for email in self.emails],
            "quarantineJobRuns": [run.to_json() for run in self.runs],
        }
        if not with_emails:
            del reply["quarantineEmails"]
        return reply


class JobFilter(NamedTuple):
    """Parsed ``filterOptions``; None or empty means the option was not given."""

    auto_quarantine: bool | None = None
    include_status: frozenset = frozenset()
    exclude_status: frozenset = frozenset()
    iocs: frozenset = frozenset()
    sources: frozenset = frozenset()
    modified_after: datetime | None = None

    def accepts(self, job: QuarantineJob) -> bool:
        auto = self.auto_quarantine
        checks = (
            auto is None or job.auto_quarantine == auto,
            not self.include_status or job.status in self.include_status,
            job.status not in self.exclude_status,
            _overlaps(self.iocs, job.matching_iocs),
            _overlaps(self.sources, job.matching_sources),
            self.modified_after is None or job.modified_date > self.modified_after,
        )
        return all(checks)


class QuarantineStore:
    """Every quarantine job, seeded ones first; ids of new jobs start at 431.

    Args:
        backend: the emulator's ``Backend``; its clock, mailbox and IOC repository are
            read when needed, so they may be rebuilt after this store.
    """

    def __init__(self, backend):
        self._backend = backend
        self._jobs: dict[int, QuarantineJob] = {}
        self._next_ids = {"job": FIRST_NEW_JOB_ID, "run": FIRST_NEW_RUN_ID,
                          "email": FIRST_NEW_EMAIL_ID}
        for job in seeded_jobs():
            self._jobs[job.id] = job

    @property
    def jobs(self) -> list[QuarantineJob]:
        self.settle()
        return list(self._jobs.values())

    def settle(self) -> None:
        """Brings every scheduled run up to the clock, applying those that came due."""
        now = self._now()
        waiting = [(job, run) for job in self._jobs.values()
                   for run in job.runs[-1:] if not run.finished and run.scheduled_at]
        waiting.sort(key=lambda pair: pair[1].due_at)
        for job, run in waiting:
            run.progress(now)
            if now >= run.due_at:
                self._finish(job, run)

    def get(self, job_id: int) -> QuarantineJob:
        """The job with this id, settled.

        Raises:
            NotFound: when there is none.
        """
        self.settle()
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(details=[f"No quarantine job with id {job_id}"])
        return job

    def filter(self, options: Any) -> list[QuarantineJob]:
        """The jobs that pass ``filterOptions`` (see ``parse_filter``), in id order."""
        job_filter = parse_filter(options)
        return [job for job in sorted(self.jobs, key=lambda item: item.id)
                if job_filter.accepts(job)]

    def create(self, quarantine_emails: Any, client_id: str) -> QuarantineJob:
        """A new job whose QUARANTINE run starts now.

        Raises:
            BadRequest: when quarantineEmails is empty or malformed.
        """
        pairs = parse_quarantine_emails(quarantine_emails)
        job = self._new_job(pairs, client_id)
        self._add_run(job, "QUARANTINE", len(job.emails)).schedule(job.created_date)
        return job

    def create_pending_job(self, quarantine_emails: Any) -> dict:
        """An auto-quarantine job waiting for approval (control plane).

        Its matching IOCs and sources are those the mailbox records for its messages.

        Raises:
            BadRequest: when quarantineEmails is empty or malformed.
        """
        pairs = parse_quarantine_emails(quarantine_emails)
        iocs, sources = [], []
        for message_id, recipient in pairs:
            message = self._backend.mailbox.find(message_id, recipient)
            if message is not None:
                iocs.extend(message.matching_iocs)
                sources.extend(message.matching_sources)
        job = self.create_auto_job(pairs, _unique(iocs), _unique(sources), pending=True)
        return self.job_json(job)

    def create_auto_job(self, pairs: list[tuple[str, str]], iocs: list[str],
                        sources: list[str], *, pending: bool) -> QuarantineJob:
        """A job created by Vision itself for emails that match IOCs.

        Args:
            pairs: (internet message id, recipient address) of each copy.
            iocs, sources: the matching IOC ids and their source names.
            pending: wait for approval (PENDING_APPROVAL) instead of running now.
        """
        job = self._new_job(pairs, SYSTEM_USER, auto_quarantine=True)
        job.matching_iocs, job.matching_sources = list(iocs), list(sources)
        if pending:
            self._add_run(job, "QUARANTINE", len(job.emails), status="PENDING_APPROVAL")
        else:
            self._add_run(job, "QUARANTINE", len(job.emails)).schedule(job.created_date)
        return job

    def delete(self, job_id: int) -> None:
        """Removes the job; copies it quarantined stay quarantined."""
        del self._jobs[self.get(job_id).id]

    def restore(self, job_id: int, client_id: str) -> QuarantineJob:
        """Adds a RESTORE run that starts now.

        Raises:
            NotFound: for an unknown id.
            UnprocessableEntity: while the latest run is unfinished or waits for
                approval.
        """
        job = self.get(job_id)
        run = job.latest_run
        if run is not None and not run.finished:
            raise UnprocessableEntity(
                f"Quarantine job {job_id} cannot be restored while its "
                f"{run.run_type} run is {run.status}")
        now = self._now()
        job.touch(client_id, now)
        self._add_run(job, "RESTORE", len(job.emails)).schedule(now)
        return job

    def approve(self, job_id: int, client_id: str,
                message_count: int | None = None) -> QuarantineJob:
        """Starts a pending job's QUARANTINE run, for the first message_count emails.

        Raises:
            NotFound: for an unknown id.
            BadRequest: when message_count is below 1.
            UnprocessableEntity: when the job is not pending approval.
        """
        job = self.get(job_id)
        if message_count is not None and message_count < 1:
            raise BadRequest("messageCount must be 1 or more", ["messageCount"])
        if job.status != "PENDING_APPROVAL":
            raise UnprocessableEntity(
                f"Quarantine job {job_id} is not pending approval",
                [f"The job's status is {job.status or 'without runs'}"])

        run = job.latest_run
        run.limit = min(message_count or len(job.emails), len(job.emails))
        run.total = run.limit
        now = self._now()
        run.schedule(now)
        job.touch(client_id, now)
        return job

    def stop(self, job_id: int, client_id: str) -> QuarantineJob:
        """Sets stopRequested; an unfinished scheduled run then handles no email."""
        job = self.get(job_id)
        run = job.latest_run
        if run is not None and run.scheduled_at is not None and not run.finished:
            run.halted = True
        job.stop_requested = True
        job.touch(client_id, self._now())
        return job

    def job_json(self, job: QuarantineJob, *, with_emails: bool = True) -> dict:
        """The job object, with matchingIocInfo read from the IOC repository now."""
        iocs = self._backend.iocs
        info = [] if iocs is None else iocs.describe(job.matching_iocs,
                                                     job.matching_sources[:1])
        return job.to_json(info, with_emails=with_emails)

    def _now(self) -> datetime:
        return self._backend.clock.now()

    def _take_id(self, kind: str) -> int:
        self._next_ids[kind] += 1
        return self._next_ids[kind] - 1

    def _new_job(self, pairs: list[tuple[str, str]], author: str,
                 auto_quarantine: bool = False) -> QuarantineJob:
        self.settle()
        now = self._now()
        emails = [QuarantineEmail(self._take_id("email"), recipient, message_id, now)
                  for message_id, recipient in pairs]
        job = QuarantineJob(self._take_id("job"), author, now, emails,
                            auto_quarantine=auto_quarantine)
        self._jobs[job.id] = job
        log.debug("Quarantine job %d created with %d emails", job.id, len(emails))
        return job

    def _add_run(self, job: QuarantineJob, run_type: str, total: int,
                 status: str = "NEW") -> JobRun:
        run = JobRun(self._take_id("run"), run_type, status, total)
        job.runs.append(run)
        return run

    def _finish(self, job: QuarantineJob, run: JobRun) -> None:
        moment = run.due_at
        if not run.halted:
            if run.run_type == "QUARANTINE":
                self._quarantine(job, run, moment)
            else:
                self._restore(job, moment)
        run.completed_date = moment
        run.status = "FAILED" if run.error else "COMPLETED"
        log.debug("Quarantine job %d: %s run %d %s", job.id, run.run_type, run.id,
                  run.status)

    def _quarantine(self, job: QuarantineJob, run: JobRun, moment: datetime) -> None:
        mailbox = self._backend.mailbox
        handled = job.emails[:run.limit] if run.limit is not None else job.emails
        quarantined = 0
        for email in handled:
            recipient = email.recipient_address
            message = mailbox.find(email.internet_message_id, recipient)
            if not mailbox.has_mailbox(recipient):
                email.status = "UNKNOWN_MAILBOX"
                email.error_message = UNKNOWN_MAILBOX_MESSAGE.format(
                    email_id=email.id, recipient=recipient)
            elif message is None or recipient.lower() in message.quarantined:
                email.status = "NOT_FOUND"
                email.error_message = NOT_FOUND_MESSAGE.format(recipient=recipient)
            else:
                message.quarantined.add(recipient.lower())
                email.status, email.error_message = "QUARANTINED", None
                email.quarantined_date = moment
                email.ews_message_id, email.original_folder_id = _exchange_ids(email)
                quarantined += 1
        run.error = len(handled) - quarantined
        iocs = self._backend.iocs
        if quarantined and job.matching_iocs and iocs is not None:
            iocs.record_quarantine(job.matching_iocs, quarantined, moment)

    def _restore(self, job: QuarantineJob, moment: datetime) -> None:
        mailbox = self._backend.mailbox
        for email in job.emails:
            if email.status != "QUARANTINED":
                continue
            message = mailbox.find(email.internet_message_id, email.recipient_address)
            if message is not None:
                message.quarantined.discard(email.recipient_address.lower())
            email.status = "RESTORED"


def parse_quarantine_emails(value: Any) -> list[tuple[str, str]]:
    """(internet message id, recipient address) pairs of a quarantineEmails list.

    Raises:
        BadRequest: when the list is empty or an item lacks either field.
    """
    if not isinstance(value, list) or not value:
        raise BadRequest("quarantineEmails must be a non-empty list",
                         ["quarantineEmails"])
    pairs = []
    for index, item in enumerate(value):
        item = item if isinstance(item, dict) else {}
        message_id = item.get("internetMessageId")
        recipient = item.get("recipientAddress")
        if not all(isinstance(text, str) and text.strip()
                   for text in (message_id, recipient)):
            raise BadRequest("Each quarantine email needs an internetMessageId and a "
                             "recipientAddress", [f"quarantineEmails[{index}]"])
        pairs.append((message_id.strip(), recipient.strip()))
    return pairs


def parse_filter(options: Any) -> JobFilter:
    """A ``JobFilter`` from ``filterOptions``.

    Raises:
        BadRequest: for an unknown option, a value of the wrong type, an unknown status
            or a date that is not ISO 8601.
    """
    if options is None:
        return JobFilter()
    if not isinstance(options, dict):
        raise BadRequest("filterOptions must be an object", ["filterOptions"])
    unknown = sorted(set(options) - set(FILTER_OPTIONS))
    if unknown:
        raise BadRequest("Unknown filter options", unknown)

    auto = options.get("autoQuarantine")
    if auto is not None and not isinstance(auto, bool):
        raise BadRequest("autoQuarantine must be true or false", ["autoQuarantine"])
    return JobFilter(
        auto_quarantine=auto,
        include_status=_statuses(options, "includeStatus"),
        exclude_status=_statuses(options, "excludeStatus"),
        iocs=frozenset(text.lower() for text in _texts(options, "iocs")),
        sources=frozenset(text.lower() for text in _texts(options, "sources")),
        modified_after=_date_option(options, "modifiedDateAfter"),
    )


def _texts(options: dict, name: str) -> list[str]:
    values = options.get(name)
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"{name} must be a list of strings", [name])
    return values


def _statuses(options: dict, name: str) -> frozenset:
    values = _texts(options, name)
    unknown = [value for value in values if value not in STATUSES]
    if unknown:
        raise BadRequest(f"{name} holds unknown statuses",
                         [f"Statuses: {', '.join(STATUSES)}"])
    return frozenset(values)


def _date_option(options: dict, name: str) -> datetime | None:
    text = options.get(name)
    if text is None:
        return None
    try:
        return parse_utc(text)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} is not an ISO 8601 date", [name]) from None


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else naive_utc_iso(moment)


def _overlaps(wanted: frozenset, values: list[str]) -> bool:
    """True without wanted values, else whether any value is wanted (any case)."""
    return not wanted or bool(wanted & {value.lower() for value in values})


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _exchange_ids(email: QuarantineEmail) -> tuple[str, str]:
    """Stand-ins for the EWS item id and original folder id, stable per copy."""
    copy_key = f"{email.internet_message_id}|{email.recipient_address.lower()}"
    folder_key = f"inbox|{email.recipient_address.lower()}"
    return (_ews_id("AAMk", copy_key), _ews_id("AQMk", folder_key))


def _ews_id(prefix: str, key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return prefix + base64.b64encode(digest).decode("ascii")


# Jobs of the command reference's examples (8, 12, 100), one to delete (266) and one
# waiting for approval (430), in Vision's JSON shape with naive UTC dates.
SEEDED_JOBS = (
    {"id": 8, "createdBy": "testuser", "createdDate": "2022-07-07T07:36:09.097744",
     "modifiedBy": "system", "modifiedDate": "2022-07-20T05:37:41.585128",
     "stopRequested": True,
     "quarantineEmails": [
         {"id": 3, "recipientAddress": "abc@example.com",
          "internetMessageId": "<1341250439.1013918.1657064008682@af226d4cfbab>",
          "status": "NOT_FOUND", "createdDate": "2022-07-07T07:29:23.535483",
          "errorMessage": "No primary addresses were found for "
                          "3/xxxxx@muczynskicofense.onmicrosoft.com"}],
     "quarantineJobRuns": [
         {"id": 14, "jobRunType": "QUARANTINE", "status": "COMPLETED",
          "startedDate": "2022-07-07T07:36:20.035786",
          "completedDate": "2022-07-07T07:36:20.616526", "total": 1, "error": 1},
         {"id": 440, "jobRunType": "RESTORE", "status": "COMPLETED",
          "startedDate": "2022-07-20T05:37:41.585443",
          "completedDate": "2022-07-20T05:37:42.31125", "total": 1, "error": 0}]},
    {"id": 12, "createdBy": "testuser", "createdDate": "2022-07-07T09:19:07.29997",
     "modifiedBy": "system", "modifiedDate": "2022-08-09T11:23:22.074202",
     "quarantineEmails": [
         {"id": 1, "recipientAddress": "pqr@example.com",
          "internetMessageId": "<999389937.952188.1657035399834@af226d4cfbab>",
          "ewsMessageId": "AAMkADgyNjJmMzg0LTI1NjgtNDkzMi04OWM4LTQ0YmMxZGMyNjViOABGAAAA"
                          "AAA2/UgfwINITKjcFdr2xiIPBwDd+41JQMRFTYDq3CRJ00qJAABhEUxVAAD"
                          "d+41JQMRFTYDq3CRJ00qJAABoQNd2AAA=",
          "originalFolderId": "AQMkADgyNjJmMzg0LTI1NjgtNDkzMi04OWM4LTQ0AGJjMWRjMjY1Yj"
                              "gALgAAAzb9SB/Ag0hMqNwV2vbGIg8BAN37jUlAxEVNgOrcJEnTSokAAA"
                              "IBJAAAAA==",
          "status": "NOT_FOUND", "createdDate": "2022-07-07T06:46:34.76681",
          "quarantinedDate": "2022-07-15T09:24:59.469491",
          "errorMessage": "No primary addresses were found for "
                          "1/xxxxx@muczynskicofense.onmicrosoft.com"}],
     "quarantineJobRuns": [
         {"id": 45, "jobRunType": "QUARANTINE", "status": "COMPLETED",
          "startedDate": "2022-07-07T09:19:21.583128",
          "completedDate": "2022-07-07T09:19:22.014868", "total": 1, "error": 1},
         {"id": 839, "jobRunType": "RESTORE", "status": "COMPLETED",
          "startedDate": "2022-08-09T11:23:22.076621",
          "completedDate": "2022-08-09T11:23:22.578602", "total": 1, "error": 0}]},
    {"id": 100, "createdBy": "testuser", "createdDate": "2022-07-08T15:49:19.302416",
     "modifiedDate": "2022-08-09T11:36:35.996422", "searchId": 402,
     "stopRequested": True,
     "quarantineEmails": [
         {"id": 67, "recipientAddress": "abc@example.com",
          "internetMessageId": "<1178768708.1512835.1657295339501@af226d4cfbab>",
          "ewsMessageId": "AAMkAGJhMGUzOTc2LTYxNjEtNDRlYi1hNWRmLWQyMGE5ZWZkY2JlOQBGAAAA"
                          "AACYdf11Yr3QRIC86wUeQZguBwAMKVxfPrXHRbB4YDM6zXqKAABm5hr/AAA"
                          "MKVxfPrXHRbB4YDM6zXqKAABm5h7VAAA=",
          "originalFolderId": "AQMkAGJhMGUzOTc2LTYxNjEtNDQAZWItYTVkZi1kMjBhOWVmZGNiZT"
                              "kALgAAA5h1/XVivdBEgLzrBR5BmC4BAAwpXF8+tcdFsHhgMzrNeooAAA"
                              "IBDAAAAA==",
          "status": "NOT_FOUND", "createdDate": "2022-07-08T15:49:16.87704",
          "quarantinedDate": "2022-07-08T15:49:38.563419"},
         {"id": 76, "recipientAddress": "pqr@example.com",
          "internetMessageId": "<1178768708.1512835.1657295339501@af226d4cfbab>",
          "ewsMessageId": "AAMkADBkODY5OTkzLTFhMDMtNDUxZC05MTY4LTU1MWMzYmU2ZGM0YgBGAAAA"
                          "AADHqxFyD0K3TI6sCxIePsQSBwALsQhDVRPPQpNK3uNfrckFAABmyPjPAAA"
                          "LsQhDVRPPQpNK3uNfrckFAABmyPylAAA=",
          "originalFolderId": "AQMkADBkODY5OQEzLTFhMDMtNDUxZC05MTY4LTU1ADFjM2JlNmRjNG"
                              "IALgAAA8erEXIPQrdMjqwLEh4+xBIBAAuxCENVE89Ck0re41+tyQUAAA"
                              "IBDAAAAA==",
          "status": "NOT_FOUND", "createdDate": "2022-07-08T15:49:16.89515",
          "quarantinedDate": "2022-07-08T15:49:34.372725"}],
     "quarantineJobRuns": [
         {"id": 232, "jobRunType": "QUARANTINE", "status": "COMPLETED",
          "startedDate": "2022-07-08T15:49:25.956206",
          "completedDate": "2022-07-08T15:49:41.865254", "total": 10, "error": 0},
         {"id": 841, "jobRunType": "RESTORE", "status": "COMPLETED",
          "startedDate": "2022-08-09T11:36:22.344285",
          "completedDate": "2022-08-09T11:36:29.566425", "total": 10, "error": 0}]},
    {"id": 266, "createdBy": "testuser", "createdDate": "2022-07-25T10:02:14.512308",
     "quarantineEmails": [
         {"id": 4021, "recipientAddress": "alice.nguyen@example.com",
          "internetMessageId": "<266.4021.1658743334@mail.example.com>",
          "status": "NOT_FOUND", "createdDate": "2022-07-25T10:02:14.498817",
          "errorMessage": "The message was not found in the mailbox of "
                          "alice.nguyen@example.com"}],
     "quarantineJobRuns": [
         {"id": 612, "jobRunType": "QUARANTINE", "status": "FAILED",
          "startedDate": "2022-07-25T10:02:16.512308",
          "completedDate": "2022-07-25T10:02:17.512308", "total": 1, "error": 1}]},
    {"id": 430, "createdBy": "system", "createdDate": "2022-08-10T04:12:49.521774",
     "autoQuarantine": True, "matchingIOCs": ["bb931fec9d9672a9e307456133223b2e"],
     "matchingSources": ["Vision-UI"],
     "quarantineEmails": [
         {"id": 5576, "recipientAddress": "pqr@example.com",
          "internetMessageId": "<1216208547.160.1658930322668@6d14a4fa9033>",
          "status": "NEW", "createdDate": "2022-08-10T04:12:49.521774"},
         {"id": 5577, "recipientAddress": "abc@example.com",
          "internetMessageId": "<1216208547.160.1658930322668@6d14a4fa9033>",
          "status": "NEW", "createdDate": "2022-08-10T04:12:49.521774"}],
     "quarantineJobRuns": [
         {"id": 858, "jobRunType": "QUARANTINE", "status": "PENDING_APPROVAL",
          "total": 2, "error": 0}]},
)
# Job 100 holds ten emails; the reference shows the first (67) and the last (76).
JOB_100_MORE_RECIPIENTS = (
    "alice.nguyen@example.com", "bruno.keller@example.com", "chloe.martin@example.com",
    "dev.patel@example.com", "emma.rossi@example.com", "farid.haddad@example.com",
    "gina.lopez@example.com", "hugo.schmidt@example.com",
)


def seeded_jobs() -> list[QuarantineJob]:
    """Fresh job objects built from ``SEEDED_JOBS``."""
    jobs = [_job_from_seed(seed) for seed in SEEDED_JOBS]
    job_100 = next(job for job in jobs if job.id == 100)
    first, last = job_100.emails
    extra = [QuarantineEmail(first.id + number, recipient, first.internet_message_id,
                             first.created_date, status="NOT_FOUND")
             for number, recipient in enumerate(JOB_100_MORE_RECIPIENTS, start=1)]
    job_100.emails = [first, *extra, last]
    return jobs


def _job_from_seed(seed: dict) -> QuarantineJob:
    emails = [QuarantineEmail(
        id=item["id"], recipient_address=item["recipientAddress"],
        internet_message_id=item["internetMessageId"],
        created_date=parse_utc(item["createdDate"]), status=item["status"],
        error_message=item.get("errorMessage"),
        ews_message_id=item.get("ewsMessageId"),
        original_folder_id=item.get("originalFolderId"),
        quarantined_date=parse_optional_utc(item.get("quarantinedDate")),
    ) for item in seed["quarantineEmails"]]
    runs = [JobRun(
        id=item["id"], run_type=item["jobRunType"], status=item["status"],
        total=item["total"], error=item["error"],
        started_date=parse_optional_utc(item.get("startedDate")),
        completed_date=parse_optional_utc(item.get("completedDate")),
    ) for item in seed["quarantineJobRuns"]]
    return QuarantineJob(
        id=seed["id"], created_by=seed["createdBy"],
        created_date=parse_utc(seed["createdDate"]), emails=emails,
        auto_quarantine=seed.get("autoQuarantine", False),
        search_id=seed.get("searchId"),
        matching_iocs=list(seed.get("matchingIOCs", [])),
        matching_sources=list(seed.get("matchingSources", [])), runs=runs,
        stop_requested=seed.get("stopRequested", False),
        modified_by=seed.get("modifiedBy", ""),
        modified_date=parse_optional_utc(seed.get("modifiedDate")),
    )
