"""The command-line War Room: type `!command name=value`, see what XSOAR would show.

`WarRoom` parses a line, checks it against the integration yml, runs the command through
`xsoar_local.runtime` and collects the entries: readable output, merged context, files
moved out of the working folder, errors. `main` is the `warroom` console script, a thin
layer over it that also offers a prompt. Nothing here talks to Vision itself; with
`--warp` it only asks the emulator at the instance's loopback URL to advance its clock.
"""

import argparse
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import requests

from xsoar_local import redact, runtime
from xsoar_local.commandline import CommandLineError, parse_command_line
from xsoar_local.config import (
    ConfigError,
    InstanceConfig,
    build_params,
    is_loopback_url,
    load_params,
)
from xsoar_local.ymlspec import IntegrationSpec, SpecError, find_default_yml, load_spec

LOG = logging.getLogger(__name__)

DEFAULT_INSTANCE = "default"
DEFAULT_OUT = Path("warroom-files")
PROMPT = "warroom> "
ERROR_ENTRY_TYPE = 4
WARNING_ENTRY_TYPE = 11
FILE_ENTRY_TYPES = (3, 9)
EXIT_OK, EXIT_ENTRY_ERROR, EXIT_USAGE = 0, 1, 2
INSTANCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
CLOCK_ADVANCE_PATH = "/_emulator/clock/advance"
WARP_TIMEOUT_SECONDS = 10
FILE_NAME_LIMIT = 120
SUFFIX_LIMIT = 16
FALLBACK_FILE_NAME = "file"
# Unicode's "other" categories: control, format, surrogate, private and unassigned.
UNSAFE_CATEGORY = "C"
HASH_CHUNK_BYTES = 1 << 16
HELP_TEXT = """\
Type an XSOAR command line, e.g. !cofense-message-searches-list size=2
  commands   list the commands of the integration
  help       show this text
  exit       leave (so does Ctrl-D)"""


class WarRoomError(ValueError):
    """A War Room set-up that cannot work, such as --warp to a remote server."""


class WarpError(RuntimeError):
    """The emulator did not advance its clock when a poll asked it to."""


@dataclass(frozen=True)
class SavedFile:
    """A file a command returned, as moved into the output folder."""

    name: str
    path: Path
    size: int
    sha256: str

    def line(self) -> str:
        """The line the War Room prints for this file."""
        return f"File: {self.name}  {self.size} bytes  sha256 {self.sha256}"


@dataclass
class Outcome:
    """What one War Room line produced.

    Attributes:
        entries: the entries as the integration returned them.
        context: the EntryContext of every entry, merged by key.
        readable: the text printed for the entries that are no error, warning or file.
        files: the returned files, in entry order.
        error: the error text, when the line failed.
        usage_error: True when the line never reached the integration.
        problems: errors of the War Room itself, such as a file it could not keep.
    """

    entries: list[dict] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    readable: str = ""
    files: list[SavedFile] = field(default_factory=list)
    error: str | None = None
    usage_error: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The exit status the CLI gives this outcome."""
        if self.usage_error:
            return EXIT_USAGE
        return EXIT_ENTRY_ERROR if self.error else EXIT_OK


def is_error(entry: dict) -> bool:
    """True for an error entry (Type 4)."""
    return entry.get("Type") == ERROR_ENTRY_TYPE


def is_warning(entry: dict) -> bool:
    """True for a warning entry (Type 11)."""
    return entry.get("Type") == WARNING_ENTRY_TYPE


def is_file(entry: dict) -> bool:
    """True for a file or info-file entry (Type 3 or 9) that names its file."""
    return entry.get("Type") in FILE_ENTRY_TYPES and bool(entry.get("FileID"))


def entry_text(entry: dict) -> str:
    """Returns an entry's HumanReadable, else its Contents, as text (no end newline)."""
    if entry.get("HumanReadable"):
        return str(entry["HumanReadable"]).rstrip("\n")
    contents = entry.get("Contents")
    if contents in (None, ""):
        return ""
    if isinstance(contents, str):
        return contents.rstrip("\n")
    return json.dumps(contents, indent=2, ensure_ascii=False, default=str)


