"""Message searches: stored criteria, and their evaluation against the mailbox.

Criteria are validated when a search is created and stored as sent, except the
received dates, which are reported like every search date: naive UTC. Results are worked
out afresh on every read, so they follow quarantines and restores as they happen; a
recipient's quarantined copy is not found, and a message whose every copy is quarantined
drops out of the results.
"""

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dateutil.parser import isoparse

from ..eml import url_domain
from ..errors import BadRequest, NotFound, UnprocessableEntity
from .clock import Clock, naive_utc_iso
from .mailbox import Mailbox, StoredMessage

SEARCHABLE_HEADERS = ("X-MS-Exchange-Organization-AuthSource", "X-Originating-IP")
MAX_CRITERIA_VALUES = 3
FIRST_NEW_SEARCH_ID = 1091
MATCH_TYPES = ("ANY", "ALL")
HASH_LENGTHS = {"MD5": 32, "SHA256": 64}
PATTERN_LISTS = ("subjects", "senders", "attachmentNames", "attachmentMimeTypes",
                 "attachmentExcludeMimeTypes")
PATTERN_STRINGS = ("recipient", "url")
DATE_FIELDS = ("receivedAfterDate", "receivedBeforeDate")
# Fields a search reports even when the request left them out.
DEFAULT_CRITERIA = {"attachmentHashCriteria": {"type": "ANY"},
                    "domainCriteria": {"type": "ANY"}}

# (id, created by, created date, criteria) of the searches the reference shows.
SEEDED_SEARCHES = (
    (430, "testuser", "2022-07-11T07:41:25.184255", {"recipient": "abc@example.com"}),
    (431, "testuser", "2022-07-11T07:42:58.176356",
     {"recipient": "pqr@example.com", "subjects": ["chalk1 time 1657035399833"]}),
    (655, "testuser", "2022-07-29T10:12:40.551203",
     {"subjects": ["Action required: invoice*"]}),
    (700, "testuser", "2022-08-02T19:05:08.035549", {}),
)


@dataclass
class Search:
    id: int
    criteria: dict
    created_by: str
    created_date: datetime
    modified_by: str
    modified_date: datetime
    matcher: "Matcher" = field(repr=False)

    def to_json(self) -> dict:
        return {
            **copy.deepcopy(self.criteria),
            "id": self.id,
            "createdBy": self.created_by,
            "createdDate": naive_utc_iso(self.created_date),
            "modifiedBy": self.modified_by,
            "modifiedDate": naive_utc_iso(self.modified_date),
        }


class SearchStore:
    """Creates, lists and evaluates searches."""

    def __init__(self, clock: Clock, mailbox: Mailbox,
                 searchable_headers: tuple[str, ...] = SEARCHABLE_HEADERS):
        self.clock = clock
        self.mailbox = mailbox
        self.searchable_headers = list(searchable_headers)
        self._searches: dict[int, Search] = {}
        self._next_id = FIRST_NEW_SEARCH_ID
        for search_id, author, created, criteria in SEEDED_SEARCHES:
            moment = datetime.fromisoformat(created).replace(tzinfo=timezone.utc)
            self._store(search_id, criteria, author, moment)

    @property
    def searches(self) -> list[Search]:
        return list(self._searches.values())

    def create(self, body: Any, client_id: str) -> Search:
        """Validates the criteria and stores a new search.

        Raises:
            BadRequest: when the body is not an object or a criterion is malformed.
            UnprocessableEntity: when a header criterion names a header that is not
                searchable.
        """
        search = self._store(self._next_id, body, client_id, self.clock.now())
        self._next_id += 1
        return search

    def get(self, search_id: int) -> Search:
        """The search with this id.

        Raises:
            NotFound: when there is none.
        """
        search = self._searches.get(search_id)
        if search is None:
            raise NotFound(details=[f"No search with id {search_id}"])
        return search

    def results(self, search_id: int) -> tuple[Search, list[StoredMessage]]:
        """The search and every message it matches now, in ingest order."""
        search = self.get(search_id)
        return search, [item for item in self.mailbox.messages
                        if search.matcher.matches(item)]

    def _store(self, search_id: int, body: Any, author: str,
               moment: datetime) -> Search:
        matcher = Matcher(body, self.searchable_headers)
        criteria = {key: value for key, value in body.items() if _present(value)}
        for name, bound in zip(DATE_FIELDS, (matcher.after, matcher.before)):
            if bound is not None:
                criteria[name] = naive_utc_iso(bound)
        for key, default in DEFAULT_CRITERIA.items():
            criteria[key] = {**default, **criteria.get(key, {})}
        search = Search(search_id, criteria, author, moment, author, moment, matcher)
        self._searches[search_id] = search
        return search


