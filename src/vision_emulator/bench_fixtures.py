"""Large synthetic downloads for the benchmark, made in chunks and never held whole.

``install(app)`` must run before the app serves its first request. It adds the control
route ``POST /_emulator/bench/large-payloads`` ``{"bytes": N}``, which answers with a
fresh message download token and attachment MD5 whose downloads stream N bytes, and it
wraps the two download views so those names stream while every other request is served
as before. The synthetic attachment's MD5 is a name only, not the hash of its bytes.
"""

import os
import secrets
import zipfile

from flask import Blueprint, Response, current_app, request

from .errors import BadRequest
from .handlers import auth

CHUNK_BYTES = 1024 * 1024
MAX_BYTES = 4 * 1024**3
MESSAGE_VIEW = "GET /api/v4/messages"
ATTACHMENT_VIEW = "GET /api/v4/attachment"

blueprint = Blueprint("emulator_bench", __name__, url_prefix="/_emulator/bench")


def install(app) -> None:
    """Adds the control route and the streaming download views to a fresh app."""
    app.extensions["vision_emulator_bench"] = {"tokens": {}, "md5s": {}}
    app.register_blueprint(blueprint)
    _wrap(app, MESSAGE_VIEW, "tokens", "token", _zip_stream)
    _wrap(app, ATTACHMENT_VIEW, "md5s", "md5", _raw_stream)


@blueprint.post("/large-payloads")
def large_payloads():
    """Registers one synthetic message and attachment of the requested size."""
    size = (request.get_json(silent=True) or {}).get("bytes")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_BYTES:
        raise BadRequest(f"bytes must be an integer from 1 to {MAX_BYTES}", ["bytes"])
    names = current_app.extensions["vision_emulator_bench"]
    token, md5 = secrets.token_hex(16), secrets.token_hex(16)
    names["tokens"][token] = size
    names["md5s"][md5] = size
    return {"token": token, "md5": md5, "bytes": size}


def _wrap(app, endpoint: str, table: str, argument: str, stream) -> None:
    original = app.view_functions[endpoint]

    def view(**kwargs):
        size = app.extensions["vision_emulator_bench"][table].pop(
            request.args.get(argument, ""), None
        )
        if size is None:
            return original(**kwargs)
        backend = app.extensions["vision_emulator"].backend
        with backend.lock:
            auth.authenticate()
        return Response(stream(size), mimetype="application/octet-stream")

    app.view_functions[endpoint] = view


def _raw_stream(size: int):
    block = os.urandom(CHUNK_BYTES)
    remaining = size
    while remaining > 0:
        piece = block[: min(remaining, CHUNK_BYTES)]
        remaining -= len(piece)
        yield piece


class _Sink:
    """A write-only, unseekable file handing back what was written since last asked."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _zip_stream(size: int):
    """A stored (uncompressed) zip of one synthetic ``.eml``, written as it goes."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        with archive.open("bench.eml", "w", force_zip64=True) as member:
            member.write(b"Subject: benchmark\r\n\r\n")
            yield sink.take()
            for chunk in _raw_stream(size):
                member.write(chunk)
                yield sink.take()
    yield sink.take()
