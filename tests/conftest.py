"""Session-wide plumbing shared by every test folder.

The exposure plugin wraps the War Room, the stand-in's run_command and the emulator's
token service at session start, so everything shown or logged during the whole session
is gathered with the secrets in play; at the end the session fails if any secret was
shown (see tests/reliability/exposure.py and test_secrets.py).
"""

import contextlib
import functools
import importlib
import io
import logging
import os
import pathlib
import sys

import pytest

from reliability.exposure import ExposureLog

EXPOSURE_KEY = pytest.StashKey[ExposureLog]()
CLEANUP_KEY = pytest.StashKey[tuple]()
FINDINGS_KEY = pytest.StashKey[list]()
WATCHED_LOGGERS = ("vision_emulator", "xsoar_local", "CofenseVision")


class _ExposureHandler(logging.Handler):
    """Keeps every formatted log record of the session."""

    def __init__(self, exposure: ExposureLog):
        super().__init__(logging.DEBUG)
        self.exposure = exposure

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.exposure.add_text(f"log {record.name}", self.format(record))


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _patch(patches: list, owner, name: str, make_wrapper) -> None:
    original = getattr(owner, name, None)
    if original is None:
        return
    patches.append((owner, name, original))
    setattr(owner, name, functools.wraps(original)(make_wrapper(original)))


def _note_params(exposure: ExposureLog, params) -> None:
    if not isinstance(params, dict):
        return
    credentials = params.get("credentials")
    if isinstance(credentials, dict):
        exposure.add_secret(credentials.get("password"))
    exposure.add_secret(params.get("client_secret"))


def _note_entries(exposure: ExposureLog, source: str, entries) -> None:
    for entry in entries or ():
        if isinstance(entry, dict):
            for key in ("Contents", "HumanReadable", "EntryContext", "File"):
                exposure.add_text(f"{source} {key}", entry.get(key))


def _zip_password(args: dict):
    """The zip password of a call, unless other arguments of it hold the same text."""
    password = args.get("password")
    if not isinstance(password, str) or len(password) < 8:
        return None
    others = [str(value) for key, value in args.items() if key != "password"]
    return None if any(password in value for value in others) else password


def _home_of(home) -> pathlib.Path:
    return pathlib.Path(home or os.environ.get("XSOAR_LOCAL_HOME") or ".warroom")


def _wrap_run_command(exposure: ExposureLog):
    def make_wrapper(original):
        def run_command(command, args, params, *rest, **options):
            _note_params(exposure, params)
            if isinstance(args, dict):
                exposure.add_secret(_zip_password(args))
            exposure.add_log_file(_home_of(options.get("home")) / "warroom.log")
            result = original(command, args, params, *rest, **options)
            _note_entries(exposure, f"run_command {command}", result.entries)
            for line in result.logs:
                exposure.add_text(f"run_command {command} log", line)
            return result
        return run_command
    return make_wrapper


def _wrap_warroom_run(exposure: ExposureLog):
    def make_wrapper(original):
        def run(self, line, *rest, **options):
            _note_params(exposure, getattr(self, "params", None))
            outcome = original(self, line, *rest, **options)
            source = f"War Room {str(line)[:40]}"
            _note_entries(exposure, source, getattr(outcome, "entries", ()))
            for name in ("readable", "error", "context"):
                exposure.add_text(f"{source} {name}", getattr(outcome, name, None))
            return outcome
        return run
    return make_wrapper


def _wrap_warroom_print(exposure: ExposureLog):
    def make_wrapper(original):
        def print_outcome(self, outcome, *args, stdout=None, stderr=None, **options):
            out, err = io.StringIO(), io.StringIO()
            try:
                return original(self, outcome, *args, stdout=out, stderr=err, **options)
            finally:
                (stdout or sys.stdout).write(out.getvalue())
                (stderr or sys.stderr).write(err.getvalue())
                exposure.add_text("War Room print", out.getvalue() + err.getvalue())
        return print_outcome
    return make_wrapper


def _wrap_token_issue(exposure: ExposureLog):
    def make_wrapper(original):
        def issue(self, *args, **options):
            exposure.add_secret(getattr(self, "_client_secret", None))
            token = original(self, *args, **options)
            exposure.add_secret(token.value)
            return token
        return issue
    return make_wrapper


def _install_wrappers(exposure: ExposureLog) -> list:
    patches: list = []
    runtime = _optional_module("xsoar_local.runtime")
    warroom = _optional_module("xsoar_local.warroom")
    auth = _optional_module("vision_emulator.backend.auth")
    if runtime is not None:
        original = getattr(runtime, "run_command", None)
        _patch(patches, runtime, "run_command", _wrap_run_command(exposure))
        if warroom is not None and getattr(warroom, "run_command", None) is original:
            warroom.run_command = runtime.run_command
            patches.append((warroom, "run_command", original))
    if warroom is not None and hasattr(warroom, "WarRoom"):
        _patch(patches, warroom.WarRoom, "run", _wrap_warroom_run(exposure))
        _patch(patches, warroom.WarRoom, "print", _wrap_warroom_print(exposure))
    if auth is not None:
        _patch(patches, auth.TokenService, "issue", _wrap_token_issue(exposure))
    return patches


_session_exposure = ExposureLog()


def pytest_configure(config: pytest.Config) -> None:
    exposure = _session_exposure
    config.stash[EXPOSURE_KEY] = exposure
    handler = _ExposureHandler(exposure)
    logging.getLogger().addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in WATCHED_LOGGERS}
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    config.stash[CLEANUP_KEY] = (handler, levels, _install_wrappers(exposure))


def pytest_unconfigure(config: pytest.Config) -> None:
    handler, levels, patches = config.stash.get(CLEANUP_KEY, (None, {}, []))
    for owner, name, original in reversed(patches):
        setattr(owner, name, original)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    if handler is not None:
        logging.getLogger().removeHandler(handler)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        if title.startswith("Captured"):
            _session_exposure.add_text(f"{report.nodeid} {title}", content)


def pytest_sessionfinish(session: pytest.Session) -> None:
    findings = session.config.stash[EXPOSURE_KEY].scan()
    session.config.stash[FINDINGS_KEY] = findings
    if findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    findings = config.stash.get(FINDINGS_KEY, [])
    if findings:
        terminalreporter.section("secrets shown or logged", red=True)
        for finding in findings[:20]:
            terminalreporter.write_line(str(finding))


@pytest.fixture(scope="session")
def exposure(pytestconfig: pytest.Config) -> ExposureLog:
    """The session's record of shown and logged texts and of the secrets in play."""
    return pytestconfig.stash[EXPOSURE_KEY]
