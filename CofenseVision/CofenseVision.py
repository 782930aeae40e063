"""Cofense Vision integration for Cortex XSOAR.

Hunts stored emails with Vision's message searches, downloads messages and attachments,
runs quarantine jobs and keeps the local IOC repository, with reputation for every IOC.
The client is transport only; commands validate every argument before any request is made,
and nothing here logs a payload, a token or a secret.
"""
import demistomock as demisto  # noqa: F401
from CommonServerPython import *  # noqa: F401

import calendar
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

import requests
from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta
from requests.adapters import HTTPAdapter

# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

INTEGRATION_NAME = "Cofense Vision"


class Paths:
    """Every Vision endpoint this integration calls, relative to the server URL."""

    TOKEN = "/uaa/oauth/token"
    MESSAGE_METADATA = "/api/v4/messages/metadata"
    MESSAGES = "/api/v4/messages"
    ATTACHMENT = "/api/v4/attachment"
    SEARCHES = "/api/v4/searches"
    SEARCH = "/api/v4/searches/{id}"
    SEARCH_RESULTS = "/api/v4/searches/{id}/results"
    SEARCHABLE_HEADERS = "/api/v4/config/searchableHeaders"
    QUARANTINE_JOBS = "/api/v4/quarantineJobs"
    QUARANTINE_JOBS_FILTER = "/api/v4/quarantineJobs/filter"
    QUARANTINE_JOB = "/api/v4/quarantineJobs/{id}"
    QUARANTINE_JOB_ACTION = "/api/v4/quarantineJobs/{id}/{action}"
    IOCS = "/iocrepository/v1/iocs"
    IOC = "/iocrepository/v1/iocs/{id}"
    LAST_IOC = "/iocrepository/v1/iocs/last"


# The POSTs that create nothing, and so may be sent again; every other POST creates.
REPEATABLE_POSTS = frozenset({Paths.TOKEN, Paths.QUARANTINE_JOBS_FILTER})


TOKEN_RENEWAL_MARGIN_SECONDS = 60
DEFAULT_TIMEOUT_SECONDS = 60
RETRY_ATTEMPTS = 3
RETRY_BACKOFF_FACTOR_SECONDS = 0.5
RETRY_BACKOFF_JITTER_SECONDS = 0.25
RETRY_AFTER_CAP_SECONDS = 30
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
DOWNLOAD_CHUNK_BYTES = 1024 * 1024

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 2000
MAX_CRITERIA_VALUES = 3
MAX_DIGITS = 18  # whole-number arguments: beyond this no bound of Vision's is reached
IOC_BATCH_SIZE = 500
# Vision wants a source header on every IOC call, but cofense-ioc-update has no source argument
# (and it is optional for cofense-ioc-get); this name stands in until the command takes one.
DEFAULT_IOC_SOURCE = "XSOAR"
MAX_FILE_NAME_LENGTH = 128
DEFAULT_POLL_INTERVAL_SECONDS = 10
DEFAULT_POLL_TIMEOUT_SECONDS = 600

SEARCH_SORT_KEYS = (
    "id", "createdBy", "createdDate", "modifiedBy", "modifiedDate",
    "receivedAfterDate", "receivedBeforeDate",
)
RESULTS_SORT_KEYS = (
    "id", "subject", "createdOn", "sentOn", "htmlBody", "md5", "sha1", "sha256", "processedOn",
)
QUARANTINE_SORT_KEYS = (
    "id", "createdBy", "createdDate", "modifiedBy", "modifiedDate", "stopRequested",
)
IOC_SORT_KEYS = ("updatedAt",)
JOB_STATUSES = ("NEW", "PENDING_APPROVAL", "QUEUED", "RUNNING", "COMPLETED", "FAILED")
FINISHED_JOB_STATUSES = frozenset({"COMPLETED", "FAILED"})
MATCH_CRITERIA = ("ANY", "ALL")
HASH_LENGTHS = {"MD5": 32, "SHA256": 64}
THREAT_TYPES = ("DOMAIN", "MD5", "SENDER", "SHA256", "SUBJECT", "URL")

DEFAULT_THREAT_LEVEL_SCORES = {
    "low": Common.DBotScore.GOOD,
    "suspicious": Common.DBotScore.SUSPICIOUS,
    "moderate": Common.DBotScore.SUSPICIOUS,
    "substantial": Common.DBotScore.SUSPICIOUS,
    "malicious": Common.DBotScore.BAD,
    "severe": Common.DBotScore.BAD,
    "critical": Common.DBotScore.BAD,
    "high": Common.DBotScore.BAD,
}

IOC_SOURCE_PATTERN = re.compile(r"[A-Za-z0-9._~-]+")
HEX_PATTERN = re.compile(r"[0-9a-fA-F]+")
POSITIVE_ID_PATTERN = re.compile(r"[1-9][0-9]{0,17}")
DOWNLOAD_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9-]{1,128}")
EMAIL_ADDRESS_PATTERN = re.compile(r"[^@\s<>,;:]+@[^@\s<>,;:]+")
MESSAGE_ID_PATTERN = re.compile(r"<[^<>\s]+>")
EXPIRY_TOLERANCE = timedelta(minutes=1)  # clock skew between this host and Vision
PAST_DURATION_PATTERN = re.compile(r"^\s*-|\bago\b", re.IGNORECASE)
# One header value and the colon after it (or the end): [bracketed] text keeps its colons.
HEADER_VALUE_PATTERN = re.compile(r"\s*(\[[^\[\]]*\]\s*|[^:\[\s][^:]*|)(?::|$)")
RELATIVE_DATE_PATTERN = re.compile(
    r"(\d{1,6})\s*(minute|hour|day|week|month|year)s?(?:\s+ago)?", re.IGNORECASE
)
REPLY_DATE_PATTERN = re.compile(  # months 01-12, days 01-31, hours 00-23, minutes 00-59
    r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):([0-5]\d)"
    r"(?::[0-5]\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$"
)
LAST_DAY_OF_MONTH = dict(zip([f"{month:02d}" for month in range(1, 13)],
                             "31 29 31 30 31 30 31 31 30 31 30 31".split()))
UTC_OFFSETS = frozenset({None, "Z", "+00:00", "+0000", "-00:00", "-0000"})
TWELVE_HOUR_CLOCK = {
    f"{hour:02d}": (f"{hour % 12 or 12:02d}", "AM" if hour < 12 else "PM") for hour in range(24)
}
API_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATE_ARGUMENT_FORMS = (
    "N minutes, N hours, N days, N weeks, N months or N years, yyyy-mm-dd, "
    "or yyyy-mm-ddTHH:MM:SSZ"
)

# Markdown that an email could use to break a table or plant a link is escaped; control
# characters become spaces and line breaks become <br>, so each record stays on one row.
_MARKDOWN_ESCAPES = {char: "\\" + char for char in "\\`*_{}[]()#+!<>|~"}
_MARKDOWN_ESCAPES.update({chr(code): " " for code in (*range(32), 127)})
_MARKDOWN_ESCAPES.update({"\n": "<br>", "\r": ""})
_MARKDOWN_SPECIAL = re.compile("[" + re.escape("".join(_MARKDOWN_ESCAPES)) + "]")
_FILE_NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class VisionApiError(DemistoException):
    """Vision answered with an error status; the message is one sentence for the War Room."""


class TokenRejected(VisionApiError):
    """Vision refused the bearer token (HTTP 401 on an API call)."""


