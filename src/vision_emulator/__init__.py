"""A stateful Cofense Vision server for tests and demos (see the README beside it).

``create_app`` gives the Flask app for in-process tests; ``serve`` runs it on a loopback
port in a background thread.
"""

from .app import RunningServer, create_app, serve
from .backend import Backend

__all__ = ["Backend", "RunningServer", "create_app", "serve"]
