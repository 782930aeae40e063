"""What tools/sdk.py does without demisto-sdk: README assembly, recordings, guards."""

import uuid
from pathlib import Path

import pytest
import yaml

from sdkcheck import docs, pack, recording, validation
from sdkcheck.environment import Completed
from sdkcheck.recording import Recording

GENERATED = """Intro line.

## Commands

### cofense-one

***
First command.

#### Context Output

| **Path** | **Type** | **Description** |
| --- | --- | --- |
| Cofense.One.id | Number | The id. |

### cofense-two

***
Second command.

#### Context Output

There is no context output for this command.
"""


def make_recording(command="cofense-one", context=None, readable="### One\n|id|"):
    return Recording(command, f"!{command} id=1", context or {}, readable)


class TestInsertExamples:
    def test_insert_examples__appends_to_the_section_of_each_command(self):
        recordings = [
            make_recording(context={"Cofense": {"One": {"id": 1}}}),
            make_recording("cofense-two", readable=""),
        ]

        readme = docs.insert_examples(GENERATED, recordings)

        assert readme == GENERATED.replace(
            "| Cofense.One.id | Number | The id. |\n",
            "| Cofense.One.id | Number | The id. |\n\n"
            "#### Command example\n"
            "```!cofense-one id=1```\n"
            "#### Context Example\n"
            "```json\n"
            '{\n    "Cofense": {\n        "One": {\n            "id": 1\n'
            "        }\n    }\n}\n"
            "```\n\n"
            "#### Human Readable Output\n\n"
            ">### One\n>|id|\n",
        ).replace(
            "There is no context output for this command.\n",
            "There is no context output for this command.\n\n"
            "#### Command example\n"
            "```!cofense-two id=1```\n"
            "#### Human Readable Output\n\n"
            ">No readable output.\n",
        )

    def test_insert_examples__leaves_commands_without_a_recording(self):
        assert docs.insert_examples(GENERATED, []) == GENERATED

    def test_insert_examples__unknown_command_is_refused(self):
        with pytest.raises(ValueError, match="undocumented commands: cofense-three"):
            docs.insert_examples(GENERATED, [make_recording("cofense-three")])

    def test_render_example__blank_readable_lines_stay_quoted(self):
        rendered = docs.render_example(make_recording(readable="### T\n\n|a|"))

        assert rendered.splitlines()[-3:] == [">### T", ">", ">|a|"]


class TestRecordingHelpers:
    def test_plain_context__nests_dotted_keys_and_drops_filters(self):
        context = {
            "Cofense.Message(val.id && val.id == obj.id)": {"id": 7},
            "DBotScore(val.Indicator == obj.Indicator)": [{"Score": 3}],
        }

        assert recording.plain_context(context) == {
            "Cofense": {"Message": {"id": 7}},
            "DBotScore": [{"Score": 3}],
        }

    def test_fill_placeholders__takes_values_from_earlier_context(self):
        context = {"Cofense": {"Message": [{"token": "abc"}, {"token": "def"}]}}

        line = recording.fill_placeholders(
            "!cofense-message-get token=${Cofense.Message.token}", context
        )

        assert line == "!cofense-message-get token=abc"

    def test_fill_placeholders__unknown_path_is_an_error(self):
        with pytest.raises(KeyError, match="no value at Cofense.Search.id"):
            recording.fill_placeholders("!x id=${Cofense.Search.id}", {"Cofense": {}})

    def test_command_name__strips_the_bang_and_arguments(self):
        assert recording.command_name('!cofense-ioc-get id="a b"') == "cofense-ioc-get"

    def test_stabilise_uuids__same_value_maps_to_same_stable_value(self):
        token = "0f1e2d3c-4b5a-4697-8877-665544332211"
        other = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
        first = make_recording(context={"token": token}, readable=f"|{token}|{other}|")
        second = Recording("cofense-message-get", f"!get token={token}", {}, "")

        stable = recording.stabilise_uuids([first, second])

        expected = [
            str(uuid.uuid5(recording.STABLE_UUID_NAMESPACE, str(n))) for n in (0, 1)
        ]
        assert stable[0].context == {"token": expected[0]}
        assert stable[0].readable == f"|{expected[0]}|{expected[1]}|"
        assert stable[1].line == f"!get token={expected[0]}"


class TestExamplesFile:
    def test_read_example_lines__skips_comments_and_blanks(self, tmp_path):
        examples = tmp_path / "examples.txt"
        examples.write_text("# a comment\n\n!cofense-one id=1\n  !cofense-two  \n")

        lines = docs.read_example_lines(examples)

        assert lines == ["!cofense-one id=1", "!cofense-two"]

    def test_examples_file__has_one_line_per_yml_command(self):
        document = yaml.safe_load((pack.SOURCE_DIR / "CofenseVision.yml").read_text())
        commands = [command["name"] for command in document["script"]["commands"]]

        examples = [recording.command_name(line) for line in docs.read_example_lines()]

        assert sorted(examples) == sorted(commands)

    def test_committed_readme__every_command_has_an_example(self):
        readme = docs.README.read_text()
        sections = readme.split("\n### ")[1:]

        without_example = [
            section.split("\n", 1)[0]
            for section in sections
            if "#### Command example" not in section
        ]

        assert len(sections) == len(docs.read_example_lines())
        assert without_example == []