class _VisionRetry(Retry):
    """urllib3 retry policy that never waits longer than RETRY_AFTER_CAP_SECONDS."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_CAP_SECONDS)


def _retry_policy(methods: Iterable[str]) -> Retry:
    """Builds the retry policy for transient failures of the given HTTP methods."""
    options = {
        "total": RETRY_ATTEMPTS,
        "connect": RETRY_ATTEMPTS,
        "read": RETRY_ATTEMPTS,
        "status": RETRY_ATTEMPTS,
        "allowed_methods": frozenset(methods),
        "status_forcelist": TRANSIENT_STATUSES,
        "backoff_factor": RETRY_BACKOFF_FACTOR_SECONDS,
        "raise_on_status": False,
        "respect_retry_after_header": True,
    }
    try:
        return _VisionRetry(backoff_jitter=RETRY_BACKOFF_JITTER_SECONDS, **options)
    except TypeError:  # urllib3 1.x has no jitter
        return _VisionRetry(**options)


# ---------------------------------------------------------------------------------------------
# Downloaded files
# ---------------------------------------------------------------------------------------------

SIGNATURE_BYTES = 4
EMPTY_FILE_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


class FileKind(NamedTuple):
    """A kind of downloaded file, known by the bytes it starts with."""

    name: str
    signatures: tuple[bytes, ...]

    def check(self, head: bytes, path: str, reply: requests.Response, *, complete: bool) -> None:
        """Refuses a reply whose first bytes cannot start this kind of file."""
        if not head and complete:
            raise DemistoException(f"Cofense Vision answered GET {path} with an empty body "
                                   f"instead of {self.name}. Retry the command.")
        if len(head) < SIGNATURE_BYTES and not complete:
            return
        if not any(head.startswith(signature) for signature in self.signatures):
            content_type = reply.headers.get("Content-Type") or "no content type"
            raise DemistoException(
                f"Cofense Vision answered GET {path} with something other than {self.name} "
                f"({_shown(content_type)}). Retry the command; if it persists, check the "
                "Server URL and any proxy in between."
            )


# A zip archive starts with a local file header, or with the end record when it is empty.
ZIP_ARCHIVE = FileKind("a zip archive", (b"PK\x03\x04", b"PK\x05\x06"))


# ---------------------------------------------------------------------------------------------
# Token cache
# ---------------------------------------------------------------------------------------------


class TokenCache:
    """Keeps the bearer token and its absolute expiry in the integration context.

    The cached token belongs to one server URL and one client id; a change of either, an
    expired entry or a context that is not ours makes the next call fetch a new token.
    """

    KEY = "token"

    def __init__(self, server_url: str, client_id: str, clock: Callable[[], float] = time.time):
        self._server_url = server_url
        self._client_id = client_id
        self._clock = clock

    def load(self) -> str | None:
        """Returns a cached token that stays valid past the renewal margin, else None."""
        entry = _context_dict().get(self.KEY)
        if not isinstance(entry, dict):
            return None
        token, expires_at = entry.get("access_token"), entry.get("expires_at")
        if not isinstance(token, str) or not isinstance(expires_at, (int, float)):
            return None
        if entry.get("url") != self._server_url or entry.get("client_id") != self._client_id:
            demisto.debug("Cached token belongs to another server or client; fetching anew.")
            return None
        if self._clock() + TOKEN_RENEWAL_MARGIN_SECONDS >= expires_at:
            demisto.debug("Cached token expires within the renewal margin; fetching anew.")
            return None
        demisto.debug(f"Reusing cached token valid until {_epoch_to_iso(expires_at)}.")
        return token

    def save(self, token: str, expires_in: float) -> None:
        """Stores a new token with its absolute expiry."""
        expires_at = self._clock() + expires_in
        context = _context_dict()
        context[self.KEY] = {
            "access_token": token,
            "expires_at": expires_at,
            "url": self._server_url,
            "client_id": self._client_id,
        }
        set_integration_context(context)
        demisto.debug(f"Fetched a new token valid until {_epoch_to_iso(expires_at)}.")

    def clear(self) -> None:
        """Forgets the cached token."""
        context = _context_dict()
        if context.pop(self.KEY, None) is not None:
            set_integration_context(context)


def _context_dict() -> dict:
    context = get_integration_context()
    return dict(context) if isinstance(context, dict) else {}


def _epoch_to_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(API_DATE_FORMAT)


# ---------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------


class Client(BaseClient):
    """Talks to Cofense Vision: OAuth2 client credentials and one method per endpoint."""

    def __init__(
        self,
        server_url: str,
        client_id: str,
        client_secret: str,
        verify: bool = True,
        proxy: bool = False,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        token_cache: TokenCache | None = None,
    ):
        super().__init__(base_url=server_url, verify=verify, proxy=proxy, timeout=timeout)
        self._client_id = client_id
        self._client_secret = client_secret
        self._tokens = token_cache or TokenCache(server_url, client_id)
        self._access_token: str | None = None
        self._mount_retries()

    def __repr__(self) -> str:
        return f"Client(base_url={self._base_url!r}, client_id={self._client_id!r})"

    def _mount_retries(self) -> None:
        """Retries transient failures through urllib3, for calls that are safe to repeat.

        Connection failures before a request is sent are retried for every method. A POST
        that creates something is never retried once it may have reached the server; the
        token request and the read-only quarantine filter are POSTs that are safe to repeat.
        """
        idempotent = HTTPAdapter(max_retries=_retry_policy(("GET", "PUT", "DELETE")))
        repeatable_post = HTTPAdapter(max_retries=_retry_policy(("GET", "PUT", "DELETE", "POST")))
        self._session.mount(self._base_url + "/", idempotent)
        for path in REPEATABLE_POSTS:
            self._session.mount(self._base_url + path, repeatable_post)

    # Authentication -------------------------------------------------------------------------

    def _bearer_token(self) -> str:
        if self._access_token is None:
            self._access_token = self._tokens.load() or self._fetch_token()
        return self._access_token

    def _fetch_token(self) -> str:
        reply = self._send(
            "POST",
            Paths.TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            headers={"Accept": "application/json"},
            repeatable=True,
            error_handler=_raise_for_token_reply,
        )
        body = _json_body(reply, "POST", Paths.TOKEN)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise DemistoException("Cofense Vision's token service answered without a token.")
        expires_in = body.get("expires_in")
        if not isinstance(expires_in, (int, float)) or expires_in <= 0:
            expires_in = TOKEN_RENEWAL_MARGIN_SECONDS * 2
        self._tokens.save(token, expires_in)
        return token

    # Transport ------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        repeatable: bool,
        error_handler: Callable[[requests.Response], None],
        **kwargs: Any,
    ) -> requests.Response:
        """Sends one request; transport failures become one sentence for the War Room."""
        try:
            return self._http_request(
                method,
                url_suffix=path,
                resp_type="response",
                error_handler=error_handler,
                timeout=self.timeout,
                **kwargs,
            )
        except requests.exceptions.RequestException as exc:
            raise DemistoException(_transport_sentence(exc, method, path, repeatable), exc) \
                from None
        except DemistoException as exc:
            if exc.exception is None:
                raise
            sentence = _transport_sentence(exc.exception, method, path, repeatable)
            raise DemistoException(sentence, exc.exception) from None

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_data: Any = None,
        headers: dict | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Calls an authenticated endpoint; a rejected token is renewed once."""
        repeatable = method != "POST" or path in REPEATABLE_POSTS
        for attempt in (1, 2):
            request_headers = {"Accept": "*/*", **(headers or {})}
            request_headers["Authorization"] = f"Bearer {self._bearer_token()}"
            try:
                return self._send(
                    method,
                    path,
                    params=params,
                    json_data=json_data,
                    headers=request_headers,
                    stream=stream,
                    repeatable=repeatable,
                    error_handler=_raise_for_api_reply,
                )
            except TokenRejected:
                self._access_token = None
                self._tokens.clear()
                if attempt == 2:
                    raise
                demisto.debug("Vision rejected the token; fetching a new one and retrying once.")
        raise AssertionError("unreachable")

    def _json(self, method: str, path: str, *, may_be_empty: bool = False, **kwargs: Any) -> Any:
        """Calls an endpoint and decodes its JSON reply; an empty one is {} where allowed."""
        reply = self._call(method, path, **kwargs)
        if may_be_empty and not reply.content.strip():
            return {}
        return _json_body(reply, method, path)

    def _download(self, path: str, params: dict, destination: str,
                  expected: FileKind | None = None, digests: Iterable[Any] = (),
                  after_broken_download: str = "Retry the command.") -> int:
        """Streams a binary reply into a file and returns the number of bytes written.

        With expected, a reply that does not start like that kind of file (a proxy's HTML
        page, an empty body) is refused and the partial file removed. Each hashlib object
        of digests is fed the bytes as they arrive.
        """
        reply = self._call("GET", path, params=params, stream=True)
        written, head = 0, b""
        try:
            with open(destination, "wb") as target:
                for chunk in reply.iter_content(DOWNLOAD_CHUNK_BYTES):
                    if expected and len(head) < SIGNATURE_BYTES:
                        head += chunk[:SIGNATURE_BYTES]
                        expected.check(head, path, reply, complete=False)
                    target.write(chunk)
                    for digest in digests:
                        digest.update(chunk)
                    written += len(chunk)
            if expected:
                expected.check(head, path, reply, complete=True)
        except requests.exceptions.RequestException as exc:
            os.remove(destination)
            raise DemistoException(
                f"The connection to Cofense Vision broke while GET {path} was downloading; "
                f"nothing was kept. {after_broken_download}", exc,
            ) from None
        except DemistoException:
            os.remove(destination)
            raise
        finally:
            reply.close()
        return written

    # Messages and attachments ---------------------------------------------------------------

    def get_message_metadata(self, internet_message_id: str, recipient_address: str) -> dict:
        """GET /api/v4/messages/metadata"""
        params = {"internetMessageId": internet_message_id, "recipientAddress": recipient_address}
        return self._json("GET", Paths.MESSAGE_METADATA, params=params)

    def create_message_token(
        self, internet_message_id: str, recipient_address: str, password: str | None
    ) -> str:
        """POST /api/v4/messages; the reply is the one-time token as plain text."""
        body = assign_params(
            internetMessageId=internet_message_id,
            recipientAddress=recipient_address,
            password=password,
        )
        reply = self._call("POST", Paths.MESSAGES, json_data=body)
        token = reply.text.strip().strip('"')
        if not token:
            raise DemistoException(
                f"Cofense Vision answered HTTP {reply.status_code} to POST {Paths.MESSAGES} "
                "with an empty body where the one-time token was expected; request a new one."
            )
        if not DOWNLOAD_TOKEN_PATTERN.fullmatch(token):
            content_type = reply.headers.get("Content-Type") or "no content type"
            raise DemistoException(
                f"Cofense Vision answered HTTP {reply.status_code} to POST {Paths.MESSAGES} "
                f"with something other than a one-time token ({_shown(content_type)}); "
                "request a new one, and check the Server URL and any proxy in between."
            )
        return token

    def download_message(self, token: str, destination: str) -> int:
        """GET /api/v4/messages?token=…, streamed into destination."""
        return self._download(
            Paths.MESSAGES, {"token": token}, destination, ZIP_ARCHIVE,
            after_broken_download="The token is used up; get a new one with "
                                  "cofense-message-token-get.",
        )

    def download_attachment(self, md5: str | None, sha256: str | None,
                            destination: str) -> dict[str, str]:
        """GET /api/v4/attachment?md5=…&sha256=…, streamed into destination.

        Returns the MD5 and SHA256 of the bytes written, as lower-case hex.
        """
        digests = {"MD5": hashlib.md5(usedforsecurity=False), "SHA256": hashlib.sha256()}
        params = assign_params(md5=md5, sha256=sha256)
        self._download(Paths.ATTACHMENT, params, destination, digests=digests.values())
        return {kind: digest.hexdigest() for kind, digest in digests.items()}

    # Searches -------------------------------------------------------------------------------

    def create_search(self, criteria: dict) -> dict:
        """POST /api/v4/searches"""
        return self._json("POST", Paths.SEARCHES, json_data=criteria)

    def list_searches(self, paging: list) -> dict:
        """GET /api/v4/searches"""
        return self._json("GET", Paths.SEARCHES, params=paging)

    def get_search(self, search_id: int) -> dict:
        """GET /api/v4/searches/{id}"""
        return self._json("GET", Paths.SEARCH.format(id=search_id))

    def get_search_results(self, search_id: int, paging: list) -> dict:
        """GET /api/v4/searches/{id}/results"""
        return self._json("GET", Paths.SEARCH_RESULTS.format(id=search_id), params=paging)

    def get_searchable_headers(self) -> dict:
        """GET /api/v4/config/searchableHeaders"""
        return self._json("GET", Paths.SEARCHABLE_HEADERS)

    # Quarantine jobs ------------------------------------------------------------------------

    def filter_quarantine_jobs(self, query: list, filter_options: dict) -> dict:
        """POST /api/v4/quarantineJobs/filter (read only)"""
        body = {"filterOptions": filter_options}
        return self._json("POST", Paths.QUARANTINE_JOBS_FILTER, params=query, json_data=body)

    def create_quarantine_job(self, quarantine_emails: list[dict]) -> dict:
        """POST /api/v4/quarantineJobs"""
        body = {"quarantineEmails": quarantine_emails}
        return self._json("POST", Paths.QUARANTINE_JOBS, json_data=body)

    def get_quarantine_job(self, job_id: int) -> dict:
        """GET /api/v4/quarantineJobs/{id}"""
        return self._json("GET", Paths.QUARANTINE_JOB.format(id=job_id))

    def delete_quarantine_job(self, job_id: int) -> None:
        """DELETE /api/v4/quarantineJobs/{id}"""
        self._call("DELETE", Paths.QUARANTINE_JOB.format(id=job_id))

    def restore_quarantine_job(self, job_id: int) -> None:
        """PUT /api/v4/quarantineJobs/{id}/restore"""
        self._call("PUT", Paths.QUARANTINE_JOB_ACTION.format(id=job_id, action="restore"))

    def approve_quarantine_job(self, job_id: int, message_count: int | None) -> None:
        """PUT /api/v4/quarantineJobs/{id}/approve[?messageCount=N]"""
        path = Paths.QUARANTINE_JOB_ACTION.format(id=job_id, action="approve")
        self._call("PUT", path, params=assign_params(messageCount=message_count))

    def stop_quarantine_job(self, job_id: int) -> dict:
        """PUT /api/v4/quarantineJobs/{id}/stop"""
        return self._json("PUT", Paths.QUARANTINE_JOB_ACTION.format(id=job_id, action="stop"))

    # IOC repository -------------------------------------------------------------------------

    @staticmethod
    def _source_header(source: str) -> dict:
        return {"X-Cofense-IOC-Source": source}

    def list_iocs(self, source: str, query: list) -> dict:
        """GET /iocrepository/v1/iocs"""
        return self._json("GET", Paths.IOCS, params=query, headers=self._source_header(source))

    def upsert_iocs(self, source: str, items: list[dict]) -> dict:
        """PUT /iocrepository/v1/iocs"""
        headers = self._source_header(source)
        return self._json("PUT", Paths.IOCS, json_data={"data": items}, headers=headers)

    def get_ioc(self, source: str, ioc_id: str) -> dict:
        """GET /iocrepository/v1/iocs/{id}"""
        headers = self._source_header(source)
        return self._json("GET", Paths.IOC.format(id=ioc_id), headers=headers)

    def update_ioc_expiry(self, source: str, ioc_id: str, expires_at: str) -> dict:
        """PUT /iocrepository/v1/iocs/{id}"""
        body = {"data": {"type": "ioc", "metadata": {"quarantine": {"expires_at": expires_at}}}}
        headers = self._source_header(source)
        return self._json("PUT", Paths.IOC.format(id=ioc_id), json_data=body, headers=headers)

    def delete_ioc(self, source: str, ioc_id: str) -> dict:
        """DELETE /iocrepository/v1/iocs/{id}"""
        headers = self._source_header(source)
        return self._json("DELETE", Paths.IOC.format(id=ioc_id), headers=headers)

    def get_last_ioc(self, source: str) -> dict:
        """GET /iocrepository/v1/iocs/last; empty while the source has no IOC."""
        headers = self._source_header(source)
        return self._json("GET", Paths.LAST_IOC, headers=headers, may_be_empty=True)


