"""Fault injection: make the next N calls to an endpoint fail the way networks do.

A rule names ``"<METHOD> <path pattern>"`` (``*`` matches any run of characters, ``*``
alone as method matches every method), a fault and a count. Faults are applied before
authentication and before the handler, so they hit the token service as well.
"""

import fnmatch
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from werkzeug.wrappers import Response

from .errors import InternalServerError, InvalidToken, VisionError

HTML_PAGE = ("<html><head><title>{status}</title></head><body><center><h1>{status}"
             "</h1></center><hr><center>nginx</center></body></html>")
DEFAULT_SLOW_SECONDS = 5.0


class TooManyRequests(VisionError):
    status_code = 429
    status = "TOO_MANY_REQUESTS"
    default_message = "Rate limit exceeded; try again later"


class ConnectionDropped(ConnectionAbortedError):
    """Raised when a fault drops the connection; the server writes no reply."""


@dataclass(frozen=True)
class FaultKind:
    """How one fault answers: its default status and the shape of its body."""

    status: int
    body: str  # "json", "html", "empty", "oauth", "none" (drop) or "pass" (slow)


FAULT_KINDS = {
    "429": FaultKind(429, "json"),
    "500": FaultKind(500, "json"),
    "502": FaultKind(502, "html"),
    "503": FaultKind(503, "html"),
    "504": FaultKind(504, "html"),
    "html": FaultKind(500, "html"),
    "empty": FaultKind(200, "empty"),
    "slow": FaultKind(200, "pass"),
    "drop": FaultKind(0, "none"),
    "expired_token": FaultKind(401, "oauth"),
}
STATUS_PHRASES = {
    200: "200 OK", 429: "429 Too Many Requests", 500: "500 Internal Server Error",
    502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass
class FaultRule:
    """The next ``count`` requests matching method and path get ``fault``.

    Args:
        retry_after: seconds for a Retry-After header (429 and 503); None sends none.
        delay: seconds a ``slow`` fault waits before the normal reply.
        status: overrides the fault's status code.
    """

    method: str
    path: str
    fault: str
    count: int = 1
    retry_after: int | None = None
    delay: float = DEFAULT_SLOW_SECONDS
    status: int | None = None

    def __post_init__(self):
        if self.fault not in FAULT_KINDS:
            raise ValueError(f"Unknown fault {self.fault!r}; choose one of "
                             f"{', '.join(FAULT_KINDS)}")
        if self.count < 1:
            raise ValueError("count must be 1 or more")

    def matches(self, method: str, path: str) -> bool:
        method_ok = self.method == "*" or self.method.upper() == method.upper()
        return method_ok and fnmatch.fnmatchcase(path, self.path)

    def to_json(self) -> dict:
        return {"endpoint": f"{self.method} {self.path}", "fault": self.fault,
                "count": self.count, "retryAfter": self.retry_after,
                "delay": self.delay, "status": self.status}


@dataclass
class FaultPlan:
    """The pending fault rules, consumed in the order they were added."""

    sleep: Callable[[float], None] = time.sleep
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching the request, with one use of it spent."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                    return rule
        return None

    def respond(self, rule: FaultRule, environ: dict) -> Response | None:
        """The reply a fault gives instead of the real one; None lets the request on.

        Raises:
            ConnectionDropped: for ``drop``, after closing the client's socket.
        """
        kind = FAULT_KINDS[rule.fault]
        status = rule.status or kind.status
        if kind.body == "pass":
            self.sleep(rule.delay)
            return None
        if kind.body == "none":
            _close_socket(environ)
            raise ConnectionDropped("fault injection dropped the connection")

        reply = _reply(kind.body, status)
        if rule.retry_after is not None:
            reply.headers["Retry-After"] = str(rule.retry_after)
        return reply


def _reply(body: str, status: int) -> Response:
    if body == "html":
        phrase = STATUS_PHRASES.get(status, str(status))
        return Response(HTML_PAGE.format(status=phrase), status, mimetype="text/html")
    if body == "empty":
        return Response(b"", status)
    if body == "oauth":
        error = InvalidToken("Access token expired")
    elif status == 429:
        error = TooManyRequests()
    else:
        error = InternalServerError()
    return Response(json.dumps(error.to_json()), status, mimetype="application/json")


def _close_socket(environ: dict) -> None:
    connection = environ.get("werkzeug.socket")
    if connection is None:
        return
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


def parse_spec(spec: str) -> FaultRule:
    """A rule from a start flag: ``"<METHOD> <path>=<fault>[,count=N][,retryAfter=S]
    [,delay=S][,status=C]"``, e.g. ``"GET /api/v4/searches/*=503,count=2"``.

    Raises:
        ValueError: when the text does not have that shape.
    """
    endpoint, sep, rest = spec.partition("=")
    method, _, path = endpoint.strip().partition(" ")
    fault, *options = [part.strip() for part in rest.split(",")]
    if not sep or not path.strip() or not fault:
        raise ValueError("A fault spec looks like 'GET /api/v4/*=503,count=2', "
                         f"not {spec!r}")
    settings = dict(option.partition("=")[::2] for option in options)
    return rule_from_json({"endpoint": f"{method} {path.strip()}", "fault": fault,
                           **settings})


def rule_from_json(body: dict) -> FaultRule:
    """A rule from the control plane's JSON (the same keys as ``FaultRule.to_json``).

    Raises:
        ValueError: when a key is missing or malformed.
    """
    method, _, path = str(body.get("endpoint", "")).strip().partition(" ")
    if not method or not path.strip():
        raise ValueError("endpoint must look like '<METHOD> <path pattern>'")
    try:
        return FaultRule(
            method=method, path=path.strip(), fault=str(body.get("fault", "")),
            count=int(body.get("count", 1)),
            retry_after=_optional_number(body.get("retryAfter"), int),
            delay=_optional_number(body.get("delay"), float) or DEFAULT_SLOW_SECONDS,
            status=_optional_number(body.get("status"), int),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def _optional_number(value: Any, kind: type):
    return None if value is None or value == "" else kind(value)
