"""The War Room's handling of entries: printing, context, files, errors and exit codes.

The runtime is replaced by a scripted `run_command` so each entry shape can be set up
exactly; tests/platform/test_warroom_e2e.py runs a fake integration through the real
runtime.
"""

import hashlib
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import yaml

from xsoar_local import runtime, warroom
from xsoar_local.warroom import ClockWarp, Outcome, WarRoom, WarRoomError

SECRET = "scripted-secret-4d1c"
PARAMS = {"url": "http://127.0.0.1:9", "credentials": {"identifier": "scripted",
                                                       "password": SECRET}}
FAKE_YML = {
    "configuration": [
        {"name": "url", "type": 0},
        {"name": "credentials", "type": 9},
        {"name": "timeout", "type": 0, "defaultvalue": "60"},
    ],
    "script": {"commands": [
        {"name": "fake-show", "arguments": [{"name": "id", "required": True},
                                            {"name": "size", "defaultValue": "50"}]},
        {"name": "fake-job-create", "arguments": [{"name": "polling"}]},
    ]},
}
TABLE = "### Job\n|id|\n|---|\n| 7 |"


class ScriptedRuntime:
    """Stands in for runtime.run_command: records calls and returns scripted entries."""

    def __init__(self, home):
        self.home = home
        self.entries: list = []
        self.files: dict[str, bytes] = {}
        self.polls: list[float] = []
        self.calls: list[tuple] = []

    def __call__(self, command, args, params, *, instance, home, module, sleep):
        self.calls.append((command, args, params, instance, module))
        for seconds in self.polls:
            sleep(seconds)
        folder = home / "files"
        folder.mkdir(parents=True, exist_ok=True)
        for file_id, data in self.files.items():
            (folder / f"1_{file_id}").write_bytes(data)
        return SimpleNamespace(entries=list(self.entries), logs=[])


class RecordingServer:
    """A loopback HTTP server that records each request and answers with `status`."""

    def __init__(self, status=200):
        self.requests: list[tuple[str, str, dict]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                recorder.requests.append(("POST", self.path, body))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"now": "2024-01-01T00:00:00+00:00"}')

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def write_fake_yml(folder):
    path = folder / "FakeVision.yml"
    path.write_text(yaml.safe_dump(FAKE_YML), encoding="utf-8")
    return path


def install_scripted_runtime(folder, monkeypatch):
    fake = ScriptedRuntime(folder / "home")
    monkeypatch.setattr(runtime, "run_command", fake)
    return fake


@pytest.fixture
def yml(tmp_path):
    return write_fake_yml(tmp_path)


@pytest.fixture
def scripted(tmp_path, monkeypatch):
    return install_scripted_runtime(tmp_path, monkeypatch)


@pytest.fixture
def room(yml, scripted, tmp_path):
    return WarRoom(params=PARAMS, home=scripted.home, out=tmp_path / "out", yml=yml)


