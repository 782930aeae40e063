"""A session-wide record of what users and logs could see, and a scan for secrets in it.

Texts come from War Room outcomes, stand-in run results and logs, captured test output
and log records; secrets come from instance parameters, zip passwords given as command
arguments and every token the Vision emulator issued. Only exact secret strings are
looked for: a secret shown in a changed form (encoded, split) is not detected.
"""

import dataclasses
import json
import pathlib
from collections.abc import Iterable

MIN_SECRET_LENGTH = 6
EXCERPT_CHARS = 30
MASK = "<secret>"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One secret found in one gathered text."""

    source: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.source}: …{self.excerpt}…"


@dataclasses.dataclass
class ExposureLog:
    """Texts shown or logged during the session, the secrets in play, and log files."""

    texts: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    secrets: set[str] = dataclasses.field(default_factory=set)
    log_files: set[pathlib.Path] = dataclasses.field(default_factory=set)

    def add_text(self, source: str, value: object) -> None:
        """Keeps a shown or logged value; non-text values are kept as their JSON."""
        if value is None or value == "" or value == [] or value == {}:
            return
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        self.texts.append((source, text))

    def add_secret(self, value: object) -> None:
        """Registers a secret; values too short to tell apart from words are skipped."""
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            self.secrets.add(value)

    def add_log_file(self, path: pathlib.Path) -> None:
        self.log_files.add(pathlib.Path(path))

    def gathered(self) -> list[tuple[str, str]]:
        """The kept texts plus the current content of every log file seen."""
        files = [(str(path), path.read_text(encoding="utf-8", errors="replace"))
                 for path in sorted(self.log_files) if path.is_file()]
        return self.texts + files

    def scan(self) -> list[Finding]:
        return find_secrets(self.gathered(), self.secrets)


def find_secrets(texts: Iterable[tuple[str, str]],
                 secrets: Iterable[str]) -> list[Finding]:
    """Every place a secret occurs; the excerpt around it has the secret masked."""
    findings = []
    for source, text in texts:
        for secret in secrets:
            position = text.find(secret)
            if position < 0:
                continue
            start = max(0, position - EXCERPT_CHARS)
            excerpt = text[start:position + len(secret) + EXCERPT_CHARS]
            findings.append(Finding(source, excerpt.replace(secret, MASK)))
    return findings
