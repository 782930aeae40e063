"""Runs War Room lines against an in-process emulator and keeps what each one showed.

A line may take a value from the context of an earlier line with `${Context.Path}`
(for example `token=${Cofense.Message.token}`), so the examples can chain commands the
way an analyst would. Values that change on every run are replaced by stable ones.
"""

import copy
import hashlib
import json
import logging
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from freezegun import freeze_time

LOG = logging.getLogger(__name__)

# The moment the examples are recorded at, for the emulator and the integration alike.
RECORDING_TIME = "2022-08-10T04:30:00+00:00"
PLACEHOLDER = re.compile(r"\$\{(?P<path>[A-Za-z0-9_.]+)\}")
CONTEXT_KEY_FILTER = re.compile(r"\(.*\)$")
UUID_PATTERN = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
)
STABLE_UUID_NAMESPACE = uuid.UUID("5a2f3c1e-8d4b-4e6a-9c7f-0b1d2e3f4a5b")


@dataclass(frozen=True)
class Recording:
    """One War Room line as run, with the context and readable output it produced."""

    command: str
    line: str
    context: dict
    readable: str

    def context_json(self) -> str:
        """Returns the context as the README shows it."""
        return json.dumps(self.context, indent=4, ensure_ascii=False)


class ExampleFailed(RuntimeError):
    """An example line ended in an error entry, so it cannot document its command."""


def command_name(line: str) -> str:
    """Returns the command a War Room line runs, without its `!`."""
    return line.split(maxsplit=1)[0].lstrip("!")


def plain_context(entry_context: dict) -> dict:
    """Nests a War Room context by its dotted keys, dropping XSOAR's `(val...)` filters.

    Args:
        entry_context: keys such as `Cofense.Message(val.id && val.id == obj.id)`.
    """
    nested: dict = {}
    for key, value in entry_context.items():
        *parents, leaf = CONTEXT_KEY_FILTER.sub("", key).split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def lookup(context: dict, path: str) -> Any:
    """Returns the value at a dotted context path; lists yield their first item.

    Raises:
        KeyError: when the path leads nowhere.
    """
    value: Any = context
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"no value at {path} in the earlier examples' context")
        value = value[part]
    return value[0] if isinstance(value, list) and value else value


def file_context(saved) -> dict:
    """Returns the `File` context XSOAR derives from a returned file's bytes.

    Args:
        saved: a file the War Room kept, with `name` and `path`.
    """
    data = Path(saved.path).read_bytes()
    return {
        "Name": saved.name,
        "Size": len(data),
        "MD5": hashlib.md5(data).hexdigest(),
        "SHA1": hashlib.sha1(data).hexdigest(),
        "SHA256": hashlib.sha256(data).hexdigest(),
        "Extension": Path(saved.name).suffix.lstrip("."),
    }


def merge_context(target: dict, update: dict) -> None:
    """Merges one run's context into the context of the runs before it, key by key."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_context(target[key], value)
        else:
            target[key] = value


def fill_placeholders(line: str, context: dict) -> str:
    """Replaces each `${path}` in a line with the value an earlier line produced."""
    return PLACEHOLDER.sub(lambda match: str(lookup(context, match["path"])), line)


def stabilise_uuids(recordings: list[Recording]) -> list[Recording]:
    """Replaces every UUID by one derived from the order it first appears in.

    Download tokens and file ids are random UUIDs; mapping them by order keeps a
    token shown by one example equal to the one the next example uses.
    """
    stable: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        found = match.group(0)
        if found not in stable:
            stable[found] = str(uuid.uuid5(STABLE_UUID_NAMESPACE, str(len(stable))))
        return stable[found]

    def fix(text: str) -> str:
        return UUID_PATTERN.sub(replace, text)

    return [
        Recording(
            command=recording.command,
            line=fix(recording.line),
            context=json.loads(fix(json.dumps(recording.context))),
            readable=fix(recording.readable),
        )
        for recording in recordings
    ]


def run_lines(warroom, lines: list[str]) -> list[Recording]:
    """Runs War Room lines in order, filling placeholders from the context so far.

    Args:
        warroom: anything with `run(line)` returning a War Room outcome.
        lines: the lines, placeholders unfilled.

    Raises:
        ExampleFailed: when a line ends in an error entry.
    """
    recordings = []
    merged: dict = {}
    for template in lines:
        line = fill_placeholders(template, merged)
        outcome = warroom.run(line)
        if outcome.error:
            raise ExampleFailed(f"{line!r} failed: {outcome.error}")

        context = plain_context(outcome.context or {})
        if outcome.files and "File" not in context:
            files = [file_context(saved) for saved in outcome.files]
            context["File"] = files[0] if len(files) == 1 else files
        merge_context(merged, copy.deepcopy(context))
        shown = [outcome.readable] + [saved.line() for saved in outcome.files]
        readable = "\n\n".join(text for text in shown if text)
        recordings.append(Recording(command_name(line), line, context, readable))
        LOG.debug("recorded an example of %s", command_name(line))
    return recordings


def record_examples(lines: list[str]) -> list[Recording]:
    """Runs each War Room line against a fresh emulator, the clock frozen.

    Args:
        lines: War Room lines, in the order they must run.

    Returns:
        One recording per line, with run-specific values made stable.

    Raises:
        ExampleFailed: when a line ends in an error entry.
    """
    # Imported here so the helpers above work without the emulator and War Room.
    from vision_emulator import serve
    from xsoar_local.warroom import WarRoom

    with freeze_time(RECORDING_TIME), tempfile.TemporaryDirectory() as scratch:
        with serve(port=0, frozen_at=datetime.fromisoformat(RECORDING_TIME)) as server:
            params = {
                "url": server.url,
                "credentials": {
                    "identifier": server.client_id,
                    "password": server.client_secret,
                },
            }
            warroom = WarRoom(
                params=params,
                home=Path(scratch) / "home",
                out=Path(scratch) / "files",
                warp=True,
            )
            recordings = run_lines(warroom, lines)
    return stabilise_uuids(recordings)