class Matcher:
    """Parsed search criteria that tell whether a message matches.

    Raises:
        BadRequest: when a criterion is malformed or holds more than three values.
        UnprocessableEntity: when a header criterion names an unsearchable header.
    """

    def __init__(self, body: Any, searchable_headers: list[str]):
        if not isinstance(body, dict):
            raise BadRequest("The search criteria must be a JSON object")
        self.patterns = {name: [wildcard(value) for value in _strings(body, name)]
                         for name in PATTERN_LISTS}
        for name in PATTERN_STRINGS:
            value = _string(body, name)
            self.patterns[name] = [wildcard(value)] if value else []
        self.message_id = _string(body, "internetMessageId")
        self.after, self.before = (_date(body, name) for name in DATE_FIELDS)
        self.partial_ingest = _boolean(body, "partialIngest")
        self.hash_type, self.hashes = _hash_criteria(body.get("attachmentHashCriteria"))
        self.domain_type, self.domains, self.whitelist = _domain_criteria(
            body.get("domainCriteria"))
        self.headers = _header_criteria(body.get("headers"), searchable_headers)

    def matches(self, message: StoredMessage) -> bool:
        """Whether a copy that is not quarantined meets every criterion."""
        recipients = message.visible_recipients()
        if not recipients or (message.partial_ingest and not self.partial_ingest):
            return False
        return (self._id_and_date_match(message)
                and self._patterns_match(message, recipients)
                and self._hashes_match(message) and self._domains_match(message)
                and self._headers_match(message))

    def _id_and_date_match(self, message: StoredMessage) -> bool:
        wanted_id = self.message_id
        if wanted_id is not None and message.internet_message_id != wanted_id:
            return False
        received_on = message.received_on
        if self.after is not None and received_on < self.after:
            return False
        return self.before is None or received_on <= self.before

    def _patterns_match(self, message: StoredMessage, recipients: list) -> bool:
        mime_types = _mime_types(message.attachments)
        checks = (
            ("subjects", [message.subject]),
            ("senders", message.sender_addresses),
            ("recipient", [person.address for person in recipients]),
            ("attachmentNames", [item.filename for item in message.attachments]),
            ("url", message.urls),
            ("attachmentMimeTypes", mime_types),
        )
        if not all(_any_match(self.patterns[name], values) for name, values in checks):
            return False
        excluded = self.patterns["attachmentExcludeMimeTypes"]
        return not (excluded and _any_match(excluded, mime_types))

    def _hashes_match(self, message: StoredMessage) -> bool:
        if not self.hashes:
            return True
        present = {("MD5", item.md5) for item in message.attachments}
        present |= {("SHA256", item.sha256) for item in message.attachments}
        found = [wanted in present for wanted in self.hashes]
        return all(found) if self.hash_type == "ALL" else any(found)

    def _domains_match(self, message: StoredMessage) -> bool:
        if not self.domains:
            return True
        counted = [url for url in message.urls
                   if not any(pattern.fullmatch(url) for pattern in self.whitelist)]
        hosts = {host for host in map(url_domain, counted) if host}
        found = [any(host == domain or host.endswith(f".{domain}") for host in hosts)
                 for domain in self.domains]
        return all(found) if self.domain_type == "ALL" else any(found)

    def _headers_match(self, message: StoredMessage) -> bool:
        for name, patterns in self.headers:
            values = [value for key, value in message.headers if key.lower() == name]
            if not values or not _any_match(patterns, values):
                return False
        return True


