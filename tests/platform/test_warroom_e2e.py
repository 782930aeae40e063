"""The War Room over the real runtime, with a tiny fake integration and its yml.

The fake integration is written once per session under a module name of its own, since
the runtime imports an integration once per process.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from xsoar_local.warroom import WarRoom

from test_warroom import RecordingServer

SECRET = "e2e-secret-6b1e"
PARAMS = {"url": "http://127.0.0.1:9",
          "credentials": {"identifier": "e2e-client", "password": SECRET}}
MODULE = "WarRoomE2eFake"
PAYLOAD = b"payload \x00\xff"
YML = {
    "configuration": [{"name": "url", "type": 0}, {"name": "credentials", "type": 9}],
    "script": {"commands": [
        {"name": "fake-echo", "arguments": [
            {"name": "text", "required": True},
            {"name": "times", "defaultValue": "1"},
            {"name": "mode", "predefined": ["Plain", "Loud"], "defaultValue": "Plain"},
        ]},
        {"name": "fake-file", "arguments": [{"name": "name", "required": True}]},
        {"name": "fake-fail"},
        {"name": "fake-poll",
         "arguments": [{"name": "remaining", "defaultValue": "2"}]},
        {"name": "fake-count"},
    ]},
}
INTEGRATION = '''
import demistomock as demisto
from CommonServerPython import *


def poll(args):
    remaining = int(args["remaining"])
    if not remaining:
        return CommandResults(readable_output="Done")
    return CommandResults(
        readable_output=f"Waiting, {remaining} to go",
        scheduled_command=ScheduledCommand(
            command="fake-poll", next_run_in_seconds=10,
            args={"remaining": str(remaining - 1)}, timeout_in_seconds=600,
        ),
    )


def count():
    runs = get_integration_context().get("runs", 0) + 1
    set_integration_context({"runs": runs})
    return f"run {runs}"


def main():
    command, args = demisto.command(), demisto.args()
    try:
        if command == "test-module":
            return_results("ok")
        elif command == "fake-echo":
            echo = {"text": args["text"], "times": args["times"], "mode": args["mode"]}
            return_results(CommandResults(
                outputs_prefix="Fake.Echo", outputs_key_field="text", outputs=echo,
                readable_output=f"Echo: {args['text']}",
            ))
        elif command == "fake-file":
            return_results(fileResult(args["name"], PAYLOAD))
        elif command == "fake-poll":
            return_results(poll(args))
        elif command == "fake-count":
            return_results(count())
        else:
            raise DemistoException("the service said no")
    except Exception as exc:
        return_error(f"Failed to execute {command} command. {exc}")
'''


@pytest.fixture(scope="session")
def yml(tmp_path_factory):
    folder = tmp_path_factory.mktemp("integration")
    source = f"PAYLOAD = {PAYLOAD!r}\n" + textwrap.dedent(INTEGRATION)
    (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
    path = folder / f"{MODULE}.yml"
    path.write_text(yaml.safe_dump(YML), encoding="utf-8")
    return path


@pytest.fixture
def open_room(yml, tmp_path):
    def open_room(**options):
        settings = {"params": PARAMS, "home": tmp_path / "home",
                    "out": tmp_path / "out", "yml": yml, **options}
        return WarRoom(**settings)
    return open_room


def test_echo__defaults_predefined_spelling_and_context(open_room):
    outcome = open_room().run('!fake-echo text="hello there" mode=loud')

    assert outcome.exit_code == 0
    assert outcome.readable == "Echo: hello there"
    assert outcome.context == {
        "Fake.Echo(val.text && val.text == obj.text)":
            {"text": "hello there", "times": "1", "mode": "Loud"},
    }


def test_file__kept_with_size_and_hash(open_room, tmp_path, capsys):
    room = open_room()

    outcome = room.run('!fake-file name="../evil/report.bin"')
    room.print(outcome)

    saved = outcome.files[0]
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    assert saved.path == tmp_path / "out" / "report.bin"
    assert saved.path.read_bytes() == PAYLOAD
    assert list((tmp_path / "home" / "files").iterdir()) == []
    assert capsys.readouterr().out == (
        f"File: report.bin  {len(PAYLOAD)} bytes  sha256 {digest}\n")


def test_failure__error_entry(open_room, capsys):
    room = open_room()

    outcome = room.run("!fake-fail")
    room.print(outcome)

    assert outcome.exit_code == 1
    assert outcome.error == "Failed to execute fake-fail command. the service said no"
    assert capsys.readouterr().err == f"ERROR: {outcome.error}\n"


def test_polling__warp_advances_the_emulator_clock(open_room):
    polls = []
    with RecordingServer() as clock:
        room = open_room(params={**PARAMS, "url": clock.url}, warp=True,
                         on_poll=lambda *poll: polls.append(poll))

        outcome = room.run("!fake-poll")

    assert outcome.readable == "Waiting, 2 to go\n\nWaiting, 1 to go\n\nDone"
    assert polls == [("fake-poll", 10), ("fake-poll", 10)]
    assert [body for _, _, body in clock.requests] == [{"seconds": 10}] * 2


def test_missing_module_is_an_error_outcome(open_room):
    outcome = open_room(module="WarRoomNoSuchModule").run("!fake-count")

    assert outcome.exit_code == 1
    assert outcome.error == ("cannot import the integration WarRoomNoSuchModule: "
                             "No module named 'WarRoomNoSuchModule'")


def test_instances_keep_their_own_integration_context(open_room):
    first, again, other = open_room(), open_room(), open_room(instance="second")

    shown = [room.run("!fake-count").readable for room in (first, again, other, first)]

    assert shown == ["run 1", "run 2", "run 1", "run 3"]


def test_secret_never_reaches_entries(open_room):
    room = open_room()

    outcomes = [room.run(line) for line in ("!test-module", "!fake-fail",
                                            "!fake-echo text=x")]

    for outcome in outcomes:
        assert SECRET not in json.dumps(outcome.entries)


def test_python_dash_m(yml, tmp_path):
    config = tmp_path / "instance.yml"
    config.write_text(yaml.safe_dump(PARAMS), encoding="utf-8")
    source = Path(__file__).resolve().parents[2] / "src"
    environment = {**os.environ, "PYTHONPATH": str(source)}

    finished = subprocess.run(
        [sys.executable, "-m", "xsoar_local", "--yml", str(yml), "--config",
         str(config), "--home", str(tmp_path / "home"), "--json",
         "!fake-echo text=hi times=2"],
        capture_output=True, text=True, env=environment, cwd=tmp_path, check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == {
        "Fake.Echo(val.text && val.text == obj.text)":
            {"text": "hi", "times": "2", "mode": "Plain"},
    }
