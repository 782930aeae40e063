"""Reads an XSOAR command line such as `!cofense-message-search-get id=700`.

Arguments are `name=value` pairs. A value runs to the next unquoted space and may mix
bare text with double-quoted parts (where `\\"` and `\\\\` are escapes and any other
backslash stays as typed), single-quoted parts and backtick-quoted parts (both taken
literally). Only the syntax is checked here; what a command accepts comes from its yml.
Errors quote the offending word with any URL password masked.
"""

import re
from dataclasses import dataclass, field

from xsoar_local.redact import mask_url

COMMAND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
ARGUMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
LITERAL_QUOTES = ("'", "`")
ESCAPABLE_IN_DOUBLE_QUOTES = ('"', "\\")


class CommandLineError(ValueError):
    """A command line that cannot be read; the message names the offending part."""


@dataclass(frozen=True)
class CommandLine:
    """A parsed command line: the command without its `!` and the arguments as typed."""

    command: str
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class _Token:
    """One space-separated word, with the position of its first unquoted `=`."""

    text: str = ""
    equals_at: int | None = None
    quoted: bool = False


def _read_quoted(line: str, start: int, quote: str) -> tuple[str, int]:
    """Reads the quoted part opening at `start`; returns its text and the next index."""
    pieces = []
    index = start + 1
    while index < len(line):
        char = line[index]
        if char == quote:
            return "".join(pieces), index + 1
        if quote == '"' and char == "\\" and line[index + 1: index + 2] in (
            ESCAPABLE_IN_DOUBLE_QUOTES
        ):
            char = line[index + 1]
            index += 1
        pieces.append(char)
        index += 1
    raise CommandLineError(
        f"unbalanced {quote} quote: the one opened at column {start + 1} "
        f"is never closed"
    )


def _split_words(line: str) -> list[_Token]:
    """Splits a line on unquoted whitespace, removing quotes and resolving escapes."""
    tokens: list[_Token] = []
    current: _Token | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if char.isspace():
            if current is not None:
                tokens.append(current)
                current = None
            index += 1
            continue

        current = current or _Token()
        if char == '"' or char in LITERAL_QUOTES:
            text, index = _read_quoted(line, index, char)
            current.text += text
            current.quoted = True
            continue
        if char == "=" and current.equals_at is None:
            current.equals_at = len(current.text)
        current.text += char
        index += 1
    if current is not None:
        tokens.append(current)
    return tokens


def _argument(token: _Token) -> tuple[str, str]:
    """Splits one word into name and value, or says why it is no argument."""
    if token.equals_at is None:
        raise CommandLineError(
            f"{mask_url(token.text)!r} is not an argument: write it as name=value"
        )
    name = token.text[: token.equals_at]
    if not ARGUMENT_NAME.fullmatch(name):
        raise CommandLineError(
            f"{mask_url(token.text)!r} is not an argument: "
            f"{mask_url(name)!r} is no argument name"
        )
    return name, token.text[token.equals_at + 1:]


def parse_command_line(line: str) -> CommandLine:
    """Parses one War Room line; a leading `!` is optional.

    Args:
        line: the text as typed, e.g. `!cofense-iocs-list source="XSOAR Hunt"`.

    Returns:
        The command and its arguments, values unquoted and unescaped.

    Raises:
        CommandLineError: on an empty line, a bad command name, unbalanced quotes,
            a word that is not `name=value`, or an argument given twice.
    """
    text = line.strip()
    text = text[1:] if text.startswith("!") else text
    words = _split_words(text)
    if not words:
        raise CommandLineError("no command given: type a command such as !test-module")

    head, *rest = words
    if head.quoted or not COMMAND_NAME.fullmatch(head.text):
        raise CommandLineError(f"{mask_url(head.text)!r} is not a command name")

    args: dict[str, str] = {}
    for token in rest:
        name, value = _argument(token)
        if name in args:
            raise CommandLineError(f"argument {name!r} is given more than once")
        args[name] = value
    return CommandLine(head.text, args)
