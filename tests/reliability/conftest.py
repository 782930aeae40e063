"""Fixtures of the reliability tests: an emulator on a free loopback port, a War Room.

The War Room uses a two-second HTTP timeout so slow replies fail fast; its home folder
(integration context, log, files) lives in the test's temporary folder.
"""

import pathlib
import threading

import pytest

from vision_emulator import serve

from .support import Vision, instance_params


@pytest.fixture
def vision():
    with serve(port=0) as server:
        yield Vision(server)


@pytest.fixture
def slow_release(vision):
    """Makes ``slow`` faults wait until the test releases them (or 30 s at most)."""
    release = threading.Event()
    vision.server.faults.sleep = lambda seconds: release.wait(30)
    yield release
    release.set()


@pytest.fixture
def home(tmp_path) -> pathlib.Path:
    return tmp_path / "home"


@pytest.fixture
def war_room(vision, home, tmp_path):
    """Returns a War Room factory; parameters may be overridden per call."""
    from xsoar_local.warroom import WarRoom

    def open_war_room(**param_changes):
        return WarRoom(params=instance_params(vision, **param_changes), home=home,
                       out=tmp_path / "out")

    return open_war_room