def printed(room, outcome, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    room.print(outcome, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def note(readable=None, contents=None, context=None):
    return {"Type": 1, "HumanReadable": readable, "Contents": contents,
            "EntryContext": context or {}}


def file_entry(name, file_id, entry_type=3):
    return {"Type": entry_type, "File": name, "FileID": file_id, "Contents": ""}


class TestRun:
    def test_run__passes_yml_defaults_and_params(self, room, scripted):
        room.run("!fake-show id=7")

        command, args, params, instance, module = scripted.calls[0]
        assert (command, args, instance, module) == (
            "fake-show", {"id": "7", "size": "50"}, "default", "FakeVision")
        assert params == {**PARAMS, "timeout": "60"}

    @pytest.mark.parametrize("line, message", [
        pytest.param("!fake-show", "fake-show needs the argument 'id'", id="missing"),
        pytest.param("!fake-shows id=1", "did you mean fake-show", id="unknown"),
        pytest.param('!fake-show id="7', 'unbalanced " quote', id="quotes"),
    ])
    def test_run__usage_error_never_reaches_the_runtime(self, room, scripted, line,
                                                         message):
        outcome = room.run(line)

        assert scripted.calls == []
        assert outcome.usage_error and outcome.exit_code == 2
        assert message in outcome.error
        assert printed(room, outcome) == ("", f"warroom: {outcome.error}\n")

    def test_run__plain_string_result_is_a_note(self, room, scripted):
        scripted.entries = ["ok"]

        outcome = room.run("!test-module")

        assert outcome.entries == [{"Type": 1, "Contents": "ok"}]
        assert outcome.readable == "ok"
        assert outcome.exit_code == 0

    def test_instance_name_is_checked(self, yml, scripted):
        with pytest.raises(WarRoomError, match="instance name '../x'"):
            WarRoom(params=PARAMS, instance="../x", home=scripted.home, yml=yml)

    def test_params_property_holds_the_secret_but_repr_masks_it(self, room):
        assert room.params["credentials"]["password"] == SECRET
        assert SECRET not in repr(room.config)


class TestPrint:
    def test_readable_then_contents_fallback(self, room, scripted):
        scripted.entries = [
            note(TABLE, {"id": 7}),
            note(None, "plain text"),
            note(None, {"b": [1, "ü"]}),
            note(None, None),
        ]

        outcome = room.run("!fake-show id=7")

        expected = f'{TABLE}\n\nplain text\n\n{{\n  "b": [\n    1,\n    "ü"\n  ]\n}}'
        assert outcome.readable == expected
        assert printed(room, outcome) == (expected + "\n", "")
        assert outcome.error is None and outcome.exit_code == 0

    def test_warning_entries_go_to_stderr_and_exit_0(self, room, scripted):
        scripted.entries = [note("first"), {"Type": 11, "Contents": "Stopped polling."}]

        outcome = room.run("!fake-show id=7")

        assert outcome.readable == "first"
        assert (outcome.error, outcome.exit_code) == (None, 0)
        assert printed(room, outcome) == ("first\n", "WARNING: Stopped polling.\n")

    def test_error_entries_go_to_stderr_and_exit_1(self, room, scripted):
        scripted.entries = [note("before"), {"Type": 4, "Contents": "Failed: boom"}]

        outcome = room.run("!fake-show id=7")

        assert outcome.error == "Failed: boom"
        assert outcome.exit_code == 1
        assert printed(room, outcome) == ("before\n", "ERROR: Failed: boom\n")

    def test_json_prints_the_merged_context_instead(self, room, scripted):
        key = "Cofense.Job(val.id && val.id == obj.id)"
        scripted.entries = [
            note(TABLE, context={key: {"id": 1}, "Other": [1]}),
            note(TABLE, context={key: [{"id": 2}, {"id": 3}], "Other": 2}),
        ]

        outcome = room.run("!fake-show id=7")
        stdout, stderr = printed(room, outcome, as_json=True)

        assert outcome.context == {key: [{"id": 1}, {"id": 2}, {"id": 3}],
                                   "Other": [1, 2]}
        assert json.loads(stdout) == outcome.context
        assert stdout == json.dumps(outcome.context, indent=2) + "\n"
        assert stderr == ""


class TestFiles:
    DATA = b"zip bytes \x00\x01"

    def test_file_is_moved_out_and_described(self, room, scripted, tmp_path):
        scripted.entries = [file_entry("message.zip", "abc")]
        scripted.files = {"abc": self.DATA}

        outcome = room.run("!fake-show id=7")

        saved = outcome.files[0]
        digest = hashlib.sha256(self.DATA).hexdigest()
        assert saved.path == tmp_path / "out" / "message.zip"
        assert saved.path.read_bytes() == self.DATA
        assert (saved.size, saved.sha256) == (len(self.DATA), digest)
        assert not (scripted.home / "files" / "1_abc").exists()
        assert printed(room, outcome) == (
            f"File: message.zip  {len(self.DATA)} bytes  sha256 {digest}\n", "")
        assert outcome.readable == "" and outcome.exit_code == 0

    def test_info_file_with_hostile_name_is_kept_under_a_safe_unique_name(
            self, room, scripted, tmp_path):
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "passwd").write_bytes(b"already here")
        scripted.entries = [file_entry("../../etc/passwd", "f1", entry_type=9),
                            file_entry("..\\..\\etc\\passwd", "f2")]
        scripted.files = {"f1": b"one", "f2": b"two"}

        outcome = room.run("!fake-show id=7")

        assert [saved.name for saved in outcome.files] == ["passwd-1", "passwd-2"]
        assert (tmp_path / "out" / "passwd").read_bytes() == b"already here"
        assert (tmp_path / "out" / "passwd-2").read_bytes() == b"two"

    def test_json_mode_keeps_file_lines_off_stdout(self, room, scripted):
        scripted.entries = [file_entry("a.eml", "x")]
        scripted.files = {"x": b"eml"}

        stdout, stderr = printed(room, room.run("!fake-show id=7"), as_json=True)

        assert stdout == "{}\n"
        assert stderr.startswith("File: a.eml  3 bytes  sha256 ")

    def test_missing_working_file_is_an_error(self, room, scripted):
        scripted.entries = [file_entry("gone.zip", "never-written")]

        outcome = room.run("!fake-show id=7")

        assert outcome.files == []
        assert outcome.exit_code == 1
        assert outcome.error.startswith("cannot keep the returned file gone.zip: ")
        assert printed(room, outcome)[1] == f"ERROR: {outcome.error}\n"


@pytest.mark.parametrize("name, expected", [
    pytest.param("report.pdf", "report.pdf", id="plain"),
    pytest.param("/abs/dir/x.txt", "x.txt", id="absolute"),
    pytest.param("..\\..\\win.ini", "win.ini", id="windows-parts"),
    pytest.param("a\x00b\x1b[31mc\n.txt", "ab[31mc.txt", id="control-chars"),
    pytest.param("invoice\u202egpj.exe", "invoicegpj.exe", id="bidi-override"),
    pytest.param("..", "file", id="dots-only"),
    pytest.param(".bashrc", "bashrc", id="hidden-name"),
    pytest.param("", "file", id="empty"),
    pytest.param(None, "file", id="none"),
    pytest.param("x" * 300 + ".zip", "x" * 116 + ".zip", id="long-keeps-suffix"),
    pytest.param("y" * 300, "y" * 120, id="long-without-suffix"),
])
def test_safe_file_name(name, expected):
    assert warroom.safe_file_name(name) == expected
    assert len(warroom.safe_file_name(name)) <= warroom.FILE_NAME_LIMIT


@pytest.mark.parametrize("url, loopback", [
    pytest.param("http://127.0.0.1:8780", True, id="ipv4"),
    pytest.param("http://127.8.9.10/", True, id="ipv4-block"),
    pytest.param("http://[::1]:8780", True, id="ipv6"),
    pytest.param("http://localhost:8780", True, id="localhost"),
    pytest.param("https://vision.example.com", False, id="remote-name"),
    pytest.param("http://10.0.0.1:8780", False, id="private-address"),
    pytest.param("http://127.0.0.1.example.com", False, id="lookalike"),
    pytest.param("not a url", False, id="garbage"),
    pytest.param("http://[::1", False, id="unclosed-bracket"),
])
def test_is_loopback_url(url, loopback):
    assert warroom.is_loopback_url(url) is loopback


def test_outcome_exit_codes():
    assert Outcome().exit_code == 0
    assert Outcome(error="x").exit_code == 1
    assert Outcome(error="x", usage_error=True).exit_code == 2


def test_clock_warp__ignores_proxy_settings(monkeypatch):
    with RecordingServer() as clock, RecordingServer() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)

        ClockWarp(clock.url)(30)

    assert clock.requests == [("POST", "/_emulator/clock/advance", {"seconds": 30})]
    assert proxy.requests == []


def test_clock_warp__refusal_is_an_error_outcome(yml, scripted, tmp_path):
    scripted.polls = [10]
    with RecordingServer(status=400) as clock:
        room = WarRoom(params={**PARAMS, "url": clock.url}, home=scripted.home,
                               out=tmp_path / "out", warp=True, yml=yml)

        outcome = room.run("!fake-job-create")

    assert outcome.exit_code == 1
    assert outcome.error == "the emulator refused to advance its clock (HTTP 400)"


def test_clock_warp__refuses_remote_address():
    with pytest.raises(WarRoomError, match="loopback"):
        ClockWarp("http://192.0.2.1:8780")


def test_run__home_folder_trouble_is_an_error_outcome(room, scripted, monkeypatch):
    def unusable_home(*args, **kwargs):
        raise NotADirectoryError(20, "Not a directory", str(scripted.home / "files"))

    monkeypatch.setattr(runtime, "run_command", unusable_home)

    outcome = room.run("!fake-show id=7")

    assert outcome.exit_code == 1
    assert outcome.error == (f"the home folder {scripted.home.resolve()} cannot be "
                             f"used: Not a directory")
    assert printed(room, outcome) == ("", f"ERROR: {outcome.error}\n")
