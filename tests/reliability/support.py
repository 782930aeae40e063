"""Helpers of the reliability tests: the emulator seen from a test, the instance
parameters that point at it, and the integration context file of a War Room home.
"""

import json
import pathlib

from vision_emulator.faults import rule_from_json

HTTP_TIMEOUT_SECONDS = "2"
TOKEN_PATH = "/uaa/oauth/token"


class Vision:
    """A running emulator with helpers to add faults and read the request log."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.backend = server.backend

    def fault(self, endpoint: str, fault: str, **options) -> None:
        """Adds a fault rule, e.g. fault("GET /api/v4/searches/*", "503", count=2)."""
        self.server.faults.add(rule_from_json({"endpoint": endpoint, "fault": fault,
                                               **options}))

    def attempts(self, method: str, path: str) -> list[int | None]:
        """Statuses of the logged requests to one method and path (None: dropped)."""
        return [entry["status"] for entry in self.server.requests
                if entry["method"] == method and entry["path"] == path]

    def token_requests(self) -> int:
        return len(self.attempts("POST", TOKEN_PATH))

    def issued_tokens(self) -> list[str]:
        """Every bearer token this emulator has issued since its last reset."""
        return list(self.backend.auth._tokens)

    def clear_log(self) -> None:
        self.server.requests.clear()


def instance_params(vision: Vision, **changes) -> dict:
    """Instance parameters for the emulator, as the yml names them."""
    params = {
        "url": vision.url,
        "credentials": {"identifier": vision.server.client_id,
                        "password": vision.server.client_secret},
        "timeout": HTTP_TIMEOUT_SECONDS,
    }
    params.update(changes)
    return params


def context_file(home: pathlib.Path) -> pathlib.Path:
    return home / "instances" / "default" / "integration_context.json"


def write_context(home: pathlib.Path, content: str) -> None:
    path = context_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def read_context(home: pathlib.Path) -> dict:
    return json.loads(context_file(home).read_text(encoding="utf-8"))