def merge_context(entries: Iterable[dict]) -> dict:
    """Merges the entries' EntryContext; a repeated key gathers its values in a list.

    XSOAR would also fold items whose key fields match (`val.id == obj.id`); that is
    left out because one line's entries rarely repeat an item, and applying the key
    expressions of the context keys would remove the difference.
    """
    merged: dict = {}
    for entry in entries:
        for key, value in (entry.get("EntryContext") or {}).items():
            if key not in merged:
                merged[key] = value
                continue
            earlier = merged[key] if isinstance(merged[key], list) else [merged[key]]
            merged[key] = earlier + (value if isinstance(value, list) else [value])
    return merged


def safe_file_name(name: Any) -> str:
    """Reduces a returned file's name to a base name that cannot choose a path.

    Path parts, control and format characters (such as bidi overrides) are dropped
    and the length is bounded, keeping the extension; an empty result becomes `file`.
    """
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base
                   if not unicodedata.category(char).startswith(UNSAFE_CATEGORY))
    base = base.strip().lstrip(".")
    if not base:
        return FALLBACK_FILE_NAME
    if len(base) > FILE_NAME_LIMIT:
        stem, dot, suffix = base.rpartition(".")
        kept = f".{suffix}" if dot and stem and len(suffix) < SUFFIX_LIMIT else ""
        base = base[: FILE_NAME_LIMIT - len(kept)] + kept
    return base


def unique_path(folder: Path, name: str) -> Path:
    """Returns folder/name, or folder/`stem-N.suffix` when that already exists."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def folder_path(text: str) -> Path:
    """A folder named on the command line; an empty name is refused, not read as '.'."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name, not an empty one")
    return Path(text)