def refuse_to_run(*args):
    raise AssertionError("demisto-sdk must not run on a yml outside the layout")


class TestValidationGuards:
    def test_run_st110__yml_outside_the_layout_is_refused(self, tmp_path, monkeypatch):
        outside = tmp_path / "CofenseVision" / "CofenseVision.yml"
        outside.parent.mkdir()
        outside.write_text("name: x\n")
        monkeypatch.setattr(validation, "run_tool", refuse_to_run)

        result = validation.run_st110(outside, tmp_path)

        assert result.passed is False
        assert result.details == (
            f"{outside} is outside {pack.integration_dir(tmp_path)}; "
            "the SDK would skip it",
        )

    def test_run_st110__a_pass_that_parsed_nothing_is_a_failure(
        self, tmp_path, monkeypatch
    ):
        yml = pack.integration_yml(tmp_path)
        yml.parent.mkdir(parents=True)
        yml.write_text("name: x\n")
        monkeypatch.setattr(
            validation,
            "run_tool",
            lambda *args: Completed(0, "All validations passed."),
        )

        result = validation.run_st110(yml, tmp_path)

        assert result.summary() == (
            "FAIL ST110 (demisto-sdk validate): the SDK never got to "
            "'Parsing content item Packs/CofenseVision/Integrations/CofenseVision/"
            "CofenseVision.yml'"
        )


def write_unified(path: Path, script: str) -> Path:
    document = {"name": "Cofense Vision", "script": {"script": script}}
    path.write_text(yaml.safe_dump(document))
    return path


class TestCheckUnified:
    CLEAN = "class Client(BaseClient):\n    pass\n\n\ndef main():\n    pass\n"

    def test_check_unified__clean_script_passes(self, tmp_path):
        check = pack.check_unified(write_unified(tmp_path / "u.yml", self.CLEAN))

        assert check.ok is True
        assert check.problems == []

    @pytest.mark.parametrize(
        ("script", "problems"),
        [
            pytest.param(
                "def main():\n    pass\n",
                ["the script lacks the integration's `class Client(`"],
                id="no client",
            ),
            pytest.param(
                CLEAN + "\ndef results(entry):\n    pass\n",
                ["the script holds the stand-in's `def results(`"],
                id="stand-in results",
            ),
            pytest.param(
                "from CommonServerPython import *  # noqa: F401\n" + CLEAN,
                ["the import `from CommonServerPython import *` was not stripped"],
                id="import left in",
            ),
        ],
    )
    def test_check_unified__each_problem_is_named(self, tmp_path, script, problems):
        check = pack.check_unified(write_unified(tmp_path / "u.yml", script))

        assert check.ok is False
        assert check.problems == problems


class FakeOutcome:
    def __init__(self, context=None, readable="", files=(), error=None):
        self.context = context or {}
        self.readable = readable
        self.files = list(files)
        self.error = error


class FakeWarRoom:
    """Answers each line with the next scripted outcome and keeps the lines it ran."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.lines = []

    def run(self, line):
        self.lines.append(line)
        return self.outcomes.pop(0)


class SavedFake:
    def __init__(self, path: Path):
        self.name = path.name
        self.path = path

    def line(self):
        return f"File: {self.name}"


class TestRunLines:
    def testrun_lines__later_context_leaves_earlier_recordings_alone(self):
        warroom = FakeWarRoom(
            FakeOutcome({"Cofense.Message(val.id == obj.id)": {"token": "t-1"}}),
            FakeOutcome({"Cofense.Message": {"id": 9}}),
            FakeOutcome(readable="done"),
        )
        lines = ["!first", "!second", "!third token=${Cofense.Message.token}"]

        recordings = recording.run_lines(warroom, lines)

        assert warroom.lines == ["!first", "!second", "!third token=t-1"]
        assert recordings[0].context == {"Cofense": {"Message": {"token": "t-1"}}}
        assert recordings[1].context == {"Cofense": {"Message": {"id": 9}}}

    def testrun_lines__returned_file_gets_context_and_a_readable_line(self, tmp_path):
        returned = tmp_path / "message.zip"
        returned.write_bytes(b"abc")
        warroom = FakeWarRoom(FakeOutcome(files=[SavedFake(returned)]))

        [recorded] = recording.run_lines(warroom, ["!cofense-message-get token=x"])

        assert recorded.readable == "File: message.zip"
        assert recorded.context == {
            "File": {
                "Name": "message.zip",
                "Size": 3,
                "MD5": "900150983cd24fb0d6963f7d28e17f72",
                "SHA1": "a9993e364706816aba3e25717850c26c9cd0d89d",
                "SHA256": "ba7816bf8f01cfea414140de5dae2223"
                "b00361a396177a9cb410ff61f20015ad",
                "Extension": "zip",
            }
        }

    def testrun_lines__an_error_entry_stops_the_recording(self):
        warroom = FakeWarRoom(FakeOutcome(error="Vision answered 404"))

        with pytest.raises(recording.ExampleFailed, match="'!x id=1' failed: Vision"):
            recording.run_lines(warroom, ["!x id=1"])
