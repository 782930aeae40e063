"""xsoar_local.runtime: runs, state on disk, polling, errors, files and logs.

A tiny integration module is written to tmp_path for each test, under a unique name,
and run through run_command as the War Room runs CofenseVision.
"""

import json
import os
import textwrap
import uuid

import pytest

import demistomock as demisto
from xsoar_local import runtime
from xsoar_local.runtime import Invocation, Lifecycle, run_command

SECRET = "fake-client-secret-4411"
PARAMS = {
    "url": "http://127.0.0.1:9",
    "credentials": {"identifier": "client", "password": SECRET},
}

FAKE_INTEGRATION = """
import demistomock as demisto
from CommonServerPython import *


def main():
    command = demisto.command()
    args = demisto.args()
    if command == "count":
        context = get_integration_context()
        context["runs"] = context.get("runs", 0) + 1
        set_integration_context(context)
        return_results(CommandResults(readable_output=f"run {context['runs']}"))
    elif command == "poll":
        step = int(args.get("step", "1"))
        if step < 3:
            next_args = {**args, "step": str(step + 1)}
            timeout = int(args.get("timeout", 600))
            follow_up = ScheduledCommand("poll", 30, args=next_args,
                                         timeout_in_seconds=timeout)
            return_results(CommandResults(readable_output=f"step {step}",
                                          scheduled_command=follow_up))
        else:
            return_results("finished")
    elif command == "crash":
        password = demisto.params()["credentials"]["password"]
        raise KeyError("no such key\\nsecond line " + password)
    elif command == "fail":
        return_error("Failed to execute fail command. Bad input.")
    elif command == "file":
        demisto.debug("writing with " + demisto.params()["credentials"]["password"])
        demisto.error("an error line")
        return_results(fileResult("../out.txt", "data"))
    elif command == "where":
        return_results([os.getcwd(), demisto.callingContext["command"]])
    elif command == "env":
        os.environ["XSOAR_LOCAL_TEST_VARIABLE"] = "changed"
        return_results("ok")
    elif command == "last-run":
        demisto.setLastRun({"seen": demisto.getLastRun().get("seen", 0) + 1})
        return_results(demisto.getLastRun())
"""


@pytest.fixture
def integration(tmp_path, monkeypatch) -> str:
    """The module name of a fresh fake integration importable from tmp_path."""
    name = f"fake_integration_{uuid.uuid4().hex}"
    folder = tmp_path / "integration"
    folder.mkdir()
    (folder / f"{name}.py").write_text(textwrap.dedent(FAKE_INTEGRATION))
    monkeypatch.syspath_prepend(str(folder))
    return name


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def run(integration, home, command, args=None, **options):
    return run_command(
        command, args or {}, PARAMS, home=home, module=integration, **options
    )


def test_integration_context_persists_across_runs(integration, home):
    first = run(integration, home, "count")
    second = run(integration, home, "count")

    assert first.entries[0]["HumanReadable"] == "run 1"
    assert second.entries[0]["HumanReadable"] == "run 2"
    stored = home / "instances" / "default" / "integration_context.json"
    assert json.loads(stored.read_text()) == {"runs": 2}


def test_instances_keep_separate_contexts(integration, home):
    run(integration, home, "count")

    other = run(integration, home, "count", instance="second")

    assert other.entries[0]["HumanReadable"] == "run 1"


def test_corrupt_context_file_is_ignored(integration, home):
    stored = home / "instances" / "default" / "integration_context.json"
    stored.parent.mkdir(parents=True)
    stored.write_text('{"runs": ')

    result = run(integration, home, "count")

    assert result.entries[0]["HumanReadable"] == "run 1"
    assert json.loads(stored.read_text()) == {"runs": 1}


def test_reset_instance_forgets_the_context(integration, home):
    run(integration, home, "count")

    runtime.reset_instance(home=home)

    assert run(integration, home, "count").entries[0]["HumanReadable"] == "run 1"


def test_last_run_is_kept_per_instance(integration, home):
    run(integration, home, "last-run")

    assert run(integration, home, "last-run").entries == [{"seen": 2}]


def test_home_comes_from_the_environment(integration, tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.HOME_ENV, str(tmp_path / "env-home"))

    run_command("count", {}, PARAMS, module=integration)

    assert (tmp_path / "env-home" / "instances" / "default").is_dir()


def test_polling_runs_again_after_each_interval(integration, home):
    waits = []

    result = run(integration, home, "poll", sleep=waits.append)

    assert waits == [30.0, 30.0]
    assert [
        entry if isinstance(entry, str) else entry["HumanReadable"]
        for entry in result.entries
    ] == ["step 1", "step 2", "finished"]


def test_polling_gives_up_after_its_timeout(integration, home):
    waits = []

    result = run(integration, home, "poll", {"timeout": "50"}, sleep=waits.append)

    assert waits == [30.0]
    assert result.entries[-1]["Type"] == 4
    assert result.entries[-1]["Contents"] == (
        "Polling poll gave up: it did not finish within its timeout of 50 seconds."
    )


