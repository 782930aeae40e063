"""Runs integration commands in-process, as XSOAR does, with instance state on disk.

An `Invocation` holds one run: its command, arguments, parameters, entries and log
lines; demistomock reads the active one through `current()`. `run_command` imports
the integration once per process, calls its `main()` per run and follows scheduled
polling. The home folder keeps `instances/<instance>/` (integration context, last run),
`files/` (the working folder of a run) and `warroom.log`. Runs are serialised by a
lock, since the working folder and the environment belong to the whole process.
"""

from __future__ import annotations

import copy
import enum
import importlib
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from xsoar_local import redact

LOG = logging.getLogger(__name__)

HOME_ENV = "XSOAR_LOCAL_HOME"
DEFAULT_HOME = ".warroom"
INVESTIGATION_ID = "1"
INTEGRATION_BRAND = "Cofense Vision"
NO_NULL_PARAMS_ENV = "COMMON_SERVER_NO_AUTO_PARAMS_REMOVE_NULLS"
DEFAULT_POLLING_TIMEOUT_SECONDS = 600
ERROR_ENTRY_TYPE = 4
WARNING_ENTRY_TYPE = 11
INSTANCE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
INTEGRATION_FOLDER = Path(__file__).resolve().parents[2] / "CofenseVision"

_RUN_LOCK = threading.RLock()
_active: Invocation | None = None


class Lifecycle(enum.Enum):
    """Where an invocation is in its single run."""

    NOT_STARTED = "not started"
    RUNNING = "running"
    FINISHED = "finished"


class SmartGetDict(dict):
    """A dict whose `get(key, default)` gives the default when the stored value is None.

    XSOAR hands instance parameters to integrations in this form.
    """

    def get(self, key: Any, default: Any = None) -> Any:
        """Returns the value of key, or default when it is missing or None."""
        value = super().get(key, default)
        return default if value is None else value


@dataclass
class RunResult:
    """What one `run_command` call produced."""

    entries: list = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[dict]:
        """The error entries (Type 4)."""
        return [
            entry for entry in self.entries if _entry_type(entry) == ERROR_ENTRY_TYPE
        ]


def resolve_home(home: str | os.PathLike | None = None) -> Path:
    """Returns the absolute home: home, else $XSOAR_LOCAL_HOME, else ./.warroom."""
    return Path(home or os.environ.get(HOME_ENV) or DEFAULT_HOME).resolve()


def files_folder(home: str | os.PathLike | None = None) -> Path:
    """Returns the folder where a run writes its files."""
    return resolve_home(home) / "files"


def file_path(file_id: str, home: str | os.PathLike | None = None) -> Path:
    """Returns where `fileResult` put the file of an entry's FileID."""
    if not file_id or "/" in file_id or "\\" in file_id or file_id.startswith("."):
        raise ValueError("not a file id given by demisto.uniqueFile()")
    return files_folder(home) / f"{INVESTIGATION_ID}_{file_id}"


def instance_folder(instance: str, home: str | os.PathLike | None = None) -> Path:
    """Returns the folder that keeps one instance's state."""
    if not INSTANCE_NAME.match(instance or ""):
        raise ValueError(
            "An instance name may hold only letters, digits, '_', '.' and '-', "
            "and may not start with '.' or '-'."
        )
    return resolve_home(home) / "instances" / instance


def reset_instance(
    instance: str = "default", home: str | os.PathLike | None = None
) -> None:
    """Forgets an instance's integration context and last run."""
    folder = instance_folder(instance, home)
    for name in (Invocation.CONTEXT_FILE, Invocation.LAST_RUN_FILE):
        (folder / name).unlink(missing_ok=True)


def current() -> Invocation | None:
    """Returns the invocation whose command is running, if any."""
    return _active


