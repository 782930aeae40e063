"""The IOC Repository v1: list, upsert, get, set expiry, delete and last.

Every call names its source in ``X-Cofense-IOC-Source``: 400 when it is missing, 422
when it holds characters other than letters, digits and ``- . _ ~``. ``metadata.source``
of a reply is the calling source's view (null when that source never delivered the IOC).
Behaviour chosen where Vision's is unknown: the list holds only IOCs the calling source
delivered, and ``last`` answers ``{"data": null}`` when it delivered none.
"""

from flask import request

from ..backend.iocs import SOURCE_HEADER, check_source, parse_utc
from ..errors import BadRequest
from . import current_backend, flag_arg, json_body, parse_paging

IOC_SORT_KEYS = {"updatedAt": lambda ioc: ioc.updated}
IOCS = "/iocrepository/v1/iocs"


def list_iocs():
    """GET /iocrepository/v1/iocs?page&size&includeExpired&since&sort=updatedAt,asc"""
    source = _source()
    paging = parse_paging(IOC_SORT_KEYS, default_sort="updatedAt")
    include_expired = flag_arg("includeExpired")
    since = _date_arg("since")

    repository = current_backend().iocs
    found = repository.select(source, include_expired=include_expired, since=since)
    page = paging.apply(found, IOC_SORT_KEYS)

    return {"data": [repository.view(ioc, source) for ioc in page]}


def upsert_iocs():
    """PUT /iocrepository/v1/iocs with {"data": [ioc, ...]}"""
    source = _source()
    repository = current_backend().iocs
    stored = repository.upsert(source, json_body())
    return {"data": [repository.view(ioc, source) for ioc in stored]}


def get_ioc(ioc_id: str):
    """GET /iocrepository/v1/iocs/{id}"""
    source = _source()
    repository = current_backend().iocs
    return {"data": repository.view(repository.get(ioc_id), source)}


def set_ioc_expiry(ioc_id: str):
    """PUT /iocrepository/v1/iocs/{id} with data.metadata.quarantine.expires_at"""
    source = _source()
    repository = current_backend().iocs
    return {"data": repository.view(repository.set_expiry(ioc_id, json_body()), source)}


def delete_ioc(ioc_id: str):
    """DELETE /iocrepository/v1/iocs/{id}; replies with the deleted IOC."""
    source = _source()
    repository = current_backend().iocs
    return {"data": repository.view(repository.delete(ioc_id), source)}


def last_ioc():
    """GET /iocrepository/v1/iocs/last; {"data": null} when the source has none."""
    source = _source()
    repository = current_backend().iocs
    ioc = repository.last(source)
    return {"data": None if ioc is None else repository.view(ioc, source)}


def _source() -> str:
    return check_source(request.headers.get(SOURCE_HEADER))


def _date_arg(name: str):
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_utc(text)
    except ValueError:
        raise BadRequest(f"{name} is not an ISO 8601 date", [name]) from None


ROUTES = [
    ("GET", IOCS, list_iocs),
    ("PUT", IOCS, upsert_iocs),
    ("GET", f"{IOCS}/last", last_ioc),
    ("GET", f"{IOCS}/<ioc_id>", get_ioc),
    ("PUT", f"{IOCS}/<ioc_id>", set_ioc_expiry),
    ("DELETE", f"{IOCS}/<ioc_id>", delete_ioc),
]