def test_polling_stops_after_max_polls_with_a_warning(integration, home):
    waits = []

    result = run(integration, home, "poll", sleep=waits.append, max_polls=1)

    assert waits == [30.0]
    assert result.entries[-1]["Type"] == 11
    assert (
        result.entries[-1]["Contents"] == "Stopped polling poll after 1 follow-up runs."
    )


def test_an_exception_becomes_one_error_line(integration, home):
    result = run(integration, home, "crash")

    assert result.entries == [
        {
            "Type": 4,
            "ContentsFormat": "text",
            "Contents": "crash failed unexpectedly: KeyError: "
            "'no such key\\nsecond line <XX_REPLACED>'",
            "EntryContext": None,
        }
    ]
    assert result.errors == result.entries
    assert any(
        line.startswith("ERROR Traceback") and "KeyError" in line
        for line in result.logs
    )


def test_return_error_ends_the_run_with_its_entry(integration, home):
    result = run(integration, home, "fail")

    assert [entry["Contents"] for entry in result.entries] == [
        "Failed to execute fail command. Bad input."
    ]


def test_file_results_land_in_the_files_folder_and_cwd_is_restored(integration, home):
    before = os.getcwd()

    result = run(integration, home, "file")

    entry = result.entries[0]
    assert os.getcwd() == before
    assert entry["File"] == "out.txt"
    path = runtime.file_path(entry["FileID"], home=home)
    assert path == home.resolve() / "files" / f"1_{entry['FileID']}"
    assert path.read_text() == "data"


@pytest.mark.parametrize("file_id", ["", "../x", "a/b", ".hidden"])
def test_file_path_refuses_what_is_not_a_file_id(file_id, home):
    with pytest.raises(ValueError):
        runtime.file_path(file_id, home=home)


def test_logs_are_masked_kept_and_written_to_warroom_log(integration, home):
    result = run(integration, home, "file")

    assert result.logs[:2] == [
        "DEBUG writing with <XX_REPLACED>",
        "ERROR an error line",
    ]
    written = (home / "warroom.log").read_text()
    assert "[default] DEBUG writing with <XX_REPLACED>" in written
    assert SECRET not in written


def test_the_run_sees_its_command_and_working_folder(integration, home):
    result = run(integration, home, "where")

    assert result.entries == [str(home.resolve() / "files"), "where"]
    assert runtime.current() is None


def test_environment_changes_are_undone_after_the_run(integration, home, monkeypatch):
    monkeypatch.delenv("XSOAR_LOCAL_TEST_VARIABLE", raising=False)

    run(integration, home, "env")

    assert "XSOAR_LOCAL_TEST_VARIABLE" not in os.environ


def test_invocation_lifecycle(home):
    invocation = Invocation("cmd", {"a": "1"}, {"password": SECRET}, home=home)
    seen = []

    assert invocation.state is Lifecycle.NOT_STARTED
    invocation.run(lambda: seen.append((runtime.current().state, demisto.args())))

    assert seen == [(Lifecycle.RUNNING, {"a": "1"})]
    assert invocation.state is Lifecycle.FINISHED
    with pytest.raises(RuntimeError):
        invocation.run(lambda: None)


def test_invocation_repr_masks_secrets(home):
    invocation = Invocation(
        "cmd", {"token": "abcd1234"}, {"password": SECRET}, home=home
    )

    shown = repr(invocation)

    assert SECRET not in shown and "abcd1234" not in shown
    assert "<XX_REPLACED>" in shown


def test_url_password_is_masked_in_repr_logs_and_warroom_log(home):
    url = "http://user:UrlPw999@127.0.0.1:18931"
    invocation = Invocation("cmd", {}, {"url": url}, home=home)

    invocation.run(lambda: demisto.debug(f"connecting to {url}; UrlPw999 again"))

    assert "UrlPw999" not in repr(invocation)
    assert invocation.logs == [
        "DEBUG connecting to http://user:********@127.0.0.1:18931; "
        "<XX_REPLACED> again"]
    assert "UrlPw999" not in (home / "warroom.log").read_text()


def test_params_give_defaults_for_none_values(home):
    invocation = Invocation("cmd", {}, {"timeout": None}, home=home)

    assert invocation.params.get("timeout", 60) == 60


@pytest.mark.parametrize("instance", ["", "..", "a/b", "-x", ".hidden"])
def test_instance_names_cannot_leave_the_home(instance, home):
    with pytest.raises(ValueError):
        Invocation("cmd", {}, {}, instance=instance, home=home)


def test_stale_context_version_is_refused(home):
    invocation = Invocation("cmd", {}, {}, home=home)
    invocation.set_context({"a": 1})

    with pytest.raises(ValueError, match="version 7 is stale"):
        invocation.set_context({"a": 2}, version=7)
    assert invocation.set_context({"a": 2}, version=1) == {
        "context": {"a": 2},
        "version": 2,
    }