class Invocation:
    """One command run: its inputs, the entries and logs it produced, its state.

    Args:
        command: the command name, e.g. `cofense-message-search-get`.
        args: the command arguments.
        params: the instance parameters.
        instance: the instance name; its state lives in `<home>/instances/<instance>`.
        home: the home folder (see `resolve_home`).
        persist: False keeps all state in memory (used when no command runs).
    """

    CONTEXT_FILE = "integration_context.json"
    LAST_RUN_FILE = "last_run.json"

    def __init__(
        self,
        command: str,
        args: dict | None,
        params: dict | None,
        instance: str = "default",
        home: str | os.PathLike | None = None,
        *,
        persist: bool = True,
    ):
        self.command = command or ""
        self.args = dict(args or {})
        self.params = _as_params(params or {})
        self.instance = instance
        self.home = resolve_home(home) if persist else None
        self.folder = instance_folder(instance, home) if persist else None
        self.state = Lifecycle.NOT_STARTED
        self.investigation = {"id": INVESTIGATION_ID}
        self.entries: list = []
        self.logs: list[str] = []
        self.incidents: list = []
        self._secrets = redact.secret_values(self.params) | redact.secret_values(args)
        self._context: dict = {}
        self._context_version = 0
        self._last_run: dict = {}
        self.calling_context = self._build_calling_context()

    @classmethod
    def detached(cls) -> Invocation:
        """Returns an in-memory invocation for use when no command runs (unit tests)."""
        invocation = cls("", {}, {}, persist=False)
        invocation.state = Lifecycle.RUNNING
        return invocation

    def __repr__(self) -> str:
        return (
            f"Invocation(command={self.command!r}, args={redact.redact(self.args)!r}, "
            f"params={redact.redact(dict(self.params))!r}, instance={self.instance!r}, "
            f"state={self.state.name})"
        )

    def _build_calling_context(self) -> dict:
        return {
            "context": {
                "IntegrationBrand": INTEGRATION_BRAND,
                "IntegrationInstance": self.instance,
                "ExecutedCommands": [{"moduleBrand": INTEGRATION_BRAND}],
            },
            "integration": True,
            "params": self.params,
            "args": self.args,
            "command": self.command,
        }

    # Running -------------------------------------------------------------------------

    def run(self, main: Callable[[], Any]) -> None:
        """Runs an integration's main() as this invocation; never raises for its errors.

        `SystemExit` (from return_error) ends the run quietly. Any other exception
        becomes an error entry of one line, with the traceback in the log.
        """
        global _active
        if self.state is not Lifecycle.NOT_STARTED:
            raise RuntimeError(
                "An invocation runs once; create a new one to run again."
            )
        with _RUN_LOCK:
            previous_cwd = os.getcwd()
            previous_env = dict(os.environ)
            previous_run = _active
            self._start()
            _active = self
            try:
                self._call_main(main)
            finally:
                _active = previous_run
                os.chdir(previous_cwd)
                _restore_environment(previous_env)
                self._finish()

    def _start(self) -> None:
        self.state = Lifecycle.RUNNING
        if self.folder is not None:
            self._load_state()
            files = files_folder(self.home)
            files.mkdir(parents=True, exist_ok=True)
            os.chdir(files)
        LOG.debug("started %s on instance %s", self.command, self.instance)

    def _call_main(self, main: Callable[[], Any]) -> None:
        try:
            main()
        except SystemExit as exc:
            LOG.debug("%s ended through sys.exit(%s)", self.command, exc.code)
            if exc.code not in (0, None) and not self._has_error_entry():
                self.add_error(f"{self.command} exited with status {exc.code}.")
        except Exception as exc:  # noqa: BLE001 - any crash becomes an error entry
            self.log("error", "".join(traceback.format_exception(exc)).rstrip())
            self.add_error(f"{self.command} failed unexpectedly: {_one_line(exc)}")

    def _finish(self) -> None:
        if self.folder is not None:
            self._save_state()
        self.state = Lifecycle.FINISHED
        LOG.debug("finished %s with %d entries", self.command, len(self.entries))

    def _has_error_entry(self) -> bool:
        return any(_entry_type(entry) == ERROR_ENTRY_TYPE for entry in self.entries)

    # Entries and logs ----------------------------------------------------------------

    def add_results(self, results: Any) -> None:
        """Records what the integration passed to demisto.results()."""
        json.dumps(results)
        if isinstance(results, list):
            self.entries.extend(results)
        else:
            self.entries.append(results)

    def add_error(self, message: str) -> None:
        """Records an error entry holding one masked line."""
        self.entries.append(
            {
                "Type": ERROR_ENTRY_TYPE,
                "ContentsFormat": "text",
                "Contents": self.mask(message),
                "EntryContext": None,
            }
        )

    def add_warning(self, message: str) -> None:
        """Records a warning entry holding one masked line."""
        self.entries.append(
            {
                "Type": WARNING_ENTRY_TYPE,
                "ContentsFormat": "text",
                "Contents": self.mask(message),
                "EntryContext": None,
            }
        )

    def mask(self, text: Any) -> str:
        """Returns text with this run's known secrets masked."""
        return redact.mask_text(text, self._secrets)

    def log(self, level: str, message: Any) -> str:
        """Records one masked log line, appends it to warroom.log and returns it."""
        line = f"{level.upper()} {self.mask(message)}"
        self.logs.append(line)
        LOG.log(logging.ERROR if level == "error" else logging.DEBUG, "%s", line)
        if self.home is not None:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self.home.mkdir(parents=True, exist_ok=True)
            with open(self.home / "warroom.log", "a", encoding="utf-8") as log_file:
                log_file.write(f"{stamp} [{self.instance}] {line}\n")
        return line

    # Integration context and last run ------------------------------------------------

    def get_context(self) -> dict:
        """Returns a copy of the integration context."""
        return copy.deepcopy(self._context)

    def get_context_versioned(self) -> dict:
        """Returns `{"context": ..., "version": n}`."""
        return {"context": self.get_context(), "version": self._context_version}

    def set_context(self, context: dict | None, version: int = -1) -> dict:
        """Replaces the integration context and saves it at once.

        Args:
            context: the new context; it must survive a JSON round trip.
            version: the version read before, or -1 to skip the check.

        Returns:
            The stored context and its new version, as the versioned getter gives them.

        Raises:
            ValueError: version is given and is not the current one.
        """
        if version not in (-1, None) and version != self._context_version:
            raise ValueError(
                f"Integration context version {version} is stale; the current version "
                f"is {self._context_version}. Read the context again and retry."
            )
        self._context = json.loads(json.dumps(context or {}))
        self._context_version += 1
        self._secrets |= redact.secret_values(self._context)
        if self.folder is not None and self.state is Lifecycle.RUNNING:
            self._write_json(self.CONTEXT_FILE, self._context)
        return self.get_context_versioned()

    def get_last_run(self) -> dict:
        """Returns a copy of the last run object."""
        return copy.deepcopy(self._last_run)

    def set_last_run(self, last_run: dict | None) -> None:
        """Replaces the last run object."""
        self._last_run = json.loads(json.dumps(last_run or {}))

    def _load_state(self) -> None:
        self._context = self._read_json(self.CONTEXT_FILE)
        self._context_version = 1 if self._context else 0
        self._secrets |= redact.secret_values(self._context)
        self._last_run = self._read_json(self.LAST_RUN_FILE)

    def _save_state(self) -> None:
        self._write_json(self.CONTEXT_FILE, self._context)
        self._write_json(self.LAST_RUN_FILE, self._last_run)

    def _read_json(self, name: str) -> dict:
        try:
            value = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            LOG.debug("ignored the unreadable %s of instance %s", name, self.instance)
            return {}
        return value if isinstance(value, dict) else {}

    def _write_json(self, name: str, value: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.tmp"
        temporary.write_text(
            json.dumps(value, indent=2, sort_keys=True), encoding="utf-8"
        )
        os.replace(temporary, self.folder / name)


def load_integration(module: str = "CofenseVision") -> ModuleType:
    """Imports the integration module once per process and returns it.

    The integration folder of this repository is put on sys.path when missing.
    """
    folder = str(INTEGRATION_FOLDER)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(module)


def run_command(
    command: str,
    args: dict | None,
    params: dict | None,
    *,
    instance: str = "default",
    home: str | os.PathLike | None = None,
    module: str = "CofenseVision",
    sleep: Callable[[float], Any] = time.sleep,
    max_polls: int = 100,
) -> RunResult:
    """Runs one command of the integration as the War Room would.

    Args:
        command: the command name.
        args: the command arguments.
        params: the instance parameters.
        instance: the instance whose integration context and last run are used.
        home: the home folder (see `resolve_home`).
        module: the integration module; its main() is called per run.
        sleep: waits between polling runs; tests pass a fake.
        max_polls: the most follow-up runs of a polling command; past it a warning
            entry says polling stopped.

    Returns:
        The entries of every run, in order, and the log lines.
    """
    main = load_integration(module).main
    result = RunResult()
    run_name, run_args, waited = command, dict(args or {}), 0.0
    polls = 0
    while True:
        invocation = Invocation(run_name, run_args, params, instance, home)
        invocation.run(main)
        result.entries.extend(invocation.entries)
        result.logs.extend(invocation.logs)

        scheduled = _scheduled_entry(invocation.entries)
        if scheduled is None:
            return result
        next_run = float(scheduled.get("NextRun") or 0)
        timeout = float(scheduled.get("Timeout") or DEFAULT_POLLING_TIMEOUT_SECONDS)
        run_name = scheduled.get("PollingCommand") or run_name
        if waited + next_run > timeout:
            invocation.add_error(
                f"Polling {run_name} gave up: it did not finish within its timeout "
                f"of {_seconds(timeout)} seconds."
            )
            result.entries.append(invocation.entries[-1])
            return result
        if polls >= max_polls:
            invocation.add_warning(
                f"Stopped polling {run_name} after {max_polls} follow-up runs."
            )
            result.entries.append(invocation.entries[-1])
            return result

        LOG.debug("polling %s again in %s s", run_name, _seconds(next_run))
        sleep(next_run)
        waited += next_run
        polls += 1
        run_args = dict(scheduled.get("PollingArgs") or {})


def _as_params(params: dict) -> dict:
    if os.environ.get(NO_NULL_PARAMS_ENV):
        return dict(params)
    return SmartGetDict(params)


def _scheduled_entry(entries: list) -> dict | None:
    for entry in reversed(entries):
        if isinstance(entry, dict) and entry.get("PollingCommand"):
            return entry
    return None


def _entry_type(entry: Any) -> Any:
    return entry.get("Type") if isinstance(entry, dict) else None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _restore_environment(saved: dict) -> None:
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