def wildcard(text: str) -> re.Pattern:
    """A case-insensitive pattern for the whole text; ``*`` stands for anything."""
    parts = (re.escape(part) for part in text.split("*"))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def _any_match(patterns: list[re.Pattern], values: list[str]) -> bool:
    """True without patterns; otherwise whether any pattern matches any value."""
    if not patterns:
        return True
    return any(pattern.fullmatch(value) for pattern in patterns for value in values)


def _mime_types(attachments) -> list[str]:
    kinds = set()
    for item in attachments:
        kinds.update(kind for kind in (item.content_type, item.detected_content_type)
                     if kind)
    return sorted(kinds)


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != "" and value != {}


def _strings(body: dict, name: str) -> list[str]:
    values = body.get(name)
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"{name} must be a list of strings", [name])
    if len(values) > MAX_CRITERIA_VALUES:
        raise BadRequest(f"{name} holds more than {MAX_CRITERIA_VALUES} values", [name])
    return [value for value in values if value.strip()]


def _string(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string", [name])
    return value


def _boolean(body: dict, name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false", [name])
    return value


def _date(body: dict, name: str) -> datetime | None:
    text = _string(body, name)
    if text is None:
        return None
    try:
        moment = isoparse(text)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name} is not an ISO 8601 date: {text[:40]}",
                         [name]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _match_type(criteria: dict, name: str) -> str:
    kind = criteria.get("type", "ANY")
    if kind not in MATCH_TYPES:
        raise BadRequest(f"{name}.type must be ANY or ALL", [f"{name}.type"])
    return kind


def _object(value: Any, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be an object", [name])
    return value


def _hash_criteria(value: Any) -> tuple[str, list[tuple[str, str]]]:
    name = "attachmentHashCriteria"
    criteria = _object(value, name)
    entries = criteria.get("attachmentHashes") or []
    if not isinstance(entries, list) or len(entries) > MAX_CRITERIA_VALUES:
        raise BadRequest(f"{name}.attachmentHashes must be a list of at most "
                         f"{MAX_CRITERIA_VALUES} hashes", [f"{name}.attachmentHashes"])
    hashes = []
    for entry in entries:
        entry = entry if isinstance(entry, dict) else {}
        hash_type = str(entry.get("hashType", "")).upper()
        text = str(entry.get("hashString", "")).lower()
        valid = re.fullmatch(r"[0-9a-f]+", text) is not None
        if HASH_LENGTHS.get(hash_type) != len(text) or not valid:
            raise BadRequest("Each attachment hash needs hashType MD5 or SHA256 and "
                             "a hex hashString of that length",
                             [f"{name}.attachmentHashes"])
        hashes.append((hash_type, text))
    return _match_type(criteria, name), hashes


def _domain_criteria(value: Any) -> tuple[str, list[str], list[re.Pattern]]:
    name = "domainCriteria"
    criteria = _object(value, name)
    domains = _strings(criteria, "domains")
    whitelist = _strings(criteria, "whiteListUrls")
    cleaned = [domain.strip().lower().rstrip(".") for domain in domains]
    return _match_type(criteria, name), cleaned, [wildcard(url) for url in whitelist]


def _header_criteria(value: Any, searchable: list[str]) -> list[tuple[str, list]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_CRITERIA_VALUES:
        raise BadRequest(f"headers must be a list of at most {MAX_CRITERIA_VALUES} "
                         "entries", ["headers"])
    allowed = {header.lower() for header in searchable}
    criteria = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise BadRequest("Each header criterion needs a key and values",
                             ["headers"])
        key = entry["key"].strip()
        if key.lower() not in allowed:
            raise UnprocessableEntity(f"Header {key[:80]} is not a searchable header",
                                      [f"Searchable headers: {', '.join(searchable)}"])
        patterns = [wildcard(item) for item in _strings(entry, "values")]
        criteria.append((key.lower(), patterns))
    return criteria
