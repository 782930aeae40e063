"""Project tasks on a machine with nothing but Python and pip.

    python3 dev.py hunt     start the Vision emulator and run the scripted hunt
    python3 dev.py test     run the test suite
    python3 dev.py lint     check the code with ruff
    python3 dev.py warroom  open the War Room (arguments are passed on)
    python3 dev.py emulator start the Vision emulator on 127.0.0.1:8780
    python3 dev.py bench    run the performance benchmark (bench/README.md)

Each task first makes sure `.venv/` exists and holds what pyproject.toml asks for; the
install is repeated only when pyproject.toml changes.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"
TASKS = {
    "hunt": [str(ROOT / "demo" / "hunt.py")],
    "test": ["-m", "pytest"],
    "lint": ["-m", "ruff", "check", "."],
    "warroom": ["-m", "xsoar_local"],
    "emulator": ["-m", "vision_emulator"],
    "bench": [str(ROOT / "bench" / "run.py")],
}


def venv_python() -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return VENV / folder / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> Path:
    """Creates the virtual environment and installs the project when needed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python

    if not python.exists():
        print("Creating .venv …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the project and its test tools into .venv …", file=sys.stderr)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True, cwd=ROOT)

    STAMP.write_text(wanted)
    return python


def compile_sources(python: Path) -> None:
    """Writes bytecode for the project's modules, so a War Room start skips compiling.

    Needed because an environment may set PYTHONDONTWRITEBYTECODE, and then every
    process would compile the integration and the stand-in again. The bytecode is
    checked against a hash of its source, as a file edited within the same second to
    the same size would pass a check of time and size with stale bytecode.
    """
    folders = [str(ROOT / "src"), str(ROOT / "CofenseVision")]
    subprocess.run([str(python), "-m", "compileall", "-q",
                    "--invalidation-mode", "checked-hash", *folders],
                   check=False, cwd=ROOT, stdout=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    python = ensure_environment()
    compile_sources(python)
    command = [str(python), *TASKS[argv[0]], *argv[1:]]
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
