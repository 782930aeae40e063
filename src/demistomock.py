"""The `demisto` object of the XSOAR platform, as an integration sees it.

Each function reads or writes the current run of `xsoar_local.runtime`. Outside a run
(unit tests that patch these functions) it works on empty arguments and parameters and
an in-memory integration context. `callingContext` follows the current run. A platform
function this stand-in lacks raises NotImplementedError when called.
"""

import json as _json
import uuid as _uuid
from collections.abc import MutableMapping as _MutableMapping

from xsoar_local import redact as _redact
from xsoar_local import runtime as _runtime

PLATFORM_VERSION = {"version": "6.10.0", "buildNumber": "12345"}

_detached = _runtime.Invocation.detached()

is_debug = False


def _run() -> "_runtime.Invocation":
    return _runtime.current() or _detached


def _text(message, values) -> str:
    if not values:
        return str(message)
    try:
        return str(message) % values
    except (TypeError, ValueError):
        return " ".join(str(part) for part in (message, *values))


def command() -> str:
    """Returns the name of the command being run."""
    return _run().command


def args() -> dict:
    """Returns the command arguments."""
    return _run().args


def params() -> dict:
    """Returns the instance parameters."""
    return _run().params


def getArg(arg):
    """Returns one command argument, or None."""
    return args().get(arg)


def getParam(param):
    """Returns one instance parameter, or None."""
    return params().get(param)


def results(results):
    """Sends an entry, a list of entries or a plain value to the War Room."""
    _run().add_results(results)


def log(msg):
    """Writes a line to the integration log."""
    _run().log("info", msg)


def info(msg, *args):
    """Writes an info line to the integration log."""
    _run().log("info", _text(msg, args))


def debug(msg, *args):
    """Writes a debug line to the integration log."""
    _run().log("debug", _text(msg, args))


def error(msg, *args):
    """Writes an error line to the integration log; it is kept and shown."""
    _run().log("error", _text(msg, args))


def investigation():
    """Returns the investigation the command runs in: `{"id": "1"}`."""
    return dict(_run().investigation)


def uniqueFile():
    """Returns a fresh unique name for a file the command writes."""
    return str(_uuid.uuid4())


def getIntegrationContext():
    """Returns the instance's integration context."""
    return _run().get_context()


def setIntegrationContext(context):
    """Replaces the instance's integration context."""
    _run().set_context(context)


def getIntegrationContextVersioned(refresh=False):
    """Returns the integration context with its version: `{"context", "version"}`."""
    return _run().get_context_versioned()


def setIntegrationContextVersioned(context, version=-1, sync=False):
    """Replaces the integration context; a stale version raises ValueError."""
    return _run().set_context(context, version)


def demistoVersion():
    """Returns the platform version this stand-in behaves as."""
    return dict(PLATFORM_VERSION)


def getLastRun():
    """Returns the last-run object kept for the instance."""
    return _run().get_last_run()


def setLastRun(obj):
    """Stores the last-run object of the instance."""
    _run().set_last_run(obj)


def incidents(incidents=None):
    """Returns the incidents of the run, or sends fetched incidents when given some."""
    if incidents is None:
        return list(_run().incidents)
    _run().incidents = list(incidents)
    results({"Type": 1, "Contents": _json.dumps(incidents), "ContentsFormat": "json"})
    return None


def credentials(credentials):
    """Accepts credentials for masking; nothing about them is logged."""
    _run().log("debug", "credentials received")


class _CallingContext(_MutableMapping):
    """The calling context of whichever run is current, read and written in place."""

    def __getitem__(self, key):
        return _run().calling_context[key]

    def __setitem__(self, key, value):
        _run().calling_context[key] = value

    def __delitem__(self, key):
        del _run().calling_context[key]

    def __iter__(self):
        return iter(_run().calling_context)

    def __len__(self):
        return len(_run().calling_context)

    def get(self, key, default=None):
        return _run().calling_context.get(key, default)

    def __repr__(self):
        return f"callingContext({_redact.redact(dict(_run().calling_context))!r})"


callingContext = _CallingContext()


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(name)
    return _unsupported(name)


def _unsupported(name):
    def unsupported(*args, **kwargs):
        raise NotImplementedError(
            f"demisto.{name}() is not available in the local XSOAR stand-in."
        )

    unsupported.__name__ = name
    return unsupported
