"""The Flask app, the request pipeline around it, and a server for tests and demos.

Every request passes one WSGI layer that applies injected faults, times the request,
logs one INFO line (method, path, status, duration; never headers, bodies or query
strings) and records it in the request log, control-plane calls excepted.
"""

import contextlib
import ipaddress
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable

from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from . import control
from .backend import Backend
from .errors import MethodNotAllowed, NotFound, OAuthError, VisionError
from .faults import FaultPlan, parse_spec
from .handlers import auth
from .routes import Route, all_routes

REQUEST_LOG_LIMIT = 10_000
LOOPBACK_NAMES = ("localhost",)

log = logging.getLogger("vision_emulator")
request_log = logging.getLogger("vision_emulator.requests")


@dataclass
class EmulatorState:
    """What the app keeps beside the backend: fault rules and the request log."""

    backend: Backend
    faults: FaultPlan = field(default_factory=FaultPlan)
    requests: deque = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_LIMIT))


def create_app(backend: Backend | None = None, *, faults: Iterable[str] = (),
               **settings) -> Flask:
    """The emulator as a Flask app.

    Args:
        backend: the state to serve; a new ``Backend(**settings)`` when None.
        faults: fault specs to install at start (see ``faults.parse_spec``).
        settings: keyword arguments for ``Backend`` when none is given.
    """
    app = Flask("vision_emulator")
    app.json.sort_keys = False
    state = EmulatorState(backend or Backend(**settings))
    for spec in faults:
        state.faults.add(parse_spec(spec))
    app.extensions["vision_emulator"] = state

    for route in all_routes():
        app.add_url_rule(route.rule, endpoint=f"{route.method} {route.rule}",
                         view_func=_view(route, state.backend), methods=[route.method])
    app.register_blueprint(control.blueprint)
    _register_error_handlers(app)
    app.wsgi_app = _Pipeline(app.wsgi_app, state)
    return app


def _view(route: Route, backend: Backend):
    def view(**kwargs):
        with backend.lock:
            if not route.public:
                g.client_id = auth.authenticate()
            backend.settle()
            return route.handler(**kwargs)

    view.__name__ = route.handler.__name__
    return view


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(VisionError)
    def vision_error(error: VisionError):
        return jsonify(error.to_json()), error.status_code

    @app.errorhandler(OAuthError)
    def oauth_error(error: OAuthError):
        reply = jsonify(error.to_json())
        if error.status_code == 401:
            reply.headers["WWW-Authenticate"] = (
                f'Bearer error="{error.error}", '
                f'error_description="{error.description}"')
        return reply, error.status_code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 405:
            return vision_error(MethodNotAllowed())
        if error.code == 404:
            return vision_error(NotFound("No handler for this path"))
        return vision_error(_http_as_vision(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("Unexpected error in a handler")
        return vision_error(VisionError())


def _http_as_vision(error: HTTPException) -> VisionError:
    converted = VisionError(error.description)
    converted.status_code = error.code or 500
    converted.status = (error.name or "ERROR").upper().replace(" ", "_")
    return converted


class _Pipeline:
    """WSGI layer: faults, timing, the INFO line and the request log."""

    def __init__(self, app, state: EmulatorState):
        self.app = app
        self.state = state

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        started = time.perf_counter()
        seen = {"status": None}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            rule = (None if path.startswith(control.PREFIX)
                    else self.state.faults.take(method, path))
            fault_reply = self.state.faults.respond(rule, environ) if rule else None
            answer = self.app if fault_reply is None else fault_reply
            return answer(environ, recording_start_response)
        finally:
            self._record(method, path, environ.get("QUERY_STRING", ""), seen["status"],
                         time.perf_counter() - started)

    def _record(self, method: str, path: str, query: str, status: int | None,
                seconds: float) -> None:
        request_log.info("%s %s %s %.1f ms", method, path, status or "dropped",
                         seconds * 1000)
        if not path.startswith(control.PREFIX):
            self.state.requests.append(
                {"method": method, "path": path, "query": query, "status": status})


class _QuietHandler(WSGIRequestHandler):
    """Leaves request logging to the app; werkzeug's line would show query strings."""

    def log_request(self, code="-", size="-") -> None:
        return None


@dataclass
class RunningServer:
    """A server started by ``serve``."""

    url: str
    app: Flask
    backend: Backend

    @property
    def client_id(self) -> str:
        return self.backend.client_id

    @property
    def client_secret(self) -> str:
        return self.backend.client_secret

    @property
    def faults(self) -> FaultPlan:
        return self.app.extensions["vision_emulator"].faults

    @property
    def requests(self) -> deque:
        return self.app.extensions["vision_emulator"].requests

    def __repr__(self) -> str:
        return f"RunningServer(url={self.url!r}, client_id={self.client_id!r})"


def check_loopback(host: str) -> None:
    """Raises ValueError unless host is a loopback address."""
    if host in LOOPBACK_NAMES:
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"The emulator serves on loopback only, not on {host!r}")


def server_url(host: str, port: int) -> str:
    """The base URL of a server on host and port; an IPv6 host goes in brackets."""
    url_host = f"[{host}]" if ":" in host else host
    return f"http://{url_host}:{port}"


def make_emulator_server(host: str, port: int, app: Flask):
    """A threaded werkzeug server for the app (not yet serving)."""
    check_loopback(host)
    return make_server(host, port, app, threaded=True, request_handler=_QuietHandler)


@contextlib.contextmanager
def serve(host: str = "127.0.0.1", port: int = 0, **settings):
    """Runs the emulator in a background thread for the duration of a ``with`` block.

    Args:
        host: a loopback address.
        port: 0 picks a free port.
        settings: keyword arguments of ``create_app`` and ``Backend``.

    Yields:
        RunningServer with ``url``, ``backend``, ``client_id``, ``client_secret``,
        ``faults`` and ``requests``.
    """
    app = create_app(**settings)
    server = make_emulator_server(host, port, app)
    thread = threading.Thread(target=server.serve_forever, name="vision-emulator",
                              daemon=True)
    thread.start()
    running = RunningServer(server_url(host, server.server_port), app,
                            app.extensions["vision_emulator"].backend)
    log.debug("Vision emulator serving at %s", running.url)
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        log.debug("Vision emulator at %s stopped", running.url)
