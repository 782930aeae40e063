"""Reads an integration yml and checks a command line against it, as XSOAR does.

Before a command runs, XSOAR refuses unknown commands and arguments, asks for missing
required arguments, fills in `defaultValue`s and holds `predefined` arguments to their
listed values. `IntegrationSpec.apply` does the same. It does not check argument types
(numbers, dates, booleans): XSOAR passes those as text and so does this module.
"""

import difflib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from xsoar_local.commandline import CommandLine

LOG = logging.getLogger(__name__)

DEFAULT_YML = Path("CofenseVision") / "CofenseVision.yml"
# The repository root when the package runs from its checkout (src/xsoar_local).
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
# Commands XSOAR runs without the yml declaring them.
BUILT_IN_COMMANDS = ("test-module",)
CLOSE_MATCHES_SHOWN = 3
ARRAY_SEPARATOR = ","


class SpecError(ValueError):
    """A command line the yml refuses, or a yml that cannot be read."""


@dataclass(frozen=True)
class ArgumentSpec:
    """One argument of a command as the yml declares it."""

    name: str
    required: bool = False
    default_value: str | None = None
    predefined: tuple[str, ...] = ()
    is_array: bool = False

    @classmethod
    def from_yml(cls, item: dict) -> "ArgumentSpec":
        default = item.get("defaultValue")
        return cls(
            name=str(item["name"]),
            required=bool(item.get("required")),
            default_value=None if default in (None, "") else str(default),
            predefined=tuple(str(value) for value in item.get("predefined") or ()),
            is_array=bool(item.get("isArray")),
        )

    def canonical(self, value: str) -> str:
        """Returns the value with each predefined item in the yml's spelling.

        Raises:
            SpecError: when an item matches no predefined value, even ignoring case.
        """
        if not self.predefined:
            return value
        items = value.split(ARRAY_SEPARATOR) if self.is_array else [value]
        return ARRAY_SEPARATOR.join(self._canonical_item(item) for item in items)

    def _canonical_item(self, item: str) -> str:
        wanted = item.strip().casefold()
        for allowed in self.predefined:
            if allowed.casefold() == wanted:
                return allowed
        raise SpecError(
            f"argument {self.name!r} does not accept {item.strip()!r}; "
            f"use one of: {', '.join(self.predefined)}"
        )


@dataclass(frozen=True)
class CommandSpec:
    """One command of the yml with its arguments in declaration order."""

    name: str
    arguments: dict[str, ArgumentSpec] = field(default_factory=dict)

    @classmethod
    def from_yml(cls, item: dict) -> "CommandSpec":
        arguments = [ArgumentSpec.from_yml(arg) for arg in item.get("arguments") or ()]
        return cls(str(item["name"]), {arg.name: arg for arg in arguments})

    def apply(self, given: dict[str, str]) -> dict[str, str]:
        """Checks the given arguments and returns what the integration receives.

        An empty value counts as not given, so a default or the required check applies.

        Raises:
            SpecError: on an unknown argument, a missing required one or a value
                outside the predefined list.
        """
        present = {name: value for name, value in given.items() if value.strip()}
        unknown = [repr(name) for name in given if name not in self.arguments]
        if unknown:
            accepted = ", ".join(self.arguments) or "none"
            raise SpecError(
                f"{self.name} has no argument {' or '.join(unknown)}; "
                f"its arguments: {accepted}"
            )

        args: dict[str, str] = {}
        for name, spec in self.arguments.items():
            if name in present:
                try:
                    args[name] = spec.canonical(present[name])
                except SpecError as exc:
                    raise SpecError(f"{self.name}: {exc}") from None
            elif spec.default_value is not None:
                args[name] = spec.default_value
            elif spec.required:
                raise SpecError(f"{self.name} needs the argument {name!r}")
        return args


@dataclass(frozen=True)
class ParamSpec:
    """One instance parameter of the yml `configuration` section."""

    name: str
    type: int
    default_value: Any = None

    @classmethod
    def from_yml(cls, item: dict) -> "ParamSpec":
        default = item.get("defaultvalue")
        return cls(str(item["name"]), int(item.get("type", 0)),
                   None if default in (None, "") else default)


@dataclass(frozen=True)
class IntegrationSpec:
    """The commands and instance parameters of an integration yml."""

    path: Path
    commands: dict[str, CommandSpec]
    params: dict[str, ParamSpec]

    @property
    def module(self) -> str:
        """The integration's Python module: the yml's name without its suffix."""
        return self.path.stem

    def command_names(self) -> list[str]:
        """Returns every command the War Room accepts, built-in ones first."""
        return [*BUILT_IN_COMMANDS, *self.commands]

    def apply(self, line: CommandLine) -> tuple[str, dict[str, str]]:
        """Checks a parsed line against the yml.

        Returns:
            The command name and the arguments the integration receives.

        Raises:
            SpecError: naming what the yml refuses.
        """
        if line.command in BUILT_IN_COMMANDS:
            if line.args:
                raise SpecError(f"{line.command} takes no arguments")
            return line.command, {}
        spec = self.commands.get(line.command)
        if spec is None:
            raise SpecError(self._unknown_command(line.command))
        return spec.name, spec.apply(line.args)

    def _unknown_command(self, name: str) -> str:
        close = difflib.get_close_matches(
            name, self.command_names(), n=CLOSE_MATCHES_SHOWN, cutoff=0.6
        )
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown command {name!r}{hint} (type `commands` for the full list)"

    def param_defaults(self) -> dict[str, Any]:
        """Returns the `defaultvalue` of every parameter that has one."""
        return {
            name: spec.default_value
            for name, spec in self.params.items()
            if spec.default_value is not None
        }


def _read_document(path: Path) -> dict:
    """The yml as data, through a JSON copy kept per file version (parsing is slow)."""
    stat = path.stat()
    version = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    cache = Path(tempfile.gettempdir()) / (
        f"xsoar-local-spec-{hashlib.sha256(version).hexdigest()[:20]}.json")
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    import yaml  # parsed once per file version; the JSON copy serves later starts

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {exc}") from None
    try:
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(document), encoding="utf-8")
        partial.replace(cache)
    except (OSError, TypeError, ValueError):
        LOG.debug("could not keep a parsed copy of %s", path)
    return document


def load_spec(path: Path | str) -> IntegrationSpec:
    """Reads an integration yml.

    Raises:
        SpecError: when the file is missing or is no integration yml.
    """
    path = Path(path)
    try:
        document = _read_document(path)
        commands = [CommandSpec.from_yml(item)
                    for item in document["script"]["commands"]]
        params = [ParamSpec.from_yml(item)
                  for item in document.get("configuration") or ()]
    except OSError as exc:
        raise SpecError(
            f"cannot read the integration yml {path}: {exc.strerror}"
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(
            f"{path} is no integration yml ({type(exc).__name__})"
        ) from None
    return IntegrationSpec(
        path=path,
        commands={command.name: command for command in commands},
        params={param.name: param for param in params},
    )


def find_default_yml(cwd: Path | None = None) -> Path:
    """Finds CofenseVision/CofenseVision.yml next to this package, else above the cwd.

    Raises:
        SpecError: when neither place holds it.
    """
    start = (cwd or Path.cwd()).resolve()
    for folder in (PACKAGE_ROOT, start, *start.parents):
        candidate = folder / DEFAULT_YML
        if candidate.is_file():
            return candidate
    raise SpecError(
        f"cannot find {DEFAULT_YML} above {start}; give its path with --yml"
    )
