"""Puts tools/ on the path; skips the `sdk` tests when demisto-sdk is not installed."""

import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

from sdkcheck.environment import is_installed  # noqa: E402

SKIP_REASON = (
    "needs demisto-sdk in .venv-sdk/: run `python3 tools/sdk.py setup`, "
    "then `python3 dev.py test -m sdk`"
)


def pytest_configure(config):
    config.addinivalue_line("markers", "sdk: runs demisto-sdk from .venv-sdk/ (slow)")


def pytest_collection_modifyitems(config, items):
    if is_installed():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if item.get_closest_marker("sdk"):
            item.add_marker(skip)
