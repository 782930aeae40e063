"""Extracts the command interface from the reference, for the agreement tests.

    python3 tools/reference_interface.py [REFERENCE]          write the JSON
    python3 tools/reference_interface.py [REFERENCE] --check  exit 1 when it is stale

REFERENCE defaults to $COFENSE_REFERENCE, else shared/command-reference.txt beside the
repository. The JSON (tests/agreement/reference_interface.json) keeps, for each command,
its argument names in order, its context paths with their types and its example command
line: no descriptions, so the tests run where the reference is not at hand.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTERFACE = ROOT / "tests" / "agreement" / "reference_interface.json"
OUTPUT_TYPES = "String|Number|Date|Boolean|Unknown"


def default_reference() -> Path:
    """$COFENSE_REFERENCE, else shared/command-reference.txt beside the repository."""
    configured = os.environ.get("COFENSE_REFERENCE")
    if configured:
        return Path(configured)
    return ROOT.parent / "shared" / "command-reference.txt"


def read_reference(path: Path) -> dict[str, dict]:
    """Each command of the reference: its arguments, context paths and example."""
    text = Path(path).read_text(encoding="utf-8")
    parts = re.split(r"\n(cofense-[a-z-]+)#\n", text)
    commands = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        inputs = body.partition("Input#")[2].partition("Context Output#")[0]
        outputs = body.partition("Context Output#")[2].partition("Command example#")[0]
        example = re.search(rf"^(!{re.escape(name)}\b.*)$", body, re.MULTILINE)
        commands[name] = {
            "arguments": re.findall(r"^([a-z][a-z0-9_]*)[A-Z][A-Za-z]*\s", inputs,
                                    re.MULTILINE),
            "paths": dict(re.findall(
                rf"^((?:Cofense|DBotScore|Domain|URL|Email|File)\.[\w.]+)"
                rf"({OUTPUT_TYPES})(?=[A-Z\"'])",
                outputs, re.MULTILINE)),
            "example": example.group(1) if example else None,
        }
    return commands


def render(commands: dict[str, dict]) -> str:
    """The JSON text, keys sorted, so that one reference always gives the same file."""
    return json.dumps(commands, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", nargs="?", type=Path, default=None,
                        help="default: $COFENSE_REFERENCE, else "
                        "../shared/command-reference.txt from the repository")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the committed JSON is not what the "
                        "reference gives")
    options = parser.parse_args(argv)
    reference = options.reference or default_reference()
    if not reference.is_file():
        print(f"reference_interface: {reference} not found", file=sys.stderr)
        return 2
    fresh = render(read_reference(reference))
    if options.check:
        current = INTERFACE.read_text(encoding="utf-8") if INTERFACE.exists() else None
        if current != fresh:
            print(f"reference_interface: {INTERFACE.relative_to(ROOT)} is stale; "
                  "run python3 tools/reference_interface.py", file=sys.stderr)
            return 1
        return 0
    INTERFACE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