# ---------------------------------------------------------------------------------------------
# Reply handling
# ---------------------------------------------------------------------------------------------

STATUS_ADVICE = {
    400: "Check the arguments of the command.",
    401: "Check the Client ID and Client Secret of the instance.",
    403: "The API client lacks the Vision role this command needs.",
    404: "Check the ID or the values given to the command.",
    409: "The object changed meanwhile; fetch it again and retry.",
    422: "Vision refused the request as it stands.",
    429: "Vision is rate limiting this client; retry later.",
}
SERVER_ERROR_ADVICE = "Vision or a proxy in front of it failed; retry later."
# What a lost reply to a creating POST may have left behind.
_CREATION_CHECKS = {
    Paths.QUARANTINE_JOBS: "the job may have been created; check cofense-quarantine-jobs-list",
    Paths.SEARCHES: "the search may have been created; check cofense-message-searches-list",
    Paths.MESSAGES: "a download token may have been issued; request a new one",
}
# TLS errors of the handshake, before anything is sent; other TLS errors may come after.
TLS_HANDSHAKE_FAILURES = ("certificate", "handshake", "wrong version number")


def _json_body(reply: requests.Response, method: str, path: str) -> Any:
    """Decodes a JSON reply; an empty or non-JSON body is an error, as callers need it."""
    if not reply.content or not reply.content.strip():
        problem = "an empty body where a JSON reply was expected"
    else:
        try:
            return reply.json()
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            problem = "a body that is not JSON"
    raise DemistoException(f"Cofense Vision answered HTTP {reply.status_code} to {method} "
                           f"{path} with {problem}. {_unclear_outcome_advice(method, path)}")


def _unclear_outcome_advice(method: str, path: str) -> str:
    """What to do when a reply cannot be read: whether the request may have taken effect."""
    creation = _CREATION_CHECKS.get(path) if method == "POST" else None
    if creation:
        return f"{creation[0].upper()}{creation[1:]}."
    if method == "DELETE":
        return "It may have been deleted; check before retrying."
    return "Retry the command."


def _describe_error_reply(reply: requests.Response) -> str:
    """One sentence from a failed reply: status, Vision's own words, what to do."""
    status = reply.status_code
    parts = [f"Cofense Vision answered HTTP {status}"]
    body: Any = None
    try:
        body = reply.json()
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        name = body.get("status") or body.get("error")
        message = body.get("message") or body.get("error_description")
        details = body.get("details")
        if name:
            parts[0] += f" {name}"
        if message:
            parts.append(str(message).rstrip("."))
        if isinstance(details, list) and details:
            parts.append("; ".join(str(detail) for detail in details[:5]))
        elif details:
            parts.append(str(details))
    elif "html" in reply.headers.get("Content-Type", "").lower():
        parts[0] += " with an HTML error page (often a proxy or load balancer)"
    elif not reply.content:
        parts[0] += " with an empty body"
    advice = SERVER_ERROR_ADVICE if status >= 500 else STATUS_ADVICE.get(status, "")
    sentence = ": ".join(parts[:2]) + (f" ({parts[2]})" if len(parts) > 2 else "")
    return f"{sentence}. {advice}".strip()


def _raise_for_api_reply(reply: requests.Response) -> None:
    """Raises the error of a failed API reply; a 401 as TokenRejected, to renew the token."""
    if reply.status_code == 401:
        raise TokenRejected(_describe_error_reply(reply), res=reply)
    if reply.status_code == 404 and reply.request.method == "DELETE" and _was_retried(reply):
        raise VisionApiError(
            f"Cofense Vision answered HTTP 404 to DELETE {reply.request.path_url} when it was "
            "sent again after a lost reply, so the first attempt has most likely deleted it.",
            res=reply,
        )
    raise VisionApiError(_describe_error_reply(reply), res=reply)


def _was_retried(reply: requests.Response) -> bool:
    """Whether urllib3 sent the request more than once before this reply."""
    return bool(getattr(getattr(reply.raw, "retries", None), "history", ()))


def _raise_for_token_reply(reply: requests.Response) -> None:
    """Raises the error of a failed token request; refused credentials in one sentence."""
    if reply.status_code in (400, 401, 403):
        raise VisionApiError(
            f"Authentication failed: Cofense Vision rejected the Client ID or Client Secret "
            f"(HTTP {reply.status_code}). Check both in the instance settings.",
            res=reply,
        )
    raise VisionApiError(_describe_error_reply(reply), res=reply)


def _may_have_reached_server(exc: Exception | None) -> bool:
    """False only when the request surely never left (refused, DNS, connect timeout)."""
    if exc is None or isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.ProxyError):
        return False
    if isinstance(exc, requests.exceptions.SSLError):  # sent already, unless the handshake failed
        return not any(marker in str(exc).lower() for marker in TLS_HANDSHAKE_FAILURES)
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        return not any(
            marker in text
            for marker in ("NewConnectionError", "NameResolutionError", "Connection refused")
        )
    return isinstance(exc, requests.exceptions.RequestException)


def _transport_sentence(exc: BaseException, method: str, path: str, repeatable: bool) -> str:
    """What went wrong on the wire, and whether a creating request may have landed."""
    if not repeatable and _may_have_reached_server(exc):
        check = _CREATION_CHECKS.get(path, "check Vision before running the command again")
        return (f"The connection to Cofense Vision failed after {method} {path} was sent, "
                f"so {check}.")
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError) and "certificate" in text.lower():
        return ("The TLS certificate of Cofense Vision could not be verified; fix the "
                "certificate or select 'Trust any certificate' in the instance settings.")
    if isinstance(exc, requests.exceptions.ProxyError):
        return ("The proxy refused the connection to Cofense Vision; check the system proxy "
                "or clear 'Use system proxy settings'.")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ("Cofense Vision did not accept a connection in time; check the Server URL "
                "and that Vision is reachable from this host.")
    if isinstance(exc, requests.exceptions.ReadTimeout) or "timed out" in text.lower():
        return (f"Cofense Vision did not answer {method} {path} within the HTTP timeout, "
                "even after retries; retry later or raise the timeout of the instance.")
    if "NameResolutionError" in text or "Name or service not known" in text:
        return ("The host name of the Server URL could not be resolved; check the "
                "Server URL of the instance.")
    if "refused" in text.lower():
        return ("Cofense Vision refused the connection; check the Server URL and that "
                "Vision is running and reachable from this host.")
    return (f"The connection to Cofense Vision broke during {method} {path}, even after "
            "retries; check the network between this host and Vision.")


# ---------------------------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------------------------


def _text_arg(args: dict, name: str, *, required: bool = False) -> str | None:
    """An argument as stripped text, or None when it is missing or blank."""
    value = args.get(name)
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if not text:
        if required:
            raise ValueError(f'The argument "{name}" is required.')
        return None
    return text


