"""The demisto-sdk checks: each passes on the real files and fails on a broken copy.

These run demisto-sdk from `.venv-sdk/` and are marked `sdk`; without the SDK they are
skipped. `.ci/run` installs it and runs them with `python3 dev.py test -m sdk`.
"""

import shutil
from pathlib import Path

import pytest
import yaml

from sdkcheck import docs, pack, validation

pytestmark = pytest.mark.sdk

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
BROKEN_COMMAND = "cofense-message-token-get"
BROKEN_ARGUMENT = "recipient_address"


def copy_core_files(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in pack.CORE_FILES:
        shutil.copy2(pack.SOURCE_DIR / name, target / name)
    return target


def argument_position(document: dict, command: str, argument: str) -> tuple[int, int]:
    commands = document["script"]["commands"]
    command_index = next(i for i, c in enumerate(commands) if c["name"] == command)
    arguments = commands[command_index]["arguments"]
    argument_index = next(i for i, a in enumerate(arguments) if a["name"] == argument)
    return command_index, argument_index


@pytest.fixture(scope="module")
def real_layout(tmp_path_factory) -> Path:
    """A content root holding the real integration yml and code in the pack layout."""
    content_root = tmp_path_factory.mktemp("real") / "content"
    pack.lay_out_pack(pack.SOURCE_DIR, content_root, pack.CORE_FILES)
    return content_root


@pytest.fixture(scope="module")
def broken_layout(tmp_path_factory):
    """A pack layout whose yml lacks one argument's description, and where it is."""
    scratch = tmp_path_factory.mktemp("broken")
    source = copy_core_files(scratch / "source")
    yml = source / "CofenseVision.yml"
    document = yaml.safe_load(yml.read_text())
    command_index, argument_index = argument_position(
        document, BROKEN_COMMAND, BROKEN_ARGUMENT
    )
    command = document["script"]["commands"][command_index]
    del command["arguments"][argument_index]["description"]
    yml.write_text(yaml.safe_dump(document, sort_keys=False))

    content_root = scratch / "content"
    pack.lay_out_pack(source, content_root, pack.CORE_FILES)
    return content_root, command_index, argument_index


@pytest.fixture(scope="module")
def unified_real(tmp_path_factory) -> pack.PackCheck:
    """The pack built from the real integration folder, unified by demisto-sdk."""
    scratch = tmp_path_factory.mktemp("pack")
    return pack.build_pack(pack.SOURCE_DIR, scratch / "content", scratch / "unified")


class TestValidate:
    def test_validate__real_yml_passes_both_checks(self, real_layout):
        results = validation.validate(real_layout)

        assert [(r.name, r.passed, r.details) for r in results] == [
            ("ST110 (demisto-sdk validate)", True, ()),
            ("pykwalify (integration schema)", True, ()),
        ]

    def test_st110__argument_without_description_fails(self, broken_layout):
        content_root, command, argument = broken_layout
        field = f"script,commands,{command},arguments,{argument},description"

        result = validation.run_st110(pack.integration_yml(content_root), content_root)

        assert result.passed is False
        assert result.details == (
            f"Structure error (value_error.missing) in field {field} of "
            f"CofenseVision.yml: The field {field} is required but missing",
        )

    def test_pykwalify__argument_without_description_fails(self, broken_layout):
        content_root, command, argument = broken_layout

        result = validation.run_pykwalify(pack.integration_yml(content_root))

        assert result.passed is False
        assert result.details == (
            "Cannot find required key 'description'. "
            f"Path: '/script/commands/{command}/arguments/{argument}'",
        )


class TestBuildPack:
    def test_build_pack__real_integration_passes(self, unified_real):
        unified = yaml.safe_load(unified_real.unified.read_text())
        source = yaml.safe_load((pack.SOURCE_DIR / "CofenseVision.yml").read_text())

        assert unified_real.problems == []
        assert [c["name"] for c in unified["script"]["commands"]] == [
            c["name"] for c in source["script"]["commands"]
        ]

    def test_build_pack__layout_holds_the_pack_files(self, unified_real):
        content_root = unified_real.unified.parent.parent / "content"
        files = sorted(
            str(path.relative_to(pack.pack_dir(content_root)))
            for path in pack.pack_dir(content_root).rglob("*")
            if path.is_file()
        )

        assert files == [
            "Integrations/CofenseVision/CofenseVision.py",
            "Integrations/CofenseVision/CofenseVision.yml",
            "Integrations/CofenseVision/CofenseVision_description.md",
            "Integrations/CofenseVision/README.md",
            "README.md",
            "ReleaseNotes/1_0_0.md",
            "pack_metadata.json",
        ]

    @pytest.mark.parametrize(
        ("pollution", "problem"),
        [
            pytest.param(
                "def tableToMarkdown(name, t):\n    return name\n",
                "the script holds the stand-in's `def tableToMarkdown`",
                id="stand-in function",
            ),
            pytest.param(
                "class BaseClient:\n    pass\n",
                "the script holds the stand-in's `class BaseClient`",
                id="stand-in class",
            ),
            pytest.param(
                "import demistomock as demisto  # noqa: F401\n",
                "the import `import demistomock as demisto` was not stripped",
                id="import left in",
            ),
        ],
    )
    def test_check_unified__polluted_copy_fails(
        self, unified_real, tmp_path, pollution, problem
    ):
        document = yaml.load(unified_real.unified.read_text(), Loader=pack.YAML_LOADER)
        document["script"]["script"] = pollution + document["script"]["script"]
        polluted = tmp_path / "integration-CofenseVision.yml"
        polluted.write_text(yaml.dump(document, Dumper=DUMPER, sort_keys=False))

        check = pack.check_unified(polluted)

        assert check.problems == [problem]


class TestCheckDocs:
    def test_check_docs__committed_readme_is_current(self):
        result = docs.check_docs()

        assert result.details == ()
        assert result.passed is True

    def test_check_docs__stale_readme_fails(self, tmp_path):
        fresh = docs.render_readme()
        stale = tmp_path / "README.md"
        stale.write_text(fresh.replace(docs.TESTED_WITH, "Tested with nothing."))

        result = docs.check_docs(readme=stale)

        assert result.passed is False
        assert result.details[0] == (
            "1 line(s) to remove and 1 to add against a fresh generation;"
            " run `python3 tools/sdk.py docs` and commit the result"
        )
        assert "-Tested with nothing." in result.details
        assert f"+{docs.TESTED_WITH}" in result.details
