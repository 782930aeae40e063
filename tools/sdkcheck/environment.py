"""The isolated virtual environment that holds demisto-sdk, and how to run it.

demisto-sdk pulls in hundreds of packages, so it lives in `.venv-sdk/`, never in the
project's `.venv/`. The install runs once; a stamp file records what was installed.
"""

import logging
import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDK_VENV = ROOT / ".venv-sdk"
SDK_REQUIREMENTS = ("demisto-sdk==1.39.13", "pykwalify==1.8.0")
STAMP = SDK_VENV / ".installed"

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completed:
    """What one external command did: its exit status and its merged output."""

    returncode: int
    output: str


def _bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return SDK_VENV / folder / f"{name}{suffix}"


def sdk_python() -> Path:
    """Returns the interpreter of the SDK environment."""
    return _bin("python")


def is_installed() -> bool:
    """Tells whether the SDK environment exists and holds the pinned packages."""
    wanted = "\n".join(SDK_REQUIREMENTS)
    return sdk_python().exists() and STAMP.exists() and STAMP.read_text() == wanted


def ensure_sdk() -> None:
    """Creates `.venv-sdk/` and installs the pinned packages when they are missing."""
    if is_installed():
        return

    LOG.debug("installing demisto-sdk into %s", SDK_VENV)
    print(
        "Installing demisto-sdk into .venv-sdk (takes a few minutes) …", file=sys.stderr
    )
    if not sdk_python().exists():
        venv.EnvBuilder(with_pip=True).create(SDK_VENV)
    pip = [str(sdk_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    completed = subprocess.run(
        [*pip, "install", *SDK_REQUIREMENTS],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"pip could not install demisto-sdk:\n{completed.stderr[-2000:]}"
        )

    STAMP.write_text("\n".join(SDK_REQUIREMENTS))


def sdk_environment() -> dict[str, str]:
    """Returns the environment for SDK runs.

    The content-repo warning is silenced and the SDK's offline switch dropped, because
    it makes `validate` refuse to run; `Config/` files in the layout keep it offline.
    """
    env = dict(os.environ)
    env["DEMISTO_SDK_IGNORE_CONTENT_WARNING"] = "1"
    env.pop("DEMISTO_SDK_OFFLINE_ENV", None)
    return env


def run_tool(name: str, args: list[str], cwd: Path) -> Completed:
    """Runs an executable of the SDK environment and captures its output.

    Args:
        name: an executable of the environment (`demisto-sdk`, `pykwalify`).
        args: its arguments.
        cwd: the working folder; demisto-sdk needs one that holds `Packs/`.

    Returns:
        The exit status and stdout and stderr merged.
    """
    LOG.debug("running %s %s in %s", name, args[:1], cwd)
    completed = subprocess.run(
        [str(_bin(name)), *args],
        cwd=cwd,
        env=sdk_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    return Completed(completed.returncode, completed.stdout)


def sdk_schema(name: str) -> Path:
    """Returns the path of a pykwalify schema bundled with demisto-sdk.

    Args:
        name: the schema's base name, e.g. `integration`.
    """
    script = (
        "import demisto_sdk, pathlib;"
        "print(pathlib.Path(demisto_sdk.__file__).parent"
        f" / 'commands' / 'common' / 'schemas' / '{name}.yml')"
    )
    completed = subprocess.run(
        [str(sdk_python()), "-c", script], capture_output=True, text=True, check=True
    )
    return Path(completed.stdout.strip())