def _shown(value: Any, limit: int = 60) -> str:
    """A user's value as quoted in an error message: one line, bounded in length."""
    text = str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def parse_int_arg(
    args: dict, name: str, *, default: int | None = None, minimum: int = 0,
    maximum: int | None = None,
) -> int | None:
    """A whole number within bounds; words like '1.5' or 'ten' are refused by name."""
    text = _text_arg(args, name)
    if text is None:
        return default
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f'"{name}" must be a whole number; got "{_shown(text)}".')
    too_long = len(text.lstrip("+-").lstrip("0")) > MAX_DIGITS
    number = 0 if too_long else int(text)
    if too_long or number < minimum or (maximum is not None and number > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise ValueError(f'"{name}" must be a whole number {bounds}; got {_shown(text)}.')
    return number


def parse_positive_id(args: dict, name: str = "id") -> int:
    """An object id of Vision's: a positive whole number."""
    text = _text_arg(args, name, required=True)
    if not POSITIVE_ID_PATTERN.fullmatch(text or ""):
        raise ValueError(f'"{name}" must be a positive whole number, for example 700; '
                         f'got "{_shown(text)}".')
    return int(text)


def parse_bool_arg(args: dict, name: str, default: bool = False) -> bool:
    """A true/false argument; yes and no are accepted too, in any case."""
    text = _text_arg(args, name)
    if text is None:
        return default
    lowered = text.lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    raise ValueError(f'"{name}" must be true or false; got "{_shown(text)}".')


def query_flag(value: bool) -> str:
    """A boolean as Vision reads it in a query string."""
    return "true" if value else "false"


def parse_list_arg(args: dict, name: str, *, limit: int | None = None) -> list[str]:
    """A comma-separated (or JSON) list; empty items dropped, at most limit values."""
    values = [str(item).strip() for item in argToList(args.get(name))]
    values = [value for value in values if value]
    if limit is not None and len(values) > limit:
        raise ValueError(f'"{name}" accepts at most {limit} values; got {len(values)}.')
    return values


def parse_choice(args: dict, name: str, choices: Iterable[str], default: str | None = None):
    """One of choices, matched without regard to case; refused by name otherwise."""
    text = _text_arg(args, name)
    if text is None:
        return default
    for choice in choices:
        if choice.lower() == text.lower():
            return choice
    raise ValueError(f'"{name}" must be one of {", ".join(choices)}; got "{_shown(text)}".')


def parse_sort(args: dict, keys: Iterable[str], default: str | None = None) -> list[str]:
    """'prop:order,prop2:order2' into Vision's ['prop,order', …] sort parameters."""
    value = args.get("sort")
    if isinstance(value, (list, tuple)):
        value = ",".join(str(item) for item in value)
    raw = _text_arg({"sort": value}, "sort") or default
    if raw is None:
        return []
    keys_by_lower = {key.lower(): key for key in keys}
    accepted = f"property:order pairs with property in {', '.join(keys)} and order asc or desc"
    result = []
    for pair in (item.strip() for item in raw.split(",")):
        if not pair:
            continue
        name, separator, order = (part.strip() for part in pair.partition(":"))
        order = order.lower() if separator else "asc"
        key = keys_by_lower.get(name.lower())
        if key is None or order not in ("asc", "desc"):
            raise ValueError(f'"sort" takes {accepted}; got "{_shown(pair)}".')
        result.append(f"{key},{order}")
    return result


def paging_query(args: dict, sort_keys: Iterable[str], default_sort: str | None) -> list:
    """page, size and repeated sort as an ordered list of query pairs."""
    page = parse_int_arg(args, "page", default=0, minimum=0)
    size = parse_int_arg(args, "size", default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    query: list = [("page", page), ("size", size)]
    query.extend(("sort", sort) for sort in parse_sort(args, sort_keys, default_sort))
    return query


def parse_message_id(args: dict, name: str = "internet_message_id") -> str:
    text = _text_arg(args, name, required=True) or ""
    if not MESSAGE_ID_PATTERN.fullmatch(text):
        raise ValueError(f'"{name}" must be an internet message ID in angle brackets, for example '
                         f'<abc123@example.com>; got "{_shown(text)}".')
    return text


def parse_email_address(args: dict, name: str) -> str:
    text = _text_arg(args, name, required=True) or ""
    if not EMAIL_ADDRESS_PATTERN.fullmatch(text):
        raise ValueError(f'"{name}" must be an email address such as user@example.com; '
                         f'got "{_shown(text)}".')
    return text


def is_hex(text: str, digits: int) -> bool:
    """Whether text is exactly `digits` hexadecimal digits."""
    return len(text) == digits and HEX_PATTERN.fullmatch(text) is not None


def parse_hash_arg(args: dict, name: str, hash_type: str) -> str | None:
    """An MD5 or SHA256 argument, lower-cased, or None when not given."""
    text = _text_arg(args, name)
    if text is None:
        return None
    length = HASH_LENGTHS[hash_type]
    if not is_hex(text, length):
        raise ValueError(f'"{name}" must be {length} hexadecimal digits; got "{_shown(text)}".')
    return text.lower()


def parse_date_arg(args: dict, name: str, *, forward: bool = False) -> datetime | None:
    """A date argument as an aware UTC datetime.

    Relative values (`3 days`) count back from now, or forward for expiry arguments; values
    with an offset are converted to UTC and naive ones are taken as UTC.
    """
    text = _text_arg(args, name)
    if text is None:
        return None
    return parse_date_text(text, name, forward=forward)


def parse_date_text(text: str, name: str, *, forward: bool = False,
                    label: str | None = None) -> datetime:
    """A date in any accepted form; `label` names it in errors (default: the quoted name).

    With forward (an expiry), durations count forward and the date may not be in the past,
    as an expiry in the past would end the IOC at once.
    """
    shown = label or f'"{name}"'
    if forward and PAST_DURATION_PATTERN.search(text):
        raise ValueError(f'{shown} is an expiry, and a duration counts forward from now: '
                         f'give one such as "3 days", or a date; got "{_shown(text)}".')
    try:
        parsed = _parse_relative(text, forward) or _parse_iso(text.strip()) \
            or _parse_free_date(text, forward)
    except (OverflowError, ValueError):  # a date past the years a datetime can hold
        parsed = None
    if parsed is None:
        raise ValueError(f"{shown} must be a date such as {DATE_ARGUMENT_FORMS} (UTC); "
                         f'got "{_shown(text)}".')
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    if forward and parsed < datetime.now(timezone.utc) - EXPIRY_TOLERANCE:
        raise ValueError(f"{shown} is an expiry and must be later than now; "
                         f'got "{_shown(text)}" ({to_api_date(parsed)}).')
    return parsed


def _parse_relative(text: str, forward: bool) -> datetime | None:
    """'3 days' and the like, counted back from now, or forward for an expiry."""
    relative = RELATIVE_DATE_PATTERN.fullmatch(text.strip())
    if relative is None:
        return None
    amount, unit = int(relative.group(1)), relative.group(2).lower()
    delta = relativedelta(**{f"{unit}s": amount})
    now = datetime.now(timezone.utc)
    return now + delta if forward else now - delta


def _parse_iso(text: str) -> datetime | None:
    """An ISO 8601 date or time, read alike on Python 3.10 to 3.12.

    datetime.fromisoformat before 3.11 refuses offsets such as +0530 and most fractions.
    """
    try:
        parsed = isoparse(text)
    except (ValueError, OverflowError):
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed


def _parse_free_date(text: str, forward: bool) -> datetime | None:
    """Forms such as '01 Mar 2021' or '20/08/2022', read by dateparser (imported on need)."""
    import dateparser as free_date_parser

    settings = {
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future" if forward else "past",
    }
    try:
        return free_date_parser.parse(text, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None


def to_api_date(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC to the second, the year always in four digits."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_attachment_hashes(args: dict) -> list[dict]:
    """'md5:hex, sha256:hex' into Vision's attachment hash objects."""
    hashes = []
    for item in parse_list_arg(args, "attachment_hashes", limit=MAX_CRITERIA_VALUES):
        hash_type, _, value = (part.strip() for part in item.partition(":"))
        length = HASH_LENGTHS.get(hash_type.upper())
        if length is None or not is_hex(value, length):
            raise ValueError(
                '"attachment_hashes" takes hashtype:value pairs with hashtype md5 (32 hex digits)'
                f' or sha256 (64 hex digits); got "{_shown(item)}".'
            )
        hashes.append({"hashType": hash_type.upper(), "hashString": value.lower()})
    return hashes


def parse_headers_arg(args: dict) -> list[dict]:
    """'key:value1:value2, key2:value' into Vision's header criteria.

    A value in square brackets keeps its colons: X-Originating-IP:[2001:db8::1].
    """
    headers = []
    for item in parse_list_arg(args, "headers", limit=MAX_CRITERIA_VALUES):
        key, _, rest = (part.strip() for part in item.partition(":"))
        values = _header_values(rest)
        if not key or not values or "[" in key or "]" in key:
            raise ValueError('"headers" takes key:value pairs, for example '
                             "X-Mailer:value1:value2 or X-Originating-IP:[2001:db8::1]; "
                             f'got "{_shown(item)}".')
        headers.append({"key": key, "values": values})
    return headers


def _header_values(text: str) -> list[str]:
    """The colon-separated values of a header criterion; [] when one is malformed."""
    values, position = [], 0
    while position < len(text):
        match = HEADER_VALUE_PATTERN.match(text, position)
        if match is None or match.end() == position:
            return []
        values.append(match.group(1).strip())
        position = match.end()
    return [value for value in values if value]


def parse_quarantine_emails(raw: Any) -> list[dict]:
    """Internet message id and recipient pairs; ids keep their brackets and any ':' inside.

    Each item is split after the id's closing '>', or else at its last ':'. Duplicates
    (the recipient's letter case aside, as mailboxes ignore it) are dropped; an item whose
    id is not in angle brackets or whose recipient is not an address is named in the error.
    """
    accepted = "<internet message id>:recipient@example.com, separated by commas"
    emails, seen = [], set()
    for item in (str(part).strip() for part in argToList(raw)):
        if not item:
            continue
        close = item.rfind(">")
        if close != -1:
            message_id, rest = item[: close + 1].strip(), item[close + 1:].strip()
            recipient = rest[1:].strip() if rest.startswith(":") else ""
        else:
            message_id, _, recipient = (part.strip() for part in item.rpartition(":"))
        if not (MESSAGE_ID_PATTERN.fullmatch(message_id)
                and EMAIL_ADDRESS_PATTERN.fullmatch(recipient)):
            raise ValueError(f'"quarantine_emails" item "{_shown(item)}" is malformed; '
                             f"use {accepted}.")
        if (message_id, recipient.lower()) not in seen:
            seen.add((message_id, recipient.lower()))
            emails.append({"internetMessageId": message_id, "recipientAddress": recipient})
    if not emails:
        raise ValueError(f'"quarantine_emails" is required; use {accepted}.')
    return emails


def check_ioc_source(source: str, name: str = "source") -> str:
    if not IOC_SOURCE_PATTERN.fullmatch(source):
        raise ValueError(f'"{name}" may hold only letters, digits and the characters - . _ ~; '
                         f'got "{_shown(source)}".')
    return source


def parse_ioc_source(args: dict) -> str:
    return check_ioc_source(_text_arg(args, "source", required=True) or "")


def parse_optional_ioc_source(args: dict) -> str | None:
    text = _text_arg(args, "source")
    return None if text is None else check_ioc_source(text)


def check_ioc_id(ioc_id: str, name: str = "id") -> str:
    if not is_hex(ioc_id, 32):
        raise ValueError(f'"{name}" takes IOC IDs of 32 hexadecimal digits; '
                         f'got "{_shown(ioc_id)}".')
    return ioc_id.lower()


def parse_ioc_id(args: dict) -> str:
    return check_ioc_id(_text_arg(args, "id", required=True) or "")


def safe_file_name(name: str | None, fallback: str) -> str:
    """A base name that cannot choose a path: no folders, no control characters, bounded."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _FILE_NAME_UNSAFE.sub("_", base).strip(" .")
    if not base:
        base = fallback
    if len(base) > MAX_FILE_NAME_LENGTH:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            base = stem[: MAX_FILE_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            base = base[:MAX_FILE_NAME_LENGTH]
    return base


# ---------------------------------------------------------------------------------------------
# Presentation: tables kept as data, rendered in one place
# ---------------------------------------------------------------------------------------------


class Column(NamedTuple):
    """A table column: its header and how to read its cell from a record."""

    header: str
    read: Callable[[dict], Any]


def escape_cell(value: Any) -> str:
    """Markdown-safe cell text; lists become one line each."""
    if value.__class__ is str:  # most cells: checked first, as this runs for every cell
        return value if value.isalnum() else _MARKDOWN_SPECIAL.sub(_escape_match, value)
    if value.__class__ is int:  # counts and ids: digits and a sign need no escaping
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(item) for item in value if item is not None)
    return _MARKDOWN_SPECIAL.sub(_escape_match, str(value))


def _escape_match(match: re.Match) -> str:
    return _MARKDOWN_ESCAPES[match.group()]


def render_table(title: str, columns: Iterable[Column], records: list[dict],
                 *, drop_empty: bool = False) -> str:
    """Renders records as a markdown table, in the platform's table layout."""
    columns = tuple(columns)
    lines = [f"### {title}"] if title else []
    readers = [column.read for column in columns]
    rows = [[escape_cell(read(record)) for read in readers] for record in records]
    if drop_empty and rows:
        keep = [index for index in range(len(columns)) if any(row[index] for row in rows)]
        columns = tuple(columns[index] for index in keep)
        rows = [[row[index] for index in keep] for row in rows]
    if not rows or not columns:
        lines.append("**No entries.**")
        return "\n".join(lines) + "\n"
    lines.append("|" + "|".join(column.header for column in columns) + "|")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    lines.append("")  # the closing newline, without copying the whole text once more
    return "\n".join(lines)


def format_date(value: Any) -> str:
    """'2022-07-27T13:58:44.000+00:00' as '27/07/2022, 01:58 PM UTC'; naive means UTC."""
    if not isinstance(value, str):
        return ""
    match = REPLY_DATE_PATTERN.match(value)
    if match is None:
        return ""
    year, month, day, hour, minute, offset = match.groups()
    if day > "28" and (day > LAST_DAY_OF_MONTH[month]  # the pattern lets 30 February by
                       or (month == "02" and not calendar.isleap(int(year)))):
        return ""
    if offset not in UTC_OFFSETS:
        moment = _parse_iso(value)
        if moment is None:
            return ""
        year, month, day = f"{moment.year:04d}", f"{moment.month:02d}", f"{moment.day:02d}"
        hour, minute = f"{moment.hour:02d}", f"{moment.minute:02d}"
    clock = TWELVE_HOUR_CLOCK[hour]
    return f"{day}/{month}/{year}, {clock[0]}:{minute} {clock[1]} UTC"


def field(*path: str) -> Callable[[dict], Any]:
    """Reads a nested field; any missing or null step gives None."""
    if len(path) == 1:
        key = path[0]
        return lambda record: record.get(key)

    def read(record: dict) -> Any:
        value: Any = record
        try:
            for key in path:
                value = value.get(key)
        except AttributeError:  # a step that is not an object (JSON has no other .get)
            return None
        return value

    return read


def date_field(*path: str) -> Callable[[dict], str]:
    read = field(*path)
    return lambda record: format_date(read(record))


def addresses(key: str) -> Callable[[dict], list]:
    """The address of each person in a list such as 'from' or 'recipients'."""
    def read(record: dict) -> list:
        people = record.get(key)
        if not isinstance(people, list):
            return []
        return [person.get("address") for person in people if isinstance(person, dict)]

    return read


def latest_run(job: dict) -> dict:
    """The job's current run: the last of quarantineJobRuns, or an empty one."""
    runs = job.get("quarantineJobRuns")
    return runs[-1] if isinstance(runs, list) and runs and isinstance(runs[-1], dict) else {}


def attachment_summary(message: dict) -> str:
    """Name, MD5 and SHA256 of each attachment, one block each."""
    attachments = message.get("attachments")
    if not isinstance(attachments, list):
        return ""
    blocks = [
        f"File Name: {item.get('filename') or ''}\nMD5: {item.get('md5') or ''}\n"
        f"SHA256: {item.get('sha256') or ''}"
        for item in attachments
        if isinstance(item, dict)
    ]
    return "\n\n".join(blocks)


def joined(key: str, separator: str = ", ") -> Callable[[dict], str]:
    """Reads a list field as one line of text."""
    def read(record: dict) -> str:
        value = record.get(key)
        if isinstance(value, list):
            return separator.join(str(item) for item in value)
        return "" if value is None else str(value)

    return read


_ATTACHMENT_HASHES = field("attachmentHashCriteria", "attachmentHashes")
SEARCH_COLUMNS = (
    Column("ID", field("id")),
    Column("Created By", field("createdBy")),
    Column("Created Date", date_field("createdDate")),
    Column("Modified By", field("modifiedBy")),
    Column("Modified Date", date_field("modifiedDate")),
    Column("Recipient", field("recipient")),
    Column("Senders", field("senders")),
    Column("Subjects", field("subjects")),
    Column("Attachment Names", field("attachmentNames")),
    Column("Attachment Hashes", lambda search: [
        f"{item.get('hashType')}: {item.get('hashString')}"
        for item in _as_list(_ATTACHMENT_HASHES(search))
    ]),
    Column("Attachment MIME Types", field("attachmentMimeTypes")),
    Column("Attachment Exclude MIME Types", field("attachmentExcludeMimeTypes")),
    Column("Domains", field("domainCriteria", "domains")),
    Column("Whitelist URLs", field("domainCriteria", "whiteListUrls")),
    Column("Headers", lambda search: [
        f"{item.get('key')}: {', '.join(map(str, item.get('values') or []))}"
        for item in (search.get("headers") or [])
        if isinstance(item, dict)
    ]),
    Column("Internet Message ID", field("internetMessageId")),
    Column("URL", field("url")),
    Column("Received After Date", date_field("receivedAfterDate")),
    Column("Received Before Date", date_field("receivedBeforeDate")),
    Column("Partial Ingest", field("partialIngest")),
)

MESSAGE_METADATA_COLUMNS = (
    Column("ID", field("id")),
    Column("Subject", field("subject")),
    Column("Received On", date_field("receivedOn")),
    Column("Sent On", date_field("sentOn")),
    Column("Processed On", date_field("processedOn")),
    Column("Sender", addresses("from")),
    Column("Recipients", addresses("recipients")),
    Column("MD5", field("md5")),
    Column("SHA1", field("sha1")),
    Column("SHA256", field("sha256")),
    Column("Internet Message ID", field("internetMessageId")),
)

SEARCH_RESULT_COLUMNS = (
    Column("Message ID", field("id")),
    Column("Internet Message ID", field("internetMessageId")),
    Column("Subject", field("subject")),
    Column("Sent On", date_field("sentOn")),
    Column("Received On", date_field("receivedOn")),
    Column("Sender", addresses("from")),
    Column("Recipient", addresses("recipients")),
    Column("Attachment File Names", attachment_summary),
)

TOKEN_COLUMNS = (
    Column("Internet Message ID", field("internetMessageId")),
    Column("Recipient's Address", addresses("recipients")),
    Column("Token", field("token")),
)

_JOB_IDENTITY = (
    Column("ID", field("id")),
    Column("Created By", field("createdBy")),
    Column("Created Date", date_field("createdDate")),
    Column("Last Modified By", field("modifiedBy")),
    Column("Last Modified Date", date_field("modifiedDate")),
)
_LAST_ACTION = Column("Last Action", lambda job: latest_run(job).get("jobRunType"))
_STATUS = Column("Status", lambda job: latest_run(job).get("status"))
_COMPLETED = Column("Completed Date", lambda job: format_date(latest_run(job).get("completedDate")))
_MESSAGES = Column("Messages", field("emailCount"))

JOB_LIST_COLUMNS = (*_JOB_IDENTITY, _LAST_ACTION, _STATUS, _COMPLETED, _MESSAGES)
JOB_COLUMNS = (
    _JOB_IDENTITY[0], Column("Search ID", field("searchId")), *_JOB_IDENTITY[1:],
    _LAST_ACTION, _STATUS, _COMPLETED, _MESSAGES,
)
JOB_CREATED_COLUMNS = (*_JOB_IDENTITY, _MESSAGES)
JOB_STOPPED_COLUMNS = (
    *_JOB_IDENTITY, _LAST_ACTION, _STATUS, _MESSAGES,
    Column("Stopped Quarantine", field("stopRequested")),
)
JOB_EMAIL_COLUMNS = (
    Column("Internet Message ID", field("internetMessageId")),
    Column("Recipient", field("recipientAddress")),
    Column("Status", field("status")),
    Column("Error", field("errorMessage")),
)

_IOC_IDENTITY = (
    Column("ID", field("id")),
    Column("Threat Type", field("attributes", "threat_type")),
    Column("Threat Value", field("attributes", "threat_value")),
)
_THREAT_LEVEL = field("metadata", "source", "threat_level")
_SOURCE_UPDATED_AT = field("metadata", "source", "updated_at")
_QUARANTINE_CREATED_AT = field("metadata", "quarantine", "created_at")
_IOC_LEVEL = Column("Threat Level", _THREAT_LEVEL)
_IOC_CREATED = Column("Created At", date_field("metadata", "quarantine", "created_at"))
_IOC_EXPIRES = Column("Expires At", date_field("metadata", "quarantine", "expires_at"))
_IOC_MATCHES = (
    Column("Match Count", field("metadata", "quarantine", "match_count")),
    Column("Quarantine Count", field("metadata", "quarantine", "quarantine_count")),
)

IOC_LIST_COLUMNS = (
    *_IOC_IDENTITY, _IOC_LEVEL,
    Column("Updated At", lambda ioc: format_date(
        _SOURCE_UPDATED_AT(ioc) or _QUARANTINE_CREATED_AT(ioc)
    )),
    _IOC_CREATED, *_IOC_MATCHES,
)
IOC_COLUMNS = (*_IOC_IDENTITY, _IOC_CREATED, _IOC_EXPIRES)
IOC_UPSERT_COLUMNS = (
    *_IOC_IDENTITY, _IOC_LEVEL,
    Column("Created At", date_field("metadata", "source", "created_at")),
    Column("Updated At", date_field("metadata", "source", "updated_at")),
    Column("Requested Expiration", date_field("metadata", "source", "requested_expiration")),
)
LAST_IOC_COLUMNS = (
    *_IOC_IDENTITY, _IOC_CREATED, _IOC_EXPIRES, *_IOC_MATCHES,
    Column("First Quarantined At", date_field("metadata", "quarantine", "first_quarantined_at")),
    Column("Last Quarantined At", date_field("metadata", "quarantine", "last_quarantined_at")),
)
IOC_DELETED_COLUMNS = (*_IOC_IDENTITY, Column("Action Status", lambda ioc: "Success"))


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# ---------------------------------------------------------------------------------------------
# Reputation
# ---------------------------------------------------------------------------------------------


class Verdicts:
    """Turns IOCs into DBotScores and standard indicators, per the instance's settings."""

    def __init__(self, good: Any = None, suspicious: Any = None, bad: Any = None,
                 reliability: str | None = None):
        self.scores = dict(DEFAULT_THREAT_LEVEL_SCORES)
        for score, levels in ((Common.DBotScore.GOOD, good),
                              (Common.DBotScore.SUSPICIOUS, suspicious),
                              (Common.DBotScore.BAD, bad)):
            for level in argToList(levels):
                if str(level).strip():
                    self.scores[str(level).strip().lower()] = score
        self.reliability = reliability

    def score(self, threat_level: Any) -> int:
        if not isinstance(threat_level, str):
            return Common.DBotScore.NONE
        return self.scores.get(threat_level.strip().lower(), Common.DBotScore.NONE)

    def indicator(self, ioc: dict, *, deleted: bool = False) -> Common.Indicator | None:
        """The IOC's threat value as an indicator; a deleted IOC scores as unknown."""
        attributes = _as_dict(ioc.get("attributes"))
        threat_type = str(attributes.get("threat_type") or "").upper()
        value = attributes.get("threat_value")
        if not isinstance(value, str) or not value or threat_type not in THREAT_TYPES:
            return None
        level = _THREAT_LEVEL(ioc)
        score = Common.DBotScore.NONE if deleted else self.score(level)
        bad = score == Common.DBotScore.BAD
        description = f"Cofense Vision threat level: {level}" if bad else None
        dbot_type = INDICATOR_DBOT_TYPES[threat_type]
        dbot_score = Common.DBotScore(
            indicator=value,
            indicator_type=dbot_type,
            integration_name=INTEGRATION_NAME,
            score=score,
            malicious_description=description,
            reliability=self.reliability,
        )
        build = INDICATOR_BUILDERS.get(threat_type)
        return build(value, dbot_score) if build else dbot_score


class SenderIndicator(Common.Indicator):
    """A sender address under Email.Address, with Malicious when the score is bad."""

    CONTEXT_PATH = "Email(val.Address && val.Address == obj.Address)"

    def __init__(self, address: str, dbot_score: Common.DBotScore):
        self.address = address
        self.dbot_score = dbot_score

    def to_context(self) -> dict:
        email: dict[str, Any] = {"Address": self.address}
        if self.dbot_score.score == Common.DBotScore.BAD:
            email["Malicious"] = {
                "Vendor": self.dbot_score.integration_name,
                "Description": self.dbot_score.malicious_description,
            }
        return {self.CONTEXT_PATH: email, **self.dbot_score.to_context()}


INDICATOR_DBOT_TYPES = {
    "DOMAIN": DBotScoreType.DOMAIN,
    "URL": DBotScoreType.URL,
    "SENDER": DBotScoreType.EMAIL,
    "MD5": DBotScoreType.FILE,
    "SHA256": DBotScoreType.FILE,
    "SUBJECT": DBotScoreType.CUSTOM,
}
INDICATOR_BUILDERS: dict[str, Callable[[str, Any], Common.Indicator]] = {
    "DOMAIN": lambda value, score: Common.Domain(domain=value, dbot_score=score),
    "URL": lambda value, score: Common.URL(url=value, dbot_score=score),
    "SENDER": SenderIndicator,
    "MD5": lambda value, score: Common.File(dbot_score=score, md5=value),
    "SHA256": lambda value, score: Common.File(dbot_score=score, sha256=value),
}


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def new_file_path() -> tuple[str, str]:
    """A fresh (file id, path) pair in the working folder, as fileResult names files."""
    file_id = demisto.uniqueFile()
    return file_id, f"{demisto.investigation()['id']}_{file_id}"


def text_entry(kind: str, text: str) -> dict:
    """A War Room entry of plain text; kind is an entryTypes key such as "warning"."""
    return {"Type": entryTypes[kind], "ContentsFormat": formats["text"], "Contents": text}


def file_entry(name: str, file_id: str) -> dict:
    """The War Room entry for a file already written under its file id."""
    return {
        "Contents": "",
        "ContentsFormat": formats["text"],
        "Type": entryTypes["file"],
        "File": name,
        "FileID": file_id,
    }


# ---------------------------------------------------------------------------------------------
# Commands: messages and searches
# ---------------------------------------------------------------------------------------------


def message_token_get_command(client: Client, args: dict) -> CommandResults:
    """cofense-message-token-get: a one-time token to download one message."""
    message_id = parse_message_id(args)
    recipient = parse_email_address(args, "recipient_address")
    password = _text_arg(args, "password")

    token = client.create_message_token(message_id, recipient, password)

    record = {
        "internetMessageId": message_id,
        "recipients": [{"address": recipient}],
        "token": token,
    }
    return CommandResults(
        outputs_prefix="Cofense.Message",
        outputs_key_field="internetMessageId",
        outputs=record,
        readable_output=render_table("One-time token:", TOKEN_COLUMNS, [record]),
        raw_response=record,
    )


def message_metadata_get_command(client: Client, args: dict) -> CommandResults:
    """cofense-message-metadata-get: the stored metadata of one message."""
    message_id = parse_message_id(args)
    recipient = parse_email_address(args, "recipient_address")

    message = _as_dict(client.get_message_metadata(message_id, recipient))

    return CommandResults(
        outputs_prefix="Cofense.Message",
        outputs_key_field="id",
        outputs=message,
        readable_output=render_table("Message Metadata:", MESSAGE_METADATA_COLUMNS, [message]),
        raw_response=message,
    )


def message_get_command(client: Client, args: dict) -> dict:
    """cofense-message-get: the message, as Vision's zip, into a War Room file."""
    token = _text_arg(args, "token", required=True) or ""
    if not DOWNLOAD_TOKEN_PATTERN.fullmatch(token):
        raise ValueError('"token" must be the one-time token from cofense-message-token-get '
                         f'(letters, digits and hyphens); got "{_shown(token)}".')

    file_id, path = new_file_path()
    client.download_message(token, path)

    return file_entry(safe_file_name(f"{token}.zip", "message.zip"), file_id)


def message_attachment_get_command(client: Client, args: dict) -> dict | list[dict]:
    """cofense-message-attachment-get: one attachment, found by its hash, as a file."""
    md5 = parse_hash_arg(args, "md5", "MD5")
    sha256 = parse_hash_arg(args, "sha256", "SHA256")
    if not md5 and not sha256:
        raise ValueError('Give "md5" (32 hexadecimal digits) or "sha256" (64 hexadecimal '
                         "digits) of the attachment; at least one is needed.")
    name = safe_file_name(_text_arg(args, "file_name", required=True), "attachment")

    file_id, path = new_file_path()
    found = client.download_attachment(md5, sha256, path)

    requested = {"MD5": md5, "SHA256": sha256}
    differing = [f"{kind} {found[kind]}" for kind, wanted in requested.items()
                 if wanted and found[kind] != wanted]
    if not differing:
        return file_entry(name, file_id)
    if found["MD5"] == EMPTY_FILE_MD5:
        os.remove(path)
        raise DemistoException(f"Cofense Vision answered GET {Paths.ATTACHMENT} with an empty "
                               "body instead of the attachment. Retry the command.")
    return [file_entry(name, file_id), text_entry(
        "warning",
        f"The file {name} does not have the hash asked for (it has {' and '.join(differing)}):"
        " Vision or a proxy in between sent something else. Check the file before using it.",
    )]


def _search_criteria(args: dict) -> dict:
    """The search criteria of cofense-message-search-create, validated."""
    limited = {"limit": MAX_CRITERIA_VALUES}
    hashes = parse_attachment_hashes(args)
    domains = parse_list_arg(args, "domains", **limited)
    whitelist = parse_list_arg(args, "whitelist_urls", **limited)
    after = parse_date_arg(args, "received_after_date")
    before = parse_date_arg(args, "received_before_date")
    if after and before and after > before:
        raise ValueError('"received_after_date" must not be later than "received_before_date".')
    internet_message_id = (
        parse_message_id(args) if _text_arg(args, "internet_message_id") else None
    )
    return assign_params(
        subjects=parse_list_arg(args, "subjects", **limited),
        senders=parse_list_arg(args, "senders", **limited),
        attachmentNames=parse_list_arg(args, "attachment_names", **limited),
        attachmentHashCriteria={
            "type": parse_choice(args, "attachment_hash_match_criteria", MATCH_CRITERIA, "ANY"),
            "attachmentHashes": hashes,
        } if hashes else None,
        attachmentMimeTypes=parse_list_arg(args, "attachment_mime_types", **limited),
        attachmentExcludeMimeTypes=parse_list_arg(
            args, "attachment_exclude_mime_types", **limited),
        domainCriteria=assign_params(
            type=parse_choice(args, "domain_match_criteria", MATCH_CRITERIA, "ANY"),
            domains=domains,
            whiteListUrls=whitelist,
        ) if domains or whitelist else None,
        headers=parse_headers_arg(args),
        internetMessageId=internet_message_id,
        partialIngest=parse_bool_arg(args, "partial_ingest"),
        receivedAfterDate=to_api_date(after),
        receivedBeforeDate=to_api_date(before),
        recipient=_text_arg(args, "recipient"),
        url=_text_arg(args, "url"),
    )


def _search_results(search: dict, title: str) -> CommandResults:
    """The entry of one search: its criteria as a table and as context."""
    return CommandResults(
        outputs_prefix="Cofense.Search",
        outputs_key_field="id",
        outputs=search,
        readable_output=render_table(title, SEARCH_COLUMNS, [search], drop_empty=True),
        raw_response=search,
    )


def message_search_create_command(client: Client, args: dict) -> CommandResults:
    """cofense-message-search-create: a new search from the given criteria."""
    criteria = _search_criteria(args)

    search = _as_dict(client.create_search(criteria))

    search_id = search.get("id")
    title = (f"Message search with ID {search_id} has been created successfully."
             if search_id is not None else "Message search has been created successfully.")
    return _search_results(search, title)


def message_searches_list_command(client: Client, args: dict) -> CommandResults:
    """cofense-message-searches-list: one page of searches."""
    query = paging_query(args, SEARCH_SORT_KEYS, "id:asc")

    searches = _as_list(_as_dict(client.list_searches(query)).get("searches"))

    return CommandResults(
        outputs_prefix="Cofense.Search",
        outputs_key_field="id",
        outputs=searches,
        readable_output=render_table(
            "Message Searches:", SEARCH_COLUMNS, searches, drop_empty=True),
        raw_response=searches,
    )


def message_search_get_command(client: Client, args: dict) -> CommandResults:
    """cofense-message-search-get: one search and its criteria."""
    search_id = parse_positive_id(args)

    search = _as_dict(client.get_search(search_id))

    return _search_results(search, "Message Search:")


def message_search_results_get_command(client: Client, args: dict) -> CommandResults:
    """cofense-message-search-results-get: one page of a search's messages."""
    search_id = parse_positive_id(args)
    query = paging_query(args, RESULTS_SORT_KEYS, "id:asc")

    reply = _as_dict(client.get_search_results(search_id, query))

    search = _as_dict(reply.get("search"))
    messages = _as_list(reply.get("messages"))
    readable = (
        render_table("Message Search:", SEARCH_COLUMNS, [search], drop_empty=True)
        + "\n"
        + render_table("Message Search Results:", SEARCH_RESULT_COLUMNS, messages)
    )
    return CommandResults(
        outputs_prefix="Cofense.Search",
        outputs_key_field="id",
        outputs={**search, "id": search.get("id", search_id), "Message": messages},
        readable_output=readable,
        raw_response=reply,
    )


def searchable_headers_get_command(client: Client, args: dict) -> CommandResults:
    """cofense-searchable-headers-get: the headers a search may use."""
    reply = _as_dict(client.get_searchable_headers())

    headers = [str(header) for header in reply.get("headers") or []]
    config = {"name": "searchableHeaders", "value": headers}
    table = render_table(
        "Available headers to create a search:",
        (Column("Headers", field("header")),),
        [{"header": header} for header in headers],
    )
    return CommandResults(
        outputs_prefix="Cofense.Config",
        outputs_key_field="name",
        outputs=config,
        readable_output=table,
        raw_response=reply,
    )


# ---------------------------------------------------------------------------------------------
# Commands: quarantine jobs
# ---------------------------------------------------------------------------------------------


def job_context(job: dict) -> dict:
    """The job as context: each email also under the reference's `internetMessageID`.

    Vision names the field internetMessageId; the reference's output table documents
    internetMessageID, and playbooks are written against the table, so both are kept.
    """
    emails = job.get("quarantineEmails")
    if not isinstance(emails, list):
        return job
    return {**job, "quarantineEmails": [
        {**email, "internetMessageID": email.get("internetMessageId")}
        if isinstance(email, dict) else email
        for email in emails
    ]}


def _job_results(job: dict, title: str, columns: Iterable[Column],
                 with_emails: bool = False) -> CommandResults:
    """The entry of one quarantine job, with its emails when asked."""
    readable = render_table(title, columns, [job])
    if with_emails:
        emails = _as_list(job.get("quarantineEmails"))
        readable += "\n" + render_table("Quarantine Emails:", JOB_EMAIL_COLUMNS, emails)
    return CommandResults(
        outputs_prefix="Cofense.QuarantineJob",
        outputs_key_field="id",
        outputs=job_context(job),
        readable_output=readable,
        raw_response=job,
    )


def _job_flag_results(job_id: int, flag: str, title: str) -> CommandResults:
    """The entry of an action that Vision answers without a body."""
    record = {"id": job_id, flag: True}
    return CommandResults(
        outputs_prefix="Cofense.QuarantineJob",
        outputs_key_field="id",
        outputs=record,
        readable_output=f"### {title}\n",
        raw_response=record,
    )


def quarantine_jobs_list_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-jobs-list: one page of jobs, filtered."""
    query = paging_query(args, QUARANTINE_SORT_KEYS, "id:asc")
    query.append(("excludeQuarantineEmails",
                  query_flag(parse_bool_arg(args, "exclude_quarantine_emails"))))
    auto_quarantine = _text_arg(args, "auto_quarantine")
    modified_after = parse_date_arg(args, "modified_date_after")
    filter_options = assign_params(
        autoQuarantine=parse_bool_arg(args, "auto_quarantine") if auto_quarantine else None,
        includeStatus=_statuses(args, "include_status"),
        excludeStatus=_statuses(args, "exclude_status"),
        iocs=[check_ioc_id(ioc, "iocs") for ioc in parse_list_arg(args, "iocs")],
        sources=[check_ioc_source(name, "sources") for name in parse_list_arg(args, "sources")],
        modifiedDateAfter=to_api_date(modified_after),
    )

    jobs = _as_list(_as_dict(client.filter_quarantine_jobs(query, filter_options))
                    .get("quarantineJobs"))

    return CommandResults(
        outputs_prefix="Cofense.QuarantineJob",
        outputs_key_field="id",
        outputs=[job_context(job) for job in jobs],
        readable_output=render_table("Quarantine Job:", JOB_LIST_COLUMNS, jobs),
        raw_response=jobs,
    )


def _statuses(args: dict, name: str) -> list[str]:
    statuses = []
    for value in parse_list_arg(args, name):
        statuses.append(parse_choice({name: value}, name, JOB_STATUSES))
    return statuses


class Polling(NamedTuple):
    """How a quarantine command waits for its job: on or off, interval and timeout.

    job_id is set on the reruns that polling schedules: the job to read, as the action
    itself was done by the first run.
    """

    enabled: bool
    interval: int
    timeout: int
    job_id: int | None

    @classmethod
    def from_args(cls, args: dict) -> "Polling":
        """The polling arguments, checked before the command changes anything."""
        job_id = _text_arg(args, "job_id")
        polling = cls(
            enabled=parse_bool_arg(args, "polling"),
            interval=parse_int_arg(args, "interval_in_seconds",
                                   default=DEFAULT_POLL_INTERVAL_SECONDS, minimum=1),
            timeout=parse_int_arg(args, "timeout_in_seconds",
                                  default=DEFAULT_POLL_TIMEOUT_SECONDS, minimum=1),
            job_id=parse_positive_id(args, "job_id") if job_id else None,
        )
        if polling.enabled and polling.interval > polling.timeout:
            raise ValueError(f'"interval_in_seconds" ({polling.interval}) must not exceed '
                             f'"timeout_in_seconds" ({polling.timeout}), or the job would '
                             "never be checked.")
        return polling


def _poll_job(client: Client, command: str, args: dict, job_id: int, polling: Polling,
              finish: Callable[[dict], CommandResults],
              run_type: str | None = None) -> CommandResults:
    """Reads the job; schedules this command again until its latest run has finished.

    With run_type, only a finished run of that type ends the wait, so the run that finished
    before a restore is not taken for the restore itself.
    """
    try:
        job = _as_dict(client.get_quarantine_job(job_id))
    except DemistoException as exc:
        raise DemistoException(
            f"Checking quarantine job {job_id} failed: {exc} Follow it with "
            f"!cofense-quarantine-job-get id={job_id} rather than running this command again."
        ) from None
    run = latest_run(job)
    status = run.get("status")
    if status in FINISHED_JOB_STATUSES and run_type in (None, run.get("jobRunType")):
        return finish(job)
    demisto.debug(f"Quarantine job {job_id} is {status}; polling again in {polling.interval} s.")
    next_args = {**args, "job_id": str(job_id), "polling": "true"}
    if run_type in (None, run.get("jobRunType")):
        waiting = f"Waiting for quarantine job {job_id} ({status})…"
    else:
        waiting = f"Waiting for quarantine job {job_id} to start its {run_type} run…"
    return CommandResults(
        readable_output=waiting,
        scheduled_command=ScheduledCommand(
            command=command,
            next_run_in_seconds=polling.interval,
            args=next_args,
            timeout_in_seconds=polling.timeout,
        ),
    )


def _finished_job(title: str) -> Callable[[dict], CommandResults]:
    """What a polled command shows once its job's run has finished."""
    def finish(job: dict) -> CommandResults:
        status = latest_run(job).get("status")
        return _job_results(job, f"{title} Latest run: {status}.", JOB_COLUMNS,
                            with_emails=True)

    return finish


def quarantine_job_create_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-job-create: a job for the given emails; can wait for it."""
    polling = Polling.from_args(args)
    if polling.job_id is not None:
        return _poll_job(client, "cofense-quarantine-job-create", args, polling.job_id,
                         polling, _finished_job("Quarantine job has finished."))
    emails = parse_quarantine_emails(args.get("quarantine_emails"))

    job = _as_dict(client.create_quarantine_job(emails))

    created_id = str(job.get("id"))
    if polling.enabled and POSITIVE_ID_PATTERN.fullmatch(created_id):
        return _poll_job(client, "cofense-quarantine-job-create", args, int(created_id),
                         polling, _finished_job("Quarantine job has finished."))
    title = "Quarantine job create:\n### Quarantine job has been created successfully."
    return _job_results(job, title, JOB_CREATED_COLUMNS)


def quarantine_job_get_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-job-get: one job, its latest run and its emails."""
    job_id = parse_positive_id(args)

    job = _as_dict(client.get_quarantine_job(job_id))

    return _job_results(job, "Quarantine Job:", JOB_COLUMNS)


def quarantine_job_delete_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-job-delete: removes the job."""
    job_id = parse_positive_id(args)

    client.delete_quarantine_job(job_id)

    return _job_flag_results(job_id, "isDeleted",
                             f"Quarantine Job with ID {job_id} is successfully deleted.")


def quarantine_job_restore_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-job-restore: puts the job's emails back; can wait for it."""
    polling = Polling.from_args(args)
    job_id = polling.job_id or parse_positive_id(args)
    title = (f"Emails quarantined by the quarantine job ID {job_id} have been "
             "successfully restored.")
    if polling.job_id is None:
        client.restore_quarantine_job(job_id)
    if polling.enabled:
        return _poll_job(client, "cofense-quarantine-job-restore", args, job_id, polling,
                         _finished_job(title), run_type="RESTORE")
    return _job_flag_results(job_id, "isRestored", title)


def quarantine_job_approve_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-job-approve: runs a job pending approval; can wait for it."""
    polling = Polling.from_args(args)
    job_id = polling.job_id or parse_positive_id(args)
    message_count = parse_int_arg(args, "message_count", minimum=1)
    title = f"Quarantine Job with ID {job_id} has been approved successfully."
    if polling.job_id is None:
        client.approve_quarantine_job(job_id, message_count)
    if polling.enabled:
        return _poll_job(client, "cofense-quarantine-job-approve", args, job_id, polling,
                         _finished_job(title))
    return _job_flag_results(job_id, "isApproved", title)


def quarantine_job_stop_command(client: Client, args: dict) -> CommandResults:
    """cofense-quarantine-job-stop: asks Vision to stop the job; can wait for it."""
    polling = Polling.from_args(args)
    job_id = polling.job_id or parse_positive_id(args)
    title = f"Quarantine job with ID {job_id} has been successfully stopped."
    if polling.job_id is None:
        job = _as_dict(client.stop_quarantine_job(job_id))
        if not polling.enabled:
            return _job_results(job, title, JOB_STOPPED_COLUMNS)
    return _poll_job(client, "cofense-quarantine-job-stop", args, job_id, polling,
                     lambda job: _job_results(job, title, JOB_STOPPED_COLUMNS))


# ---------------------------------------------------------------------------------------------
# Commands: IOC repository
# ---------------------------------------------------------------------------------------------


def _ioc_results(iocs: list[dict], title: str, columns: Iterable[Column], verdicts: Verdicts,
                 *, deleted: bool = False) -> CommandResults:
    """One entry for any number of IOCs: one table and every indicator."""
    indicators = [
        indicator for indicator in (verdicts.indicator(ioc, deleted=deleted) for ioc in iocs)
        if indicator is not None
    ]
    readable = render_table(title, columns, iocs)
    outputs: Any = iocs[0] if len(iocs) == 1 else iocs
    return CommandResults(
        outputs_prefix="Cofense.IOC",
        outputs_key_field="id",
        outputs=outputs,
        readable_output=readable,
        raw_response=outputs,
        indicators=indicators or None,
    )


def iocs_list_command(client: Client, args: dict, verdicts: Verdicts) -> CommandResults:
    """cofense-iocs-list: one page of the source's IOCs, with their reputation."""
    source = parse_ioc_source(args)
    query = paging_query(args, IOC_SORT_KEYS, None)
    query.append(("includeExpired", query_flag(parse_bool_arg(args, "include_expired"))))
    since = to_api_date(parse_date_arg(args, "since"))
    if since:
        query.append(("since", since))

    iocs = _as_list(_as_dict(client.list_iocs(source, query)).get("data"))

    return _ioc_results(iocs, "IOC:", IOC_LIST_COLUMNS, verdicts)


def ioc_get_command(client: Client, args: dict, verdicts: Verdicts) -> CommandResults:
    """cofense-ioc-get: one IOC, with its reputation."""
    source = parse_optional_ioc_source(args)
    ioc_id = parse_ioc_id(args)

    ioc = _as_dict(_as_dict(client.get_ioc(source or DEFAULT_IOC_SOURCE, ioc_id)).get("data"))

    return _ioc_results([ioc] if ioc else [], "IOC:", IOC_COLUMNS, verdicts)


def last_ioc_get_command(client: Client, args: dict, verdicts: Verdicts) -> CommandResults:
    """cofense-last-ioc-get: the IOC the source updated last."""
    source = parse_ioc_source(args)

    ioc = _as_dict(_as_dict(client.get_last_ioc(source)).get("data"))

    return _ioc_results([ioc] if ioc else [], "Last IOC:", LAST_IOC_COLUMNS, verdicts)


def ioc_update_command(client: Client, args: dict, verdicts: Verdicts) -> CommandResults:
    """cofense-ioc-update: a new expiry for one IOC."""
    ioc_id = parse_ioc_id(args)
    expires_at = parse_date_arg(args, "expires_at", forward=True)
    if expires_at is None:
        raise ValueError('The argument "expires_at" is required.')

    reply = client.update_ioc_expiry(DEFAULT_IOC_SOURCE, ioc_id, to_api_date(expires_at))
    ioc = _as_dict(_as_dict(reply).get("data"))

    title = f"IOC with value {ioc_id} has been updated successfully."
    return _ioc_results([ioc] if ioc else [], title, IOC_COLUMNS, verdicts)


def ioc_delete_command(client: Client, args: dict, verdicts: Verdicts) -> CommandResults:
    """cofense-ioc-delete: removes one IOC; its indicator scores as unknown."""
    source = parse_ioc_source(args)
    ioc_id = parse_ioc_id(args)

    ioc = _as_dict(_as_dict(client.delete_ioc(source, ioc_id)).get("data"))

    ioc = {**ioc, "id": ioc.get("id", ioc_id), "deleted": True}
    title = f'IOC with value "{ioc_id}" has been deleted successfully.'
    return _ioc_results([ioc], title, IOC_DELETED_COLUMNS, verdicts, deleted=True)


IOC_REQUIRED_FIELDS = ("threat_type", "threat_value", "threat_level", "created_at", "source_id")
# The date fields of an IOC, and whether each is an expiry (durations count forward).
IOC_DATE_FIELDS = {"created_at": False, "updated_at": False, "requested_expiration": True}


def _ioc_item(fields: dict, where: str) -> dict:
    """One IOC of an upsert, validated; `where` names it in errors."""
    for name in IOC_REQUIRED_FIELDS:
        value = fields.get(name)
        if value is None or not str(value).strip():
            raise ValueError(f'{where}: "{name}" is required.')
    for name in (*IOC_REQUIRED_FIELDS, *IOC_DATE_FIELDS):
        value = fields.get(name)
        if value is not None and not isinstance(value, str) and not (
                name == "source_id" and isinstance(value, int) and not isinstance(value, bool)):
            raise ValueError(f'{where}: "{name}" must be text; got {type(value).__name__}.')
    threat_type = str(fields["threat_type"]).strip().upper()
    if threat_type not in THREAT_TYPES:
        raise ValueError(f'{where}: "threat_type" must be one of Domain, MD5, Sender, SHA256, '
                         f'Subject, URL; got "{_shown(fields["threat_type"])}".')
    threat_value = str(fields["threat_value"])
    digits = HASH_LENGTHS.get(threat_type)
    if digits:
        threat_value = threat_value.strip().lower()  # as every other hash this module sends
        if not is_hex(threat_value, digits):
            raise ValueError(f'{where}: "threat_value" must be {digits} hexadecimal digits for '
                             f'threat type {threat_type}; got "{_shown(fields["threat_value"])}".')
    dates = {}
    for name, forward in IOC_DATE_FIELDS.items():
        value = fields.get(name)
        if value is not None and str(value).strip():
            moment = parse_date_text(str(value).strip(), name, forward=forward,
                                     label=f'{where}: "{name}"')
            dates[name] = to_api_date(moment)
    dates.setdefault("updated_at", to_api_date(datetime.now(timezone.utc)))
    source = {
        "threat_level": str(fields["threat_level"]).strip(),
        "id": str(fields["source_id"]).strip(),
        **dates,
    }
    return {
        "type": "ioc",
        "attributes": {"threat_type": threat_type, "threat_value": threat_value},
        "metadata": {"source": source},
    }


def parse_iocs_json(raw: str) -> list[dict]:
    """iocs_json: a JSON array of IOC objects, or one object; each item validated."""
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f'"iocs_json" is not valid JSON ({exc.msg} at position {exc.pos}).') \
            from None
    except (ValueError, RecursionError):
        raise ValueError('"iocs_json" is not valid JSON, or is nested too deeply to read.') \
            from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise ValueError('"iocs_json" must be a JSON array of IOC objects, or one object.')
    parsed = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f'"iocs_json" item {index} must be a JSON object.')
        parsed.append(_ioc_item(item, f'"iocs_json" item {index}'))
    return parsed


class UpsertOutcome(NamedTuple):
    """What a batched upsert stored, and a line for each batch it did not."""

    stored: list[dict]
    failures: list[str]
    batches: int
    batches_not_stored: int


def upsert_in_batches(client: Client, source: str, items: list[dict]) -> UpsertOutcome:
    """Sends items in batches of IOC_BATCH_SIZE; a network failure stops the rest."""
    stored: list[dict] = []
    failures: list[str] = []
    starts = range(0, len(items), IOC_BATCH_SIZE)
    for number, start in enumerate(starts, start=1):
        batch = items[start:start + IOC_BATCH_SIZE]
        try:
            stored.extend(_as_list(_as_dict(client.upsert_iocs(source, batch)).get("data")))
        except DemistoException as exc:
            failures.append(f"Batch {number} of {len(starts)} (items {start}–"
                            f"{start + len(batch) - 1}) failed: {exc}")
            if exc.exception is not None and number < len(starts):
                # The network failed even after retries; the next batches would wait as long.
                unsent = len(starts) - number
                failures.append(f"{unsent} more batch(es) (items {start + len(batch)}–"
                                f"{len(items) - 1}) were not sent.")
                return UpsertOutcome(stored, failures, len(starts), len(failures) - 1 + unsent)
    return UpsertOutcome(stored, failures, len(starts), len(failures))


def iocs_update_command(client: Client, args: dict,
                        verdicts: Verdicts) -> CommandResults | list:
    """cofense-iocs-update: adds or updates IOCs, in batches; one entry for all."""
    source = parse_ioc_source(args)
    raw_json = _text_arg(args, "iocs_json")
    if raw_json is not None:
        items = parse_iocs_json(raw_json)
    else:
        items = [_ioc_item(args, "To update one IOC without iocs_json")]

    stored, failures, batches, batches_not_stored = upsert_in_batches(client, source, items)

    if failures and not stored:
        raise DemistoException(" ".join(failures))
    if failures:
        title = (f"{len(stored)} of {len(items)} IOCs updated; {batches_not_stored} of "
                 f"{batches} batches were not stored (see the error entry).")
    elif len(stored) == 1:
        title = f"IOC {stored[0].get('id')} updated successfully."
    else:
        title = f"{len(stored)} IOCs updated successfully in {batches} batch(es)."
    results = _ioc_results(stored, title, IOC_UPSERT_COLUMNS, verdicts)
    if not failures:
        return results
    # The stored IOCs keep their entry and context; the error entry fails the playbook task,
    # so a partial upload is never taken for a complete one.
    failed = "Failed to execute cofense-iocs-update command. " + " ".join(failures)
    return [results, text_entry("error", failed)]


# ---------------------------------------------------------------------------------------------
# test-module and main
# ---------------------------------------------------------------------------------------------


def test_module(client: Client) -> str:
    """Fetches a token and reads the searchable headers: proves URL, credentials and role."""
    try:
        client.get_searchable_headers()
    except VisionApiError as exc:
        if getattr(exc.res, "status_code", None) != 404:
            raise
        raise DemistoException(
            "Cofense Vision answered HTTP 404 to the connection test. Check that the Server "
            "URL is Vision's address alone, without a path such as /api/v4."
        ) from None
    return "ok"


class InstanceSettings(NamedTuple):
    """The instance parameters, validated together so every problem is named at once."""

    url: str
    client_id: str
    client_secret: str
    verify: bool
    proxy: bool
    timeout: float
    verdicts: Verdicts

    def __repr__(self) -> str:
        return (f"InstanceSettings(url={self.url!r}, client_id={self.client_id!r}, "
                "client_secret=<hidden>)")

    @classmethod
    def from_params(cls, params: dict) -> "InstanceSettings":
        """The settings of demisto.params(); every problem is named in one error."""
        problems = []

        url = str(params.get("url") or "").strip().rstrip("/")
        if not re.match(r"https?://[^/\s]+", url):
            problems.append("Server URL must start with https:// (or http://) and name a host")
        elif "@" in url.split("/")[2]:
            # requests would send such a user and password as Basic auth instead of the token.
            problems.append("Server URL must not hold a user name or password; the Client ID "
                            "and Client Secret are the credentials")

        credentials = params.get("credentials") or {}
        client_id = str(_as_dict(credentials).get("identifier") or "").strip()
        client_secret = str(_as_dict(credentials).get("password") or "")
        if not client_id:
            problems.append("Client ID is missing")
        if not client_secret:
            problems.append("Client Secret is missing")

        timeout_text = str(params.get("timeout") or DEFAULT_TIMEOUT_SECONDS).strip()
        try:
            timeout = float(timeout_text)
            if not 0 < timeout <= 600:
                raise ValueError
        except ValueError:
            problems.append("HTTP timeout must be a number of seconds above 0, at most 600")
            timeout = DEFAULT_TIMEOUT_SECONDS

        reliability = params.get("integration_reliability") or DBotScoreReliability.B
        if not DBotScoreReliability.is_valid_type(reliability):
            problems.append(f"Source Reliability '{_shown(reliability)}' is not one of XSOAR's")

        if problems:
            raise DemistoException("The instance settings need attention: "
                                   + "; ".join(problems) + ".")
        return cls(
            url=url,
            client_id=client_id,
            client_secret=client_secret,
            verify=not argToBoolean(params.get("insecure") or False),
            proxy=argToBoolean(params.get("proxy") or False),
            timeout=timeout,
            verdicts=Verdicts(params.get("threat_levels_good"),
                              params.get("threat_levels_suspicious"),
                              params.get("threat_levels_bad"), reliability),
        )


COMMANDS: dict[str, Callable[[Client, dict], Any]] = {
    "cofense-message-token-get": message_token_get_command,
    "cofense-message-metadata-get": message_metadata_get_command,
    "cofense-message-get": message_get_command,
    "cofense-message-attachment-get": message_attachment_get_command,
    "cofense-message-search-create": message_search_create_command,
    "cofense-message-searches-list": message_searches_list_command,
    "cofense-message-search-get": message_search_get_command,
    "cofense-message-search-results-get": message_search_results_get_command,
    "cofense-searchable-headers-get": searchable_headers_get_command,
    "cofense-searchable-headers-list": searchable_headers_get_command,
    "cofense-quarantine-jobs-list": quarantine_jobs_list_command,
    "cofense-quarantine-job-create": quarantine_job_create_command,
    "cofense-quarantine-job-get": quarantine_job_get_command,
    "cofense-quarantine-job-delete": quarantine_job_delete_command,
    "cofense-quarantine-job-restore": quarantine_job_restore_command,
    "cofense-quarantine-job-approve": quarantine_job_approve_command,
    "cofense-quarantine-job-stop": quarantine_job_stop_command,
}
IOC_COMMANDS: dict[str, Callable[[Client, dict, Verdicts], Any]] = {
    "cofense-iocs-list": iocs_list_command,
    "cofense-ioc-get": ioc_get_command,
    "cofense-last-ioc-get": last_ioc_get_command,
    "cofense-iocs-update": iocs_update_command,
    "cofense-ioc-update": ioc_update_command,
    "cofense-ioc-delete": ioc_delete_command,
}


def _masked(text: str, secrets: Iterable[Any]) -> str:
    """Replaces any secret that slipped into a message."""
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, "<XX_REPLACED>")
    return text


def main() -> None:  # pragma: no cover - exercised through the War Room tests
    """Runs the command XSOAR asks for and reports any failure as one error entry."""
    command = demisto.command()
    args = demisto.args()
    demisto.debug(f"Command being called is {command}")
    settings: InstanceSettings | None = None
    client: Client | None = None
    try:
        settings = InstanceSettings.from_params(demisto.params())
        client = Client(settings.url, settings.client_id, settings.client_secret,
                        verify=settings.verify, proxy=settings.proxy, timeout=settings.timeout)
        if command == "test-module":
            return_results(test_module(client))
        elif command in COMMANDS:
            return_results(COMMANDS[command](client, args))
        elif command in IOC_COMMANDS:
            return_results(IOC_COMMANDS[command](client, args, settings.verdicts))
        else:
            raise NotImplementedError(f"Command {command} is not implemented.")
    except Exception as exc:
        secrets = [settings.client_secret if settings else None,
                   getattr(client, "_access_token", None), args.get("password")]
        return_error(f"Failed to execute {command} command. {_masked(str(exc), secrets)}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
