"""The IOC Repository: IOCs per source, their expiry and their matches in the mailbox.

An IOC is one threat type and value; each source that delivered it keeps its own view
(threat level, its id, its dates), and the repository keeps the quarantine metadata.
Active IOCs are matched against every archived message, and the matches are recomputed
whenever an IOC is added, changed, deleted or expires on the emulator clock.
Not emulated: JSON:API links and paging metadata, and per-source deletion.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any, Iterable, NamedTuple

from dateutil.parser import isoparse

from ..errors import BadRequest, NotFound, UnprocessableEntity
from .clock import offset_iso
from .mailbox import StoredMessage
from .searches import wildcard

SOURCE_HEADER = "X-Cofense-IOC-Source"
SOURCE_PATTERN = re.compile(r"[A-Za-z0-9._~-]+")
THREAT_TYPES = ("DOMAIN", "MD5", "SENDER", "SHA256", "SUBJECT", "URL")
DEFAULT_LIFETIME = timedelta(days=14)
# When the command reference's IOC examples were taken. On a later clock the seeded
# expiries move forward by the difference, so the seeds stay as active as they were.
SEED_SNAPSHOT = datetime(2022, 8, 10, 4, 25, 24, 909000, tzinfo=timezone.utc)

log = logging.getLogger(__name__)


def ioc_id(threat_type: str, threat_value: str) -> str:
    """The repository's id: MD5 of the UTF-8 upper-cased threat type and the value."""
    return hashlib.md5(f"{threat_type.upper()}{threat_value}".encode()).hexdigest()


def check_source(source: str | None) -> str:
    """The IOC source of a request's ``X-Cofense-IOC-Source`` header.

    Raises:
        BadRequest: when the header is missing or blank.
        UnprocessableEntity: when it holds characters other than letters, digits and
            ``- . _ ~``.
    """
    if source is None or not source.strip():
        raise BadRequest(f"Required header {SOURCE_HEADER} is missing", [SOURCE_HEADER])
    if not SOURCE_PATTERN.fullmatch(source):
        raise UnprocessableEntity(
            f"{SOURCE_HEADER} may hold only letters, digits and the characters - . _ ~",
            [SOURCE_HEADER])
    return source