def prepare_home(home: Path | None) -> Path:
    """Creates the runtime's home folder and its files folder when missing.

    Raises:
        WarRoomError: naming the folder and why it cannot be used.
    """
    folder = runtime.resolve_home(home)
    if home is not None:
        shown = f"the --home folder {home}"
    elif os.environ.get(runtime.HOME_ENV):
        shown = f"the ${runtime.HOME_ENV} folder {folder}"
    else:
        shown = f"the home folder {folder}"
    if folder.exists() and not folder.is_dir():
        raise WarRoomError(f"{shown} is a file, not a folder")
    try:
        runtime.files_folder(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarRoomError(f"{shown} cannot be used: {exc.strerror or exc}") from None
    LOG.debug("using the home folder %s", folder)
    return folder


class ClockWarp:
    """A sleep that advances the emulator's clock instead of waiting.

    Only the instance's own URL is ever contacted, and only when it is a loopback
    address; proxy settings from the environment are ignored so nothing leaves the host.
    """

    def __init__(self, url: str):
        if not is_loopback_url(url):
            raise WarRoomError(
                f"--warp only works with an emulator on a loopback address, "
                f"not {redact.mask_url(str(url))}"
            )
        self.endpoint = str(url).rstrip("/") + CLOCK_ADVANCE_PATH
        self.session = requests.Session()
        self.session.trust_env = False

    def __call__(self, seconds: float) -> None:
        LOG.debug("advancing the emulator clock by %s s", seconds)
        try:
            reply = self.session.post(
                self.endpoint, json={"seconds": seconds}, timeout=WARP_TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            raise WarpError(f"cannot reach the emulator to advance its clock: "
                            f"{type(exc).__name__}") from None
        if not reply.ok:
            raise WarpError(
                f"the emulator refused to advance its clock (HTTP {reply.status_code})"
            )


class WarRoom:
    """Runs War Room lines against one integration instance.

    Args:
        params: instance parameters; None reads them from the environment (see
            `xsoar_local.config`). The yml's defaults fill the gaps either way.
        instance: the instance folder under the home folder.
        home: the runtime's home folder; None lets the runtime choose.
        out: where returned files go; `./warroom-files` when None.
        warp: advance the emulator's clock instead of sleeping while polling.
        yml: the integration yml; found next to the repository when None.
        module: the integration module; the yml's file name without suffix when None.
        on_poll: called with (command, seconds) before each poll wait.

    Raises:
        SpecError, ConfigError, WarRoomError: when the set-up cannot work.
    """

    def __init__(self, params: dict | InstanceConfig | None = None,
                 instance: str = DEFAULT_INSTANCE, home: Path | str | None = None,
                 out: Path | str | None = None, warp: bool = False,
                 yml: Path | str | IntegrationSpec | None = None, *,
                 module: str | None = None,
                 on_poll: Callable[[str, float], None] | None = None):
        if not INSTANCE_NAME.fullmatch(instance):
            raise WarRoomError(f"instance name {instance!r} must be letters, digits, "
                               f"'.', '_' or '-'")
        self.spec = yml if isinstance(yml, IntegrationSpec) else load_spec(
            yml or find_default_yml())
        self.config = self._config(params)
        self.instance = instance
        self.home = Path(home) if home is not None else None
        self.out = Path(out) if out is not None else DEFAULT_OUT
        self.module = module or self.spec.module
        self.on_poll = on_poll
        self.sleep = ClockWarp(self.config.params["url"]) if warp else time.sleep
        _importable(self.spec.path.parent)

    @property
    def params(self) -> dict:
        """The instance parameters commands run with (secrets included; never print)."""
        return self.config.params

    def _config(self, params: dict | InstanceConfig | None) -> InstanceConfig:
        if isinstance(params, InstanceConfig):
            return params
        if params is None:
            return load_params(spec=self.spec)
        return build_params([params], self.spec)

    def run(self, line: str) -> Outcome:
        """Runs one line and returns what it produced; never raises for a bad line."""
        try:
            command, args = self.spec.apply(parse_command_line(line))
        except (CommandLineError, SpecError) as exc:
            return Outcome(error=str(exc), usage_error=True)

        LOG.debug("running %s on instance %s", command, self.instance)
        try:
            result = runtime.run_command(
                command, args, dict(self.config.params), instance=self.instance,
                home=self.home, module=self.module, sleep=self._poll_sleep(command),
            )
        except WarpError as exc:
            # The entries of the runs before the failed advance are lost, because
            # run_command returns nothing when its sleep raises; a partial result
            # from the runtime would keep them.
            return Outcome(error=str(exc), problems=[str(exc)])
        except ImportError as exc:
            problem = f"cannot import the integration {self.module}: {exc}"
            return Outcome(error=problem, problems=[problem])
        except OSError as exc:
            problem = (f"the home folder {runtime.resolve_home(self.home)} cannot be "
                       f"used: {exc.strerror or exc}")
            return Outcome(error=problem, problems=[problem])
        return self._outcome([_as_entry(entry) for entry in result.entries])

    def _poll_sleep(self, command: str) -> Callable[[float], None]:
        if self.on_poll is None:
            return self.sleep

        def sleep(seconds: float) -> None:
            self.on_poll(command, seconds)
            self.sleep(seconds)

        return sleep

    def _outcome(self, entries: list[dict]) -> Outcome:
        texts = [entry_text(entry) for entry in entries
                 if not (is_error(entry) or is_warning(entry) or is_file(entry))]
        files, problems = [], []
        for entry in filter(is_file, entries):
            try:
                files.append(self._save_file(entry))
            except OSError as exc:
                name = safe_file_name(entry.get("File"))
                problems.append(
                    f"cannot keep the returned file {name}: {exc.strerror or exc}"
                )

        errors = [entry_text(entry) for entry in entries if is_error(entry)] + problems
        return Outcome(
            entries=entries,
            context=merge_context(entries),
            readable="\n\n".join(text for text in texts if text),
            files=files,
            error="\n".join(errors) if errors else None,
            problems=problems,
        )

    def _save_file(self, entry: dict) -> SavedFile:
        """Moves a returned file out of the runtime's working folder."""
        try:
            source = runtime.file_path(str(entry["FileID"]), home=self.home)
        except ValueError:
            raise FileNotFoundError(errno.ENOENT, "no plain file id") from None
        self.out.mkdir(parents=True, exist_ok=True)
        target = unique_path(self.out, safe_file_name(entry.get("File")))
        shutil.move(str(source), target)
        LOG.debug("kept a returned file in %s", self.out)
        return SavedFile(target.name, target, target.stat().st_size, sha256_of(target))

    def print(self, outcome: Outcome, *, as_json: bool = False,
              stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        """Writes an outcome exactly as the CLI does.

        Args:
            outcome: what `run` returned.
            as_json: print the merged context as JSON instead of the readable output;
                file lines then go to stderr so stdout stays valid JSON.
            stdout, stderr: the streams; sys.stdout and sys.stderr when None.
        """
        stdout = stdout or sys.stdout
        stderr = stderr or sys.stderr
        if outcome.usage_error:
            print(f"warroom: {outcome.error}", file=stderr)
            return

        first_block = True
        for to_stderr, text in self._shown(outcome, as_json):
            if to_stderr:
                print(text, file=stderr)
                continue
            if not first_block:
                print(file=stdout)
            print(text, file=stdout)
            first_block = False

    @staticmethod
    def _shown(outcome: Outcome, as_json: bool) -> Iterator[tuple[bool, str]]:
        """Yields, in entry order, each text the War Room shows and if on stderr."""
        files = iter(outcome.files)
        for entry in outcome.entries:
            if is_error(entry):
                yield True, f"ERROR: {entry_text(entry)}"
            elif is_warning(entry):
                yield True, f"WARNING: {entry_text(entry)}"
            elif is_file(entry):
                saved = next(files, None)
                if saved is not None:
                    yield as_json, saved.line()
            elif not as_json and entry_text(entry):
                yield False, entry_text(entry)
        for problem in outcome.problems:
            yield True, f"ERROR: {problem}"
        if as_json:
            yield False, json.dumps(outcome.context, indent=2, ensure_ascii=False,
                                    default=str)

    def command_names(self) -> list[str]:
        return self.spec.command_names()


def _as_entry(entry: Any) -> dict:
    """Treats a plain result (`return_results('ok')`) as a note entry holding it."""
    return entry if isinstance(entry, dict) else {"Type": 1, "Contents": entry}


def _importable(folder: Path) -> None:
    """Puts the integration's folder on sys.path so the runtime can import it."""
    folder_text = str(folder.resolve())
    if folder_text not in sys.path:
        sys.path.insert(0, folder_text)


def print_poll(command: str, seconds: float) -> None:
    """Tells the user a polling command waits before its next run."""
    shown = int(seconds) if float(seconds).is_integer() else seconds
    print(f"… polling {command} again in {shown} s", file=sys.stderr)


def run_line(war_room: WarRoom, line: str, as_json: bool) -> int:
    """Runs and prints one line; returns its exit status."""
    outcome = war_room.run(line)
    war_room.print(outcome, as_json=as_json)
    return outcome.exit_code


def handle(war_room: WarRoom, text: str, as_json: bool) -> int | None:
    """Runs one typed line or prompt word; returns None when the user leaves."""
    word = text.strip()
    if word in ("exit", "quit"):
        return None
    if word == "help":
        print(HELP_TEXT)
    elif word == "commands":
        print("\n".join(war_room.command_names()))
    elif word and not word.startswith("#"):
        return run_line(war_room, word, as_json)
    return EXIT_OK


def run_stream(war_room: WarRoom, lines: Iterable[str], as_json: bool) -> int:
    """Runs lines read from a pipe or file; returns the worst exit status."""
    worst = EXIT_OK
    for line in lines:
        status = handle(war_room, line, as_json)
        if status is None:
            break
        worst = max(worst, status)
    return worst


def prompt_lines() -> Iterable[str]:
    """Yields what the user types at the prompt until Ctrl-D; Ctrl-C drops the line."""
    while True:
        try:
            yield input(PROMPT)
        except KeyboardInterrupt:
            print()
        except EOFError:
            print()
            return


def enable_line_editing(names: list[str]) -> None:
    """Turns on history and command-name completion when readline exists."""
    try:
        import readline
    except ImportError:
        return

    def complete(text: str, state: int) -> str | None:
        matches = [name for name in ("help", "commands", "exit", *names)
                   if name.startswith(text.lstrip("!"))]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" !")
    readline.parse_and_bind("tab: complete")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="Runs integration commands as the XSOAR War Room does.",
        epilog="Without a command line a prompt opens; from a pipe each line runs. "
               "Exit status: 1 when an entry is an error, 2 for a refused line "
               "(from a pipe, the worst line; the prompt ends with 0).",
    )
    parser.add_argument("line", nargs="*",
                        help="the command line, e.g. '!cofense-ioc-get id=7'")
    parser.add_argument("--yml", type=Path, help="the integration yml "
                        "(default: CofenseVision/CofenseVision.yml of the repository)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="instance parameters, a JSON or YAML mapping")
    parser.add_argument("--instance", default=DEFAULT_INSTANCE,
                        help="the instance folder, which keeps its token "
                             "(default: default)")
    parser.add_argument("--home", type=folder_path, help="the runtime home folder "
                        "(default: $XSOAR_LOCAL_HOME or ./.warroom)")
    parser.add_argument("--out", type=folder_path, default=DEFAULT_OUT,
                        help=f"where returned files go (default: ./{DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true",
                        help="print the context as JSON instead of the readable output")
    parser.add_argument("--warp", action="store_true",
                        help="advance the loopback emulator's clock instead of "
                             "sleeping while polling")
    parser.add_argument("--show-config", action="store_true",
                        help="print the instance parameters, secrets masked, and exit")
    parser.add_argument("--interactive", action="store_true",
                        help="open the prompt even when stdin is no terminal")
    parser.add_argument("--debug", action="store_true",
                        help="also show the log lines (masked) on stderr; they are "
                             "always written to warroom.log in the home folder")
    return parser


def configure_logging(debug: bool) -> None:
    """Echoes log lines to stderr with --debug; else the terminal shows entries only."""
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: "
                                                        "%(message)s")
    elif not logging.getLogger().handlers:
        logging.getLogger().addHandler(logging.NullHandler())


def main(argv: list[str] | None = None) -> int:
    """The `warroom` console script; returns the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`warroom ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ENTRY_ERROR


def _main(argv: list[str] | None) -> int:
    options = build_parser().parse_args(argv)
    configure_logging(options.debug)
    try:
        spec = load_spec(options.yml or find_default_yml())
        config = load_params(options.config, spec=spec)
        if options.show_config:
            print(config.show())
            return EXIT_OK
        prepare_home(options.home)
        if options.out.exists() and not options.out.is_dir():
            raise WarRoomError(f"--out {options.out} is a file; it must name a folder "
                               "for the returned files")
        war_room = WarRoom(config, options.instance, options.home, options.out,
                           options.warp, spec, on_poll=print_poll)
    except (SpecError, ConfigError, WarRoomError) as exc:
        print(f"warroom: {exc}", file=sys.stderr)
        return EXIT_USAGE

    if options.line:
        return run_line(war_room, " ".join(options.line), options.json)
    if options.interactive or sys.stdin.isatty():
        enable_line_editing(war_room.command_names())
        run_stream(war_room, prompt_lines(), options.json)
        return EXIT_OK
    return run_stream(war_room, sys.stdin, options.json)
