"""Checks the integration the way demisto-sdk sees it, with no XSOAR and no network.

    python3 tools/sdk.py setup        install demisto-sdk into .venv-sdk/ (once)
    python3 tools/sdk.py build-pack   lay out build/content/Packs/CofenseVision; unify
    python3 tools/sdk.py validate     ST110 and the SDK's pykwalify schema on the yml
    python3 tools/sdk.py docs         regenerate CofenseVision/README.md, examples too
    python3 tools/sdk.py check-docs   fail when CofenseVision/README.md is stale

Each task runs in the project's `.venv/` (made by dev.py) and the SDK in `.venv-sdk/`.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))


def _in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()


def _reexec_in_project_venv(argv: list[str]) -> int:
    """Runs this script again with the project's interpreter, which has Flask and co."""
    import dev

    python = dev.ensure_environment()
    script = Path(__file__).resolve()
    return subprocess.run([str(python), str(script), *argv], cwd=ROOT).returncode


def _report(results) -> int:
    for result in results:
        print(result.summary())
    return 0 if all(result.passed for result in results) else 1


def setup() -> int:
    """Installs demisto-sdk into `.venv-sdk/` when it is missing."""
    from sdkcheck.environment import SDK_REQUIREMENTS, ensure_sdk

    ensure_sdk()
    print(f"PASS .venv-sdk holds {', '.join(SDK_REQUIREMENTS)}")
    return 0


def build_pack() -> int:
    """Lays out the pack, unifies the integration and checks the unified file."""
    from sdkcheck.pack import build_pack as build

    check = build()
    for problem in check.problems:
        print(f"FAIL unified integration: {problem}")
    if check.ok:
        print(f"PASS unified integration: {check.unified.relative_to(ROOT)}")
    return 0 if check.ok else 1


def validate() -> int:
    """Runs ST110 and the pykwalify schema check on the laid-out yml."""
    from sdkcheck.pack import CORE_FILES, lay_out_pack
    from sdkcheck.validation import validate as run_checks

    lay_out_pack(files=CORE_FILES)
    return _report(run_checks())


def docs() -> int:
    """Regenerates CofenseVision/README.md with examples recorded on the emulator."""
    from sdkcheck.docs import write_docs

    written = write_docs()
    print(f"PASS wrote {written.relative_to(ROOT)}")
    return 0


def check_docs() -> int:
    """Fails when the committed CofenseVision/README.md differs from a fresh one."""
    from sdkcheck.docs import check_docs as check

    result = check()
    code = _report([result])
    for line in result.details[1:]:
        print(f"    {line}")
    return code


TASKS = {
    "setup": setup,
    "build-pack": build_pack,
    "validate": validate,
    "docs": docs,
    "check-docs": check_docs,
}
NEEDS_SDK = {"build-pack", "validate", "docs", "check-docs"}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in TASKS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if not _in_project_venv():
        return _reexec_in_project_venv(argv)

    if argv[0] in NEEDS_SDK:
        from sdkcheck.environment import ensure_sdk

        ensure_sdk()
    return TASKS[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
