"""The `warroom` command: options, exit codes, prompt and pipe modes, and --warp.

The runtime is the scripted stand-in of test_warroom.py, and the clock server of
--warp its loopback RecordingServer.
"""

import builtins
import io
import json
import os
import sys
from types import SimpleNamespace

import pytest

from xsoar_local import redact, warroom
from xsoar_local.warroom import main

from test_warroom import (
    PARAMS,
    SECRET,
    TABLE,
    RecordingServer,
    install_scripted_runtime,
    note,
    write_fake_yml,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("VISION_"):
            monkeypatch.delenv(name)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """The scripted runtime, the config file and the options that point at them."""
    scripted = install_scripted_runtime(tmp_path, monkeypatch)
    config_file = tmp_path / "instance.json"
    config_file.write_text(json.dumps(PARAMS), encoding="utf-8")
    options = ["--yml", str(write_fake_yml(tmp_path)), "--home", str(scripted.home),
               "--out", str(tmp_path / "out"), "--config", str(config_file)]
    return SimpleNamespace(scripted=scripted, config_file=config_file, options=options)


def test_main__one_line(cli, capsys):
    cli.scripted.entries = [note(TABLE)]

    status = main([*cli.options, "!fake-show", "id=7"])

    assert status == 0
    assert capsys.readouterr().out == TABLE + "\n"
    assert cli.scripted.calls[0][:2] == ("fake-show", {"id": "7", "size": "50"})


def test_main__error_entry_exits_1(cli, capsys):
    cli.scripted.entries = [{"Type": 4, "Contents": "Failed to execute fake-show."}]

    assert main([*cli.options, "!fake-show id=7"]) == 1
    assert capsys.readouterr().err == "ERROR: Failed to execute fake-show.\n"


def test_main__refused_line_exits_2(cli, capsys):
    assert main([*cli.options, "!fake-show id=7 colour=red"]) == 2
    assert capsys.readouterr().err == (
        "warroom: fake-show has no argument 'colour'; its arguments: id, size\n")
    assert cli.scripted.calls == []


def test_main__json(cli, capsys):
    cli.scripted.entries = [note(TABLE, context={"Fake.Job": {"id": 7}})]

    assert main([*cli.options, "--json", "!fake-show id=7"]) == 0
    assert json.loads(capsys.readouterr().out) == {"Fake.Job": {"id": 7}}


def test_main__bad_config_exits_2(cli, capsys):
    cli.config_file.write_text('{"url": "http://127.0.0.1:9", "colour": "red"}')

    assert main([*cli.options, "!fake-show id=7"]) == 2
    assert "unknown instance parameter 'colour'" in capsys.readouterr().err


def test_main__show_config_masks_the_secret(cli, capsys):
    assert main([*cli.options, "--show-config"]) == 0

    shown = capsys.readouterr().out
    params = json.loads(shown)
    assert SECRET not in shown
    assert params["url"] == PARAMS["url"]
    assert params["credentials"]["identifier"] == "scripted"
    assert params["credentials"]["password"] == redact.MASK
    assert params["timeout"] == "60"
    assert cli.scripted.calls == []


def test_main__reads_piped_lines(cli, monkeypatch, capsys):
    cli.scripted.entries = [note("done")]
    piped = "!fake-show id=1\n# a comment\n\n!fake-show\nexit\n!fake-show id=3\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(piped))

    status = main(cli.options)

    captured = capsys.readouterr()
    assert status == 2
    assert [call[1]["id"] for call in cli.scripted.calls] == ["1"]
    assert captured.out == "done\n"
    assert captured.err == "warroom: fake-show needs the argument 'id'\n"


def test_main__prompt(cli, monkeypatch, capsys):
    cli.scripted.entries = [note("done")]
    typed = iter(["help", "commands", "!fake-show id=9", "!fake-show"])
    prompts = []

    def fake_input(prompt):
        prompts.append(prompt)
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", fake_input)

    status = main([*cli.options, "--interactive"])

    captured = capsys.readouterr()
    assert status == 0
    assert prompts == ["warroom> "] * 5
    assert captured.out == (f"{warroom.HELP_TEXT}\ntest-module\nfake-show\n"
                            "fake-job-create\ndone\n\n")
    assert captured.err == "warroom: fake-show needs the argument 'id'\n"
    assert cli.scripted.calls[0][1] == {"id": "9", "size": "50"}


@pytest.mark.parametrize("url, shown", [
    pytest.param("https://vision.example.com", "https://vision.example.com",
                 id="plain"),
    pytest.param("https://user:UrlPw999@vision.example.com",
                 "https://user:********@vision.example.com", id="password-masked"),
])
def test_main__warp_refuses_a_remote_url(cli, capsys, url, shown):
    cli.config_file.write_text(json.dumps({**PARAMS, "url": url}))

    assert main([*cli.options, "--warp", "!fake-show id=7"]) == 2
    assert capsys.readouterr().err == (
        "warroom: --warp only works with an emulator on a loopback address, "
        f"not {shown}\n")
    assert cli.scripted.calls == []


def test_main__warp_advances_the_clock_per_poll(cli, capsys):
    cli.scripted.entries = [note("job done")]
    cli.scripted.polls = [10, 2.5]
    with RecordingServer() as clock:
        cli.config_file.write_text(json.dumps({**PARAMS, "url": clock.url + "/"}))

        status = main([*cli.options, "--warp", "!fake-job-create polling=true"])

    assert status == 0
    assert clock.requests == [
        ("POST", "/_emulator/clock/advance", {"seconds": 10}),
        ("POST", "/_emulator/clock/advance", {"seconds": 2.5}),
    ]
    assert capsys.readouterr().err == (
        "… polling fake-job-create again in 10 s\n"
        "… polling fake-job-create again in 2.5 s\n")


def _options_with_url_from_environment(cli, monkeypatch, url):
    """The CLI options without --config, with VISION_URL set to url."""
    monkeypatch.setenv("VISION_URL", url)
    return cli.options[: cli.options.index("--config")]


def test_main__show_config_masks_the_url_password(cli, monkeypatch, capsys):
    options = _options_with_url_from_environment(
        cli, monkeypatch, "http://user:UrlPw999@127.0.0.1:18931")

    assert main([*options, "--show-config"]) == 0

    shown = capsys.readouterr().out
    assert "UrlPw999" not in shown
    assert json.loads(shown)["url"] == "http://user:********@127.0.0.1:18931"


def test_main__remote_url_without_client_names_what_to_set(cli, monkeypatch, capsys):
    options = _options_with_url_from_environment(
        cli, monkeypatch, "https://vision.example.com")

    assert main([*options, "!fake-show id=7"]) == 2
    assert capsys.readouterr().err == (
        "warroom: the Vision server https://vision.example.com needs the API client: "
        "set VISION_CLIENT_ID and VISION_CLIENT_SECRET, or client_id and "
        "client_secret in the --config file (the demo client is only used on a "
        "loopback URL)\n")
    assert cli.scripted.calls == []


def _home_options(cli, home):
    options = list(cli.options)
    options[options.index("--home") + 1] = str(home)
    return options


@pytest.mark.parametrize("home_in_tmp, problem", [
    pytest.param("a-file", "is a file, not a folder", id="regular-file"),
    pytest.param("a-file/sub", "cannot be used: Not a directory", id="under-a-file"),
])
def test_main__unusable_home_is_one_line(cli, tmp_path, capsys, home_in_tmp,
                                         problem):
    (tmp_path / "a-file").write_text("not a folder")
    home = tmp_path / home_in_tmp

    status = main([*_home_options(cli, home), "!fake-show id=7"])

    assert status == 2
    assert capsys.readouterr().err == f"warroom: the --home folder {home} {problem}\n"
    assert cli.scripted.calls == []


def test_main__an_out_that_is_a_file_is_refused(cli, tmp_path, capsys):
    out = tmp_path / "a-file"
    out.write_text("not a folder")

    status = main([*cli.options, "--out", str(out), "!fake-show id=7"])

    assert status == 2
    assert capsys.readouterr().err == (
        f"warroom: --out {out} is a file; it must name a folder for the returned "
        "files\n"
    )
    assert cli.scripted.calls == []


def test_main__an_empty_home_is_refused(cli, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*_home_options(cli, ""), "!fake-show id=7"])

    assert stop.value.code == 2
    assert "--home: give a folder name, not an empty one" in capsys.readouterr().err
    assert cli.scripted.calls == []


def test_main__home_that_cannot_be_created(cli, tmp_path, monkeypatch, capsys):
    def refuse(path, *args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", str(path))

    monkeypatch.setattr(warroom.Path, "mkdir", refuse)
    home = tmp_path / "nope"

    status = main([*_home_options(cli, home), "!fake-show id=7"])

    assert status == 2
    assert capsys.readouterr().err == (
        f"warroom: the --home folder {home} cannot be used: "
        f"No such file or directory\n")


def test_main__creates_a_missing_home(cli, tmp_path, capsys):
    cli.scripted.entries = [note("done")]
    home = tmp_path / "new" / "home"

    assert main([*_home_options(cli, home), "!fake-show id=7"]) == 0
    assert (home / "files").is_dir()
