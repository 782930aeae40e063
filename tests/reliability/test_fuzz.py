"""Property tests: no argument set makes a command fail with more than one clean line.

Every command of the yml runs in-process through the stand-in's run_command with HTTP
mocked by permissive replies, on argument dicts of known names with hostile text
(unicode, control characters, huge numbers, brackets, JSON-ish text, near-valid values)
plus unknown names. Each run must give a result, or an error entry made by the
integration's own handler whose text is one line without a traceback.
"""

import json
import pathlib
import re
import tempfile

import pytest
import requests_mock
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xsoar_local import runtime


def _unobserved_run(*args, **options):
    """The runtime's run_command without the session collector's wrapper."""
    run = runtime.run_command
    return getattr(run, "__wrapped__", run)(*args, **options)


YML = pathlib.Path(__file__).parents[2] / "CofenseVision" / "CofenseVision.yml"
YML_COMMANDS = yaml.safe_load(YML.read_text(encoding="utf-8"))["script"]["commands"]
COMMANDS = {
    command["name"]: [argument["name"] for argument in command.get("arguments", ())]
    for command in YML_COMMANDS
}
ARGUMENT_SETS_PER_EXAMPLE = 4
EXAMPLES_PER_COMMAND = 110  # 23 commands x 110 x 4 = 10,120 argument sets
# This suite takes about two minutes of CPU (four on a busy shared machine), over the
# target of well under two: each run costs about 8 ms in the runtime (state files,
# environment restore) and each drawn example about 4 ms in hypothesis; an in-memory
# runtime mode without per-run file writes would remove most of it.
ERROR_ENTRY_TYPE = 4
MEMORY_FOLDER = pathlib.Path("/dev/shm")

FUZZ_URL = "http://127.0.0.1:9"  # never contacted: the mock answers every request
FUZZ_TOKEN = "fuzz-access-token-5b0d2c41"
FUZZ_PARAMS = {
    "url": FUZZ_URL,
    "credentials": {"identifier": "fuzz-client", "password": "fuzz-client-secret-77"},
    "timeout": "2",
}
GENERIC_JOB = {
    "id": 1, "quarantineEmails": [], "quarantineJobRuns": [{"status": "COMPLETED"}],
    "stopRequested": False, "emailCount": 0,
}
GENERIC_REPLY = {
    **GENERIC_JOB, "searches": [], "quarantineJobs": [], "messages": [], "headers": [],
    "data": [], "attributes": {}, "metadata": {}, "recipients": [], "attachments": [],
}
NEAR_VALID_VALUES = (
    "700", "0", "-1", "1.5", "99999999999999999999999", "true", "False", "yes", "ANY",
    "ALL", "Domain", "url", "<1216208547.160@6d14a4fa9032>", "abc@example.com",
    "<a@b>:pqr@example.com", "3d0e1d68f12afee22ae3e79e01027c7a", "a" * 64, "3 days",
    "2022-07-18", "2022-07-18T10:00:00Z", "id:asc,createdDate:desc", "X-Header:value",
    '[{"threat_type": "Domain", "threat_value": "x.example"}]', "{}", "[]", "null",
    "a,b,,c", "bb931fec9d9672a9e307456133223b2e", "..\\..\\etc/passwd", "%s%n{0}",
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="\x00\x01\n\r\t\x1b\x7f[]{}()<>|:,;\"'\\*`", max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(NEAR_VALID_VALUES),
    st.lists(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
             max_size=3).map(json.dumps),
    st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=8),
                    max_size=3).map(json.dumps),
)
UNKNOWN_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


def arguments_for(known_names: list[str]):
    """Dicts of some known and some unknown argument names, all with hostile text."""
    known = (st.dictionaries(st.sampled_from(known_names), HOSTILE_TEXT)
             if known_names else st.just({}))
    unknown = st.dictionaries(UNKNOWN_NAMES, HOSTILE_TEXT, max_size=2)
    return st.tuples(unknown, known).map(lambda parts: {**parts[0], **parts[1]})


ARGUMENT_STRATEGIES = {
    name: st.lists(arguments_for(names), min_size=ARGUMENT_SETS_PER_EXAMPLE,
                   max_size=ARGUMENT_SETS_PER_EXAMPLE)
    for name, names in COMMANDS.items()
}


def generic_reply(request, context):
    """A permissive Vision reply for any path: a token, a download or a JSON object."""
    context.status_code = 200
    if request.path == "/uaa/oauth/token":
        return json.dumps({"access_token": FUZZ_TOKEN, "expires_in": 1799})
    if request.method == "POST" and request.path == "/api/v4/messages":
        return "fbbeff70-2c17-4d67-a741-3d8a7e394005"
    return json.dumps(GENERIC_REPLY)


@pytest.fixture(scope="module")
def mocked_vision():
    with requests_mock.Mocker() as mocker:
        mocker.register_uri(requests_mock.ANY, re.compile(re.escape(FUZZ_URL)),
                            text=generic_reply)
        yield mocker


@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory):
    """The runtime home, in memory where possible: every run writes to it."""
    if MEMORY_FOLDER.is_dir():
        with tempfile.TemporaryDirectory(dir=MEMORY_FOLDER) as folder:
            yield pathlib.Path(folder)
    else:
        yield tmp_path_factory.mktemp("fuzz-home")


def assert_clean_outcome(command: str, result) -> None:
    """Entries exist; an error entry is the integration's own single line.

    The log may hold a traceback: return_error logs one, as the platform's does.
    """
    assert result.entries, f"{command} gave no entry"
    for entry in result.entries:
        if entry.get("Type") != ERROR_ENTRY_TYPE:
            continue
        text = entry["Contents"]
        assert isinstance(text, str)
        assert "Traceback" not in text
        assert "\n" not in text.strip() and "\r" not in text.strip(), text
        assert text.startswith(f"Failed to execute {command} command. "), text


def test_commands_of_the_yml_are_all_fuzzed():
    assert len(COMMANDS) == 23
    assert "cofense-quarantine-job-create" in COMMANDS


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(max_examples=EXAMPLES_PER_COMMAND, derandomize=True, deadline=None,
          database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_arguments_give_a_result_or_one_clean_error_line(
        command, data, mocked_vision, fuzz_home, exposure):
    exposure.add_secret(FUZZ_TOKEN)
    argument_sets = data.draw(ARGUMENT_STRATEGIES[command], label="argument sets")

    for args in argument_sets:
        # Generated "password" values are text, not secrets: they come from the same
        # pool as hashes and ids, so they stay out of the session's secret registry,
        # while the instance's client secret and token stay in it.
        result = _unobserved_run(command, args, FUZZ_PARAMS, home=fuzz_home,
                                 sleep=lambda seconds: None, max_polls=2)
        for entry in result.entries:
            exposure.add_text(f"fuzz {command}", entry.get("Contents"))
            exposure.add_text(f"fuzz {command}", entry.get("HumanReadable"))
        assert_clean_outcome(command, result)
