"""The route table: method, Flask rule and handler for every emulated Vision path.

An entry is ``(method, rule, handler)`` or ``Route(method, rule, handler, public=True)``
and needs a valid bearer token unless it is marked public. The quarantine-job and
IOC-repository handlers add their own ``ROUTES`` when their modules exist.
"""

from typing import Callable, NamedTuple

from .backend import import_optional
from .handlers import auth, messages, searches


class Route(NamedTuple):
    method: str
    rule: str
    handler: Callable
    public: bool = False


CORE_ROUTES = [
    Route("POST", "/uaa/oauth/token", auth.issue_token, public=True),
    Route("GET", "/actuator/health", auth.health, public=True),
    Route("GET", "/api/v4/messages/metadata", messages.message_metadata),
    Route("POST", "/api/v4/messages", messages.message_token),
    Route("GET", "/api/v4/messages", messages.message_download),
    Route("GET", "/api/v4/attachment", messages.attachment_download),
    Route("POST", "/api/v4/searches", searches.create_search),
    Route("GET", "/api/v4/searches", searches.list_searches),
    Route("GET", "/api/v4/searches/<int:search_id>", searches.get_search),
    Route("GET", "/api/v4/searches/<int:search_id>/results", searches.search_results),
    Route("GET", "/api/v4/config/searchableHeaders", searches.searchable_headers),
]
OPTIONAL_HANDLER_MODULES = ("quarantine", "iocs")


def all_routes() -> list[Route]:
    """The core routes followed by those of every optional handler module present."""
    table = list(CORE_ROUTES)
    for name in OPTIONAL_HANDLER_MODULES:
        module = import_optional(f"{__package__}.handlers.{name}")
        if module is not None:
            table.extend(Route(*entry) for entry in module.ROUTES)
    return table


ROUTES = all_routes()
