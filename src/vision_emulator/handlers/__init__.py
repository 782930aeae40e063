"""Helpers every request handler uses: the backend, the caller, the body, paging.

Handlers parse and validate one request, call the backend and shape the reply; they
raise the errors of ``vision_emulator.errors`` and never build error bodies themselves.
Each handler runs while ``current_backend().lock`` is held.
"""

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from flask import Response, current_app, g, request

from ..errors import BadRequest, UnsupportedMediaType

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 2000
SORT_ORDERS = {"asc": False, "desc": True}
FLAGS = {"true": True, "false": False}


def current_backend():
    """The ``Backend`` of the app serving this request."""
    return current_app.extensions["vision_emulator"].backend


def current_client_id() -> str:
    """The client id the request's bearer token was issued to."""
    return g.client_id


def json_body() -> Any:
    """The request's JSON body.

    Raises:
        UnsupportedMediaType: when the body is not declared as JSON.
        BadRequest: when the body is not valid JSON.
    """
    if not request.is_json:
        raise UnsupportedMediaType()
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("The request body is not valid JSON")
    return body


def empty_reply() -> Response:
    """A 200 reply with no body and, as a body-less reply has, no Content-Type."""
    reply = Response(b"", status=200)
    reply.headers.remove("Content-Type")
    return reply


def required_arg(name: str) -> str:
    """A query parameter that must be present and not blank.

    Raises:
        BadRequest: when it is missing.
    """
    value = request.args.get(name, "").strip()
    if not value:
        raise BadRequest(f"Required parameter '{name}' is missing", [name])
    return value


def flag_arg(name: str, default: bool = False) -> bool:
    """A true/false query parameter (any case); the default when it is absent.

    Raises:
        BadRequest: for any other value.
    """
    text = request.args.get(name, "").strip().lower()
    if not text:
        return default
    if text not in FLAGS:
        raise BadRequest(f"{name} must be true or false", [name])
    return FLAGS[text]


@dataclass(frozen=True)
class Paging:
    """Spring-style paging: a 0-based page, a page size and sort keys in order."""

    page: int
    size: int
    sort: tuple[tuple[str, bool], ...]

    def apply(self, items: list, keys: dict[str, Callable[[Any], Any]]) -> list:
        """Sorts by the sort keys (nulls last when ascending) and cuts the page."""
        ordered = list(items)
        for name, descending in reversed(self.sort):
            read = keys[name]
            ordered.sort(key=lambda item: _null_last(read(item)), reverse=descending)
        start = self.page * self.size
        return ordered[start:start + self.size]


def parse_paging(sort_keys: Iterable[str], default_sort: str = "id") -> Paging:
    """Reads ``page``, ``size`` and every ``sort=<property>,<asc|desc>`` of the query.

    Raises:
        BadRequest: for a page below 0, a size outside 1..2000, an unknown sort property
            or an order other than asc and desc.
    """
    page = _int_arg("page", 0)
    size = _int_arg("size", DEFAULT_PAGE_SIZE)
    if page < 0:
        raise BadRequest("page must be 0 or more", ["page"])
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"size must be between 1 and {MAX_PAGE_SIZE}", ["size"])

    allowed = set(sort_keys)
    sort = []
    for text in request.args.getlist("sort") or [default_sort]:
        name, _, order = text.partition(",")
        name, order = name.strip(), (order.strip() or "asc").lower()
        if name not in allowed:
            raise BadRequest(f"Unknown sort property: {name[:40]}",
                             [f"Sortable properties: {', '.join(sorted(allowed))}"])
        if order not in SORT_ORDERS:
            raise BadRequest(f"Unknown sort order: {order[:10]}", ["Use asc or desc"])
        sort.append((name, SORT_ORDERS[order]))
    return Paging(page, size, tuple(sort))


def _int_arg(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number", [name]) from None


def _null_last(value: Any) -> tuple:
    return (True, 0) if value is None else (False, value)