def parse_utc(text: str) -> datetime:
    """An ISO 8601 date as aware UTC; a date without offset is taken as UTC.

    Raises:
        TypeError, ValueError: when text is not an ISO 8601 string.
    """
    moment = isoparse(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_optional_utc(text: str | None) -> datetime | None:
    """``parse_utc`` for a date that may be absent (None)."""
    return None if text is None else parse_utc(text)


@dataclass
class SourceView:
    """What one source said about an IOC, and when it last said it."""

    threat_level: str
    source_id: str
    created_at: datetime | None
    updated_at: datetime | None
    requested_expiration: datetime | None
    delivered: tuple[datetime, int]

    def to_json(self) -> dict:
        return {
            "threat_level": self.threat_level,
            "id": self.source_id,
            "created_at": _offset_or_none(self.created_at),
            "updated_at": _offset_or_none(self.updated_at),
            "requested_expiration": _offset_or_none(self.requested_expiration),
        }


@dataclass
class Ioc:
    """One IOC with every source's view and the repository's quarantine metadata.

    Attributes:
        updated: (time, sequence) of the latest change, for sorting, ``since`` and ties
            on a frozen clock.
        earlier_matches: messages matched before the emulator's archive began (seeds).
        matches: ids of archived messages the IOC matches now.
    """

    id: str
    threat_type: str
    threat_value: str
    created_at: datetime
    expires_at: datetime
    updated: tuple[datetime, int]
    sources: dict[str, SourceView] = field(default_factory=dict)
    first_quarantined_at: datetime | None = None
    last_quarantined_at: datetime | None = None
    earlier_matches: int = 0
    quarantine_count: int = 0
    matches: set[int] = field(default_factory=set)

    @property
    def wildcard(self) -> bool:
        return self.threat_type == "SUBJECT" and "*" in self.threat_value

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def to_json(self, source: str | None, now: datetime) -> dict:
        """The IOC object; metadata.source is the given source's view, or None."""
        view = self.sources.get(source) if source else None
        return {
            "id": self.id,
            "type": "ioc",
            "attributes": {"threat_type": self.threat_type,
                           "threat_value": self.threat_value},
            "metadata": {
                "source": None if view is None else view.to_json(),
                "quarantine": {
                    "source_names": list(self.sources),
                    "expires_at": offset_iso(self.expires_at),
                    "created_at": offset_iso(self.created_at),
                    "first_quarantined_at": _offset_or_none(self.first_quarantined_at),
                    "last_quarantined_at": _offset_or_none(self.last_quarantined_at),
                    "match_count": self.earlier_matches + len(self.matches),
                    "quarantine_count": self.quarantine_count,
                    "expired": self.expired(now),
                    "wildcard": self.wildcard,
                },
            },
        }


class Delivery(NamedTuple):
    """One validated item of an upsert."""

    threat_type: str
    threat_value: str
    threat_level: str
    source_id: str
    created_at: datetime
    updated_at: datetime | None
    requested_expiration: datetime | None


class IocRepository:
    """Every IOC, seeded ones first, and their matches in the mailbox.

    Args:
        backend: the emulator's ``Backend``; its clock, mailbox, settings and quarantine
            store are read when needed.
    """

    def __init__(self, backend):
        self._backend = backend
        self._iocs: dict[str, Ioc] = {}
        self._ids_by_value: dict[tuple[str, str], str] = {}
        self._sequence = count()
        self._next_expiry: datetime | None = None
        for ioc in seeded_iocs(self._now(), self._sequence):
            self._store(ioc)
        self.refresh_matches()

    @property
    def iocs(self) -> list[Ioc]:
        self.settle()
        return list(self._iocs.values())

    def settle(self) -> None:
        """Recomputes the matches when an active IOC has expired since the last time."""
        if self._next_expiry is not None and self._now() >= self._next_expiry:
            self.refresh_matches()

    def select(self, source: str, *, include_expired: bool = False,
             since: datetime | None = None) -> list[Ioc]:
        """The IOCs this source delivered, in the order they were first stored.

        Args:
            include_expired: also list expired IOCs.
            since: only IOCs added or updated after this moment.
        """
        now = self._now()
        return [ioc for ioc in self.iocs
                if source in ioc.sources
                and (include_expired or not ioc.expired(now))
                and (since is None or ioc.updated[0] > since)]

    def get(self, wanted_id: str) -> Ioc:
        """The IOC with this id (any case).

        Raises:
            NotFound: when there is none.
        """
        self.settle()
        ioc = self._iocs.get(str(wanted_id).lower())
        if ioc is None:
            raise NotFound(details=[f"No IOC with id {str(wanted_id)[:64]}"])
        return ioc

    def last(self, source: str) -> Ioc | None:
        """The IOC this source delivered last, active or expired; None if none."""
        delivered = [ioc for ioc in self.iocs if source in ioc.sources]
        if not delivered:
            return None
        return max(delivered, key=lambda ioc: ioc.sources[source].delivered)

    def upsert(self, source: str, body: Any) -> list[Ioc]:
        """Adds or updates every item of ``{"data": [...]}`` for this source.

        An item updates the IOC of the same threat type and value, keeping its id;
        otherwise it becomes a new IOC. Either every item is stored or none is.

        Raises:
            BadRequest: when the body or an item is malformed.
        """
        deliveries = parse_upsert(body)
        self.settle()
        now = self._now()
        stored = [self._deliver(source, item, now) for item in deliveries]
        matched_before = {ioc.id: set(ioc.matches) for ioc in stored}

        self.refresh_matches()
        log.debug("IOC upsert stored %d items", len(stored))

        if self._backend.settings.get("autoQuarantine"):
            self._auto_quarantine(stored, matched_before)
        return stored

    def set_expiry(self, wanted_id: str, body: Any) -> Ioc:
        """Sets ``metadata.quarantine.expires_at``; a past moment expires the IOC.

        Raises:
            NotFound: for an unknown id.
            BadRequest: when the body does not carry an ISO 8601 expires_at.
        """
        ioc = self.get(wanted_id)
        expires_at = parse_expiry(body)
        ioc.expires_at = expires_at
        ioc.updated = self._stamp()
        self.refresh_matches()
        return ioc

    def delete(self, wanted_id: str) -> Ioc:
        """Removes the IOC for every source and returns it as it was."""
        ioc = self.get(wanted_id)
        del self._iocs[ioc.id]
        del self._ids_by_value[(ioc.threat_type, ioc.threat_value)]
        self.refresh_matches()
        log.debug("IOC %s deleted", ioc.id)
        return ioc

    def view(self, ioc: Ioc, source: str | None) -> dict:
        """The IOC object as this source sees it, judged on the clock."""
        return ioc.to_json(source, self._now())

    def describe(self, ids: Iterable[str], sources: Iterable[str]) -> list[dict]:
        """IOC objects for the ids still in the repository, seen by the first source."""
        source = next(iter(sources), None)
        return [self.view(self._iocs[wanted], source) for wanted in ids
                if wanted in self._iocs]

    def record_quarantine(self, ids: Iterable[str], quarantined: int,
                          moment: datetime) -> None:
        """Counts copies a job quarantined because of these IOCs."""
        for ioc in (self._iocs[wanted] for wanted in ids if wanted in self._iocs):
            ioc.quarantine_count += quarantined
            ioc.first_quarantined_at = ioc.first_quarantined_at or moment
            ioc.last_quarantined_at = moment

    def refresh_matches(self) -> None:
        """Matches every active IOC against every message and records the results."""
        now = self._now()
        active = [ioc for ioc in self._iocs.values() if not ioc.expired(now)]
        index = MatchIndex(active)
        for ioc in self._iocs.values():
            ioc.matches = set()
        for message in self._backend.mailbox.messages:
            matched = index.match(message)
            for ioc in matched:
                ioc.matches.add(message.id)
            message.matching_iocs = [ioc.id for ioc in matched]
            message.matching_sources = sorted({name for ioc in matched
                                               for name in ioc.sources})
        self._next_expiry = min((ioc.expires_at for ioc in active), default=None)

    def _now(self) -> datetime:
        return self._backend.clock.now()

    def _stamp(self) -> tuple[datetime, int]:
        return self._now(), next(self._sequence)

    def _store(self, ioc: Ioc) -> None:
        self._iocs[ioc.id] = ioc
        self._ids_by_value[(ioc.threat_type, ioc.threat_value)] = ioc.id

    def _deliver(self, source: str, item: Delivery, now: datetime) -> Ioc:
        expires_at = item.requested_expiration or now + DEFAULT_LIFETIME
        stamp = self._stamp()
        key = (item.threat_type, item.threat_value)
        ioc = self._iocs.get(self._ids_by_value.get(key, ""))
        if ioc is None:
            ioc = Ioc(ioc_id(*key), *key, created_at=now, expires_at=expires_at,
                      updated=stamp)
            self._store(ioc)
        ioc.expires_at, ioc.updated = expires_at, stamp
        ioc.sources[source] = SourceView(
            item.threat_level, item.source_id, item.created_at,
            item.updated_at or now, expires_at, stamp)
        return ioc

    def _auto_quarantine(self, stored: list[Ioc],
                         matched_before: dict[str, set[int]]) -> None:
        """Creates one auto-quarantine job for the copies the upsert newly matched."""
        new_ids = {ioc.id: ioc.matches - matched_before[ioc.id] for ioc in stored}
        triggering = [ioc for ioc in _unique_iocs(stored) if new_ids[ioc.id]]
        message_ids = set().union(*new_ids.values())
        pairs = [(message.internet_message_id, person.address)
                 for message in self._backend.mailbox.messages
                 if message.id in message_ids
                 for person in message.visible_recipients()]
        if not pairs or self._backend.quarantine is None:
            return
        sources = [name for ioc in triggering for name in ioc.sources]
        self._backend.quarantine.create_auto_job(
            pairs, [ioc.id for ioc in triggering], list(dict.fromkeys(sources)),
            pending=bool(self._backend.settings.get("autoQuarantineApproval")))


class MatchIndex:
    """Active IOCs arranged for look-up by the values a message carries."""

    def __init__(self, iocs: Iterable[Ioc]):
        self._exact: dict[tuple[str, str], list[Ioc]] = {}
        self._patterns: list[tuple[re.Pattern, Ioc]] = []
        for ioc in iocs:
            if ioc.wildcard:
                self._patterns.append((wildcard(ioc.threat_value), ioc))
            else:
                key = (ioc.threat_type, _normalised(ioc.threat_type, ioc.threat_value))
                self._exact.setdefault(key, []).append(ioc)

    def match(self, message: StoredMessage) -> list[Ioc]:
        """The IOCs that match the message, ordered by id."""
        found = {}
        for key in message_keys(message):
            for ioc in self._exact.get(key, ()):
                found[ioc.id] = ioc
        for pattern, ioc in self._patterns:
            if pattern.fullmatch(message.subject or ""):
                found[ioc.id] = ioc
        return [found[key] for key in sorted(found)]


def message_keys(message: StoredMessage) -> set[tuple[str, str]]:
    """(threat type, normalised value) of everything in a message an IOC can match.

    A domain also yields its parent domains, so an IOC for a domain matches subdomains.
    """
    keys = {("SUBJECT", _normalised("SUBJECT", message.subject or ""))}
    keys |= {("SENDER", address.lower()) for address in message.sender_addresses}
    keys |= {("URL", url) for url in message.urls}
    for attachment in message.attachments:
        keys |= {("MD5", attachment.md5.lower()), ("SHA256", attachment.sha256.lower())}
    for host in message.domains:
        labels = host.split(".")
        keys |= {("DOMAIN", ".".join(labels[start:])) for start in range(len(labels))}
    return keys


def _normalised(threat_type: str, value: str) -> str:
    """The form in which values of this type are compared (URLs compare exactly)."""
    if threat_type == "URL":
        return value
    if threat_type == "DOMAIN":
        return value.strip().lower().rstrip(".")
    return value.strip().lower()


def parse_upsert(body: Any) -> list[Delivery]:
    """The items of an upsert body ``{"data": [item, ...]}`` (or one item).

    Raises:
        BadRequest: naming the first malformed item.
    """
    data = body.get("data") if isinstance(body, dict) else None
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise BadRequest("data must be a non-empty list of IOCs", ["data"])
    return [_delivery(item, f"data[{index}]") for index, item in enumerate(items)]


def _delivery(item: Any, where: str) -> Delivery:
    item = item if isinstance(item, dict) else {}
    if item.get("type", "ioc") != "ioc":
        raise BadRequest(f"{where}.type must be ioc", [f"{where}.type"])
    attributes = _member(item, "attributes", where)
    source = _member(_member(item, "metadata", where), "source", f"{where}.metadata")

    threat_type = _text(attributes, "threat_type", f"{where}.attributes").upper()
    if threat_type not in THREAT_TYPES:
        raise BadRequest(f"{where}.attributes.threat_type must be one of "
                         f"{', '.join(THREAT_TYPES)}",
                         [f"{where}.attributes.threat_type"])
    where_source = f"{where}.metadata.source"
    return Delivery(
        threat_type=threat_type,
        threat_value=_text(attributes, "threat_value", f"{where}.attributes"),
        threat_level=_text(source, "threat_level", where_source),
        source_id=_text(source, "id", where_source, allow_blank=True),
        created_at=_date(source, "created_at", where_source, required=True),
        updated_at=_date(source, "updated_at", where_source),
        requested_expiration=_date(source, "requested_expiration", where_source),
    )


def parse_expiry(body: Any) -> datetime:
    """``data.metadata.quarantine.expires_at`` of a set-expiry body.

    Raises:
        BadRequest: when it is missing or not ISO 8601.
    """
    data = body.get("data") if isinstance(body, dict) else None
    where = "data"
    if not isinstance(data, dict) or data.get("type", "ioc") != "ioc":
        raise BadRequest("data must be an IOC object", [where])
    quarantine = _member(_member(data, "metadata", where), "quarantine",
                         f"{where}.metadata")
    return _date(quarantine, "expires_at", f"{where}.metadata.quarantine",
                 required=True)


def _member(parent: dict, name: str, where: str) -> dict:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise BadRequest(f"{where}.{name} must be an object", [f"{where}.{name}"])
    return value


def _text(parent: dict, name: str, where: str, *, allow_blank: bool = False) -> str:
    value = parent.get(name)
    if not isinstance(value, str) or not (allow_blank or value.strip()):
        raise BadRequest(f"{where}.{name} must be a non-empty string",
                         [f"{where}.{name}"])
    return value


def _date(parent: dict, name: str, where: str, *,
          required: bool = False) -> datetime | None:
    value = parent.get(name)
    if value is None and not required:
        return None
    try:
        return parse_utc(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{where}.{name} must be an ISO 8601 date",
                         [f"{where}.{name}"]) from None


def _offset_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else offset_iso(moment)


def _unique_iocs(iocs: list[Ioc]) -> list[Ioc]:
    return list({ioc.id: ioc for ioc in iocs}.values())


class IocSeed(NamedTuple):
    """A seeded IOC as the command reference shows it (dates are UTC)."""

    id: str
    threat_type: str
    threat_value: str
    threat_level: str
    source_id: str
    source_created: str
    source_updated: str
    created_at: str
    expires_at: str
    delivered: str
    first_quarantined_at: str | None = None
    last_quarantined_at: str | None = None
    earlier_matches: int = 0
    quarantine_count: int = 0


SEED_SOURCE = "Vision-UI"
# The reference's ids are not MD5 of type and value; they are kept as documented. Each
# was delivered by Vision-UI at ``delivered``, in this order (list and last rely on it).
SEEDED_IOCS = (
    IocSeed("088dc5454129d776b4a1484b71bb71b0", "DOMAIN", "qwe", "very_high",
            "e3026f0c154395767993f34cc71b13e3", "2022-07-29T00:00:00.000",
            "2022-07-29T00:00:00.000", "2022-07-29T07:09:39.849",
            "2022-08-12T07:09:39.849", "2022-07-29T07:09:39.849"),
    IocSeed("1627363590bae65d9497e0e02bc412b4", "DOMAIN", "fgh", "High",
            "709d185bd891a61dedbcea8040a24a95", "2022-02-02T00:00:00.000",
            "2022-08-03T00:00:00.000", "2022-08-03T09:20:26.808",
            "2022-08-17T09:20:26.808", "2022-08-03T09:20:26.808"),
    IocSeed("0c7aff000d37b4a600eb676a473fa5b1", "DOMAIN", "test", "minor", "test",
            "2022-12-09T00:00:00.000", "2022-09-12T06:55:56.000",
            "2022-09-12T06:55:57.305", "2022-09-26T06:55:57.305",
            "2022-08-05T06:55:57.305"),
    IocSeed("bb78c7a2f8c9eea5b9c5a30eb8c9069b", "DOMAIN", "test.com", "Malicious",
            "test",
            "2022-08-08T00:00:00.000", "2022-08-08T00:00:00.000",
            "2022-08-08T09:17:11.188", "2022-08-22T09:17:11.188",
            "2022-08-08T09:17:11.188"),
    IocSeed("bb931fec9d9672a9e307456133223b2e", "SUBJECT", "test-subject", "Low", " ",
            "2022-08-10T04:12:45.064", "2022-08-10T04:12:45.064",
            "2022-08-10T04:12:49.003", "2022-08-24T18:29:59.999",
            "2022-08-10T04:12:49.003", first_quarantined_at="2022-08-10T04:12:49.424",
            last_quarantined_at="2022-08-10T04:12:49.424", earlier_matches=1,
            quarantine_count=10),
)


def seeded_iocs(now: datetime, sequence) -> list[Ioc]:
    """Fresh IOC objects from ``SEEDED_IOCS``, expiries moved if the clock is later.

    Args:
        now: the clock at reset; past ``SEED_SNAPSHOT`` the expiries move forward by
            the difference.
        sequence: the repository's counter of changes.
    """
    shift = max(now - SEED_SNAPSHOT, timedelta())
    iocs = []
    for seed in SEEDED_IOCS:
        expires_at = parse_utc(seed.expires_at) + shift
        delivered = (parse_utc(seed.delivered), next(sequence))
        view = SourceView(
            seed.threat_level, seed.source_id, parse_utc(seed.source_created),
            parse_utc(seed.source_updated), expires_at, delivered)
        iocs.append(Ioc(
            seed.id, seed.threat_type, seed.threat_value,
            created_at=parse_utc(seed.created_at), expires_at=expires_at,
            updated=delivered, sources={SEED_SOURCE: view},
            first_quarantined_at=parse_optional_utc(seed.first_quarantined_at),
            last_quarantined_at=parse_optional_utc(seed.last_quarantined_at),
            earlier_matches=seed.earlier_matches,
            quarantine_count=seed.quarantine_count,
        ))
    return iocs
