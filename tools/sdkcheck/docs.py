"""Generates the integration README with demisto-sdk and adds examples from real runs.

`generate-docs` records command examples only against a live XSOAR, so the examples are
recorded here instead: every line of `tools/doc_examples.txt` runs through the War Room
against the emulator started in-process, and each command's section of the generated
README gets its command line, context and readable output. The emulator is seeded and
the clock is frozen while recording, so two runs write the same bytes.
"""

import difflib
import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sdkcheck.environment import ROOT, run_tool
from sdkcheck.pack import CORE_FILES, SOURCE_DIR, integration_yml, lay_out_pack
from sdkcheck.recording import Recording, record_examples

EXAMPLES_FILE = ROOT / "tools" / "doc_examples.txt"
README = SOURCE_DIR / "README.md"

# generate-docs cannot know which Vision versions the integration was built against.
TESTED_WITH_PLACEHOLDER = re.compile(
    r"^This integration was integrated and tested with .*$", re.MULTILINE
)
TESTED_WITH = (
    "This integration was integrated and tested with version 4 of the Cofense Vision"
    " API and version 1 of the Cofense IOC Repository API."
)
COMMAND_HEADING = re.compile(r"^### (?P<command>[a-z0-9-]+)\n", re.MULTILINE)
DIFF_LINES_SHOWN = 40

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocsCheck:
    """Whether the committed README matches a fresh one, with a diff summary if not."""

    passed: bool
    details: tuple[str, ...] = ()
    name: str = "README (CofenseVision/README.md is current)"

    def summary(self) -> str:
        """Returns the one line printed for this check."""
        if self.passed:
            return f"PASS {self.name}"
        return f"FAIL {self.name}: {self.details[0]}"


def generate_base_readme(source_dir: Path = SOURCE_DIR) -> str:
    """Runs `demisto-sdk generate-docs` on the integration yml and returns its README.

    Args:
        source_dir: the folder holding the integration's yml and code.
    """
    with tempfile.TemporaryDirectory(prefix="sdk-docs-") as scratch:
        content_root = Path(scratch) / "content"
        output_dir = Path(scratch) / "out"
        output_dir.mkdir()
        lay_out_pack(source_dir, content_root, CORE_FILES)

        yml = integration_yml(content_root).relative_to(content_root)
        completed = run_tool(
            "demisto-sdk",
            ["generate-docs", "-i", str(yml), "-o", str(output_dir), "-f", "-ngr"],
            content_root,
        )
        readme = output_dir / "README.md"
        if completed.returncode != 0 or not readme.is_file():
            raise RuntimeError(f"demisto-sdk generate-docs failed:\n{completed.output}")
        return readme.read_text(encoding="utf-8")


def render_example(recording: Recording) -> str:
    """Renders one recorded run as the README's example sections."""
    parts = ["#### Command example", f"```{recording.line}```"]
    if recording.context:
        parts += [
            "#### Context Example",
            "```json",
            recording.context_json(),
            "```",
            "",
        ]
    parts += ["#### Human Readable Output", ""]
    quoted = [f">{line}" if line else ">" for line in recording.readable.splitlines()]
    parts += quoted or [">No readable output."]
    return "\n".join(parts)


def insert_examples(readme: str, recordings: list[Recording]) -> str:
    """Appends each command's recorded example to the end of its README section.

    Args:
        readme: the README that generate-docs wrote.
        recordings: one recording per command.

    Returns:
        The README with the examples in place.

    Raises:
        ValueError: when a recording names a command the README does not document.
    """
    by_command = {recording.command: recording for recording in recordings}
    headings = list(COMMAND_HEADING.finditer(readme))
    unknown = set(by_command) - {heading["command"] for heading in headings}
    if unknown:
        raise ValueError(
            f"examples for undocumented commands: {', '.join(sorted(unknown))}"
        )

    pieces = [readme[: headings[0].start()] if headings else readme]
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(readme)
        section = readme[heading.start() : end].rstrip("\n")
        recording = by_command.get(heading["command"])
        if recording:
            section = f"{section}\n\n{render_example(recording)}"
        pieces.append(section + "\n\n")
    return "".join(pieces).rstrip("\n") + "\n"


def read_example_lines(path: Path = EXAMPLES_FILE) -> list[str]:
    """Returns the War Room lines of the examples file, skipping blanks and comments."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def render_readme(source_dir: Path = SOURCE_DIR, examples: Path = EXAMPLES_FILE) -> str:
    """Builds the full README text: generated reference plus recorded examples."""
    base = TESTED_WITH_PLACEHOLDER.sub(TESTED_WITH, generate_base_readme(source_dir))
    recordings = record_examples(read_example_lines(examples))
    return insert_examples(base, recordings)


def write_docs(source_dir: Path = SOURCE_DIR, readme: Path = README) -> Path:
    """Regenerates the committed README and returns its path."""
    readme.write_text(render_readme(source_dir), encoding="utf-8")
    LOG.debug("wrote %s", readme)
    return readme


def diff_summary(expected: str, actual: str, label: str) -> tuple[str, ...]:
    """Summarises how `actual` (the committed text) differs from `expected` (fresh)."""
    diff = list(
        difflib.unified_diff(
            actual.splitlines(),
            expected.splitlines(),
            fromfile=f"{label} (committed)",
            tofile=f"{label} (regenerated)",
            lineterm="",
        )
    )
    body = diff[2:]
    removed = sum(1 for line in body if line.startswith("-"))
    added = sum(1 for line in body if line.startswith("+"))
    headline = (
        f"{removed} line(s) to remove and {added} to add against a fresh generation;"
        " run `python3 tools/sdk.py docs` and commit the result"
    )
    return (headline, *diff[:DIFF_LINES_SHOWN])


def check_docs(source_dir: Path = SOURCE_DIR, readme: Path = README) -> DocsCheck:
    """Regenerates the README in memory and compares it with the committed one.

    Args:
        source_dir: the folder holding the integration's yml and code.
        readme: the committed README to compare.
    """
    if not readme.is_file():
        return DocsCheck(
            False, (f"{readme} is missing; run `python3 tools/sdk.py docs`",)
        )
    expected = render_readme(source_dir)
    actual = readme.read_text(encoding="utf-8")
    if expected == actual:
        return DocsCheck(True)
    return DocsCheck(False, diff_summary(expected, actual, readme.name))
