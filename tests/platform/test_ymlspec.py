"""Applying the integration yml to a command line, as XSOAR does before running it."""

from pathlib import Path

import pytest
import yaml

from xsoar_local.commandline import parse_command_line
from xsoar_local import ymlspec
from xsoar_local.ymlspec import SpecError, find_default_yml, load_spec

REPOSITORY = Path(__file__).resolve().parents[2]
FAKE_YML = {
    "name": "Fake",
    "configuration": [
        {"name": "url", "type": 0, "defaultvalue": ""},
        {"name": "credentials", "type": 9},
        {"name": "timeout", "type": 0, "defaultvalue": "60"},
        {"name": "insecure", "type": 8, "defaultvalue": False},
    ],
    "script": {
        "commands": [
            {"name": "fake-job-create", "arguments": [
                {"name": "emails", "required": True, "isArray": True},
                {"name": "polling", "defaultValue": "false",
                 "predefined": ["true", "false"]},
                {"name": "interval_in_seconds", "defaultValue": 10},
                {"name": "note"},
            ]},
            {"name": "fake-job-get", "arguments": [{"name": "id", "required": True}]},
            {"name": "fake-iocs-update", "arguments": [
                {"name": "threat_type", "predefined": ["Domain", "MD5", "SHA256"]},
                {"name": "levels", "isArray": True, "predefined": ["Low", "High"]},
            ]},
            {"name": "fake-headers-get"},
            {"name": "fake-headers-list"},
        ],
    },
}


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "Fake.yml"
    path.write_text(yaml.safe_dump(FAKE_YML), encoding="utf-8")
    return load_spec(path)


def applied(spec, line):
    return spec.apply(parse_command_line(line))


APPLIED_LINES = [
    pytest.param("!fake-job-create emails=a:b",
                 ("fake-job-create", {"emails": "a:b", "polling": "false",
                                      "interval_in_seconds": "10"}),
                 id="defaults-filled-as-text"),
    pytest.param("!fake-job-create emails=a:b polling=true interval_in_seconds=30",
                 ("fake-job-create", {"emails": "a:b", "polling": "true",
                                      "interval_in_seconds": "30"}),
                 id="given-values-win"),
    pytest.param("!fake-job-create emails=a:b polling=TRUE",
                 ("fake-job-create", {"emails": "a:b", "polling": "true",
                                      "interval_in_seconds": "10"}),
                 id="predefined-spelling-passed-on"),
    pytest.param('!fake-job-create emails=a:b polling=""',
                 ("fake-job-create", {"emails": "a:b", "polling": "false",
                                      "interval_in_seconds": "10"}),
                 id="empty-value-takes-default"),
    pytest.param("!fake-iocs-update threat_type=sha256 levels=high,LOW",
                 ("fake-iocs-update", {"threat_type": "SHA256", "levels": "High,Low"}),
                 id="predefined-array-items"),
    pytest.param("!fake-headers-list", ("fake-headers-list", {}), id="alias-listed"),
    pytest.param("test-module", ("test-module", {}), id="built-in-test-module"),
]

REFUSED_LINES = [
    pytest.param("!fake-job-creat emails=a",
                 "unknown command 'fake-job-creat'; did you mean fake-job-create",
                 id="close-match-offered"),
    pytest.param("!cofense-nothing", "unknown command 'cofense-nothing' (type "
                 "`commands` for the full list)", id="no-close-match"),
    pytest.param("!fake-job-get id=1 ids=2 size=3",
                 "fake-job-get has no argument 'ids' or 'size'; its arguments: id",
                 id="unknown-arguments-named"),
    pytest.param("!fake-headers-get all=yes",
                 "fake-headers-get has no argument 'all'; its arguments: none",
                 id="command-without-arguments"),
    pytest.param("!fake-job-get", "fake-job-get needs the argument 'id'",
                 id="missing-required"),
    pytest.param("!fake-job-get id=' '", "fake-job-get needs the argument 'id'",
                 id="blank-required"),
    pytest.param("!fake-job-create emails=a polling=maybe",
                 "fake-job-create: argument 'polling' does not accept 'maybe'; "
                 "use one of: true, false", id="outside-predefined"),
    pytest.param("!fake-iocs-update levels=High,Medium",
                 "argument 'levels' does not accept 'Medium'; use one of: Low, High",
                 id="array-item-outside-predefined"),
    pytest.param("!test-module verbose=true", "test-module takes no arguments",
                 id="built-in-with-argument"),
]


@pytest.mark.parametrize("line, expected", APPLIED_LINES)
def test_apply(spec, line, expected):
    assert applied(spec, line) == expected


@pytest.mark.parametrize("line, message", REFUSED_LINES)
def test_apply__refused(spec, line, message):
    with pytest.raises(SpecError) as caught:
        applied(spec, line)

    assert message in str(caught.value)


def test_spec_lists_commands_and_param_defaults(spec):
    assert spec.command_names() == [
        "test-module", "fake-job-create", "fake-job-get", "fake-iocs-update",
        "fake-headers-get", "fake-headers-list",
    ]
    assert spec.param_defaults() == {"timeout": "60", "insecure": False}
    assert spec.module == "Fake"


@pytest.mark.parametrize("content, message", [
    pytest.param("name: [unclosed", "is no integration yml (", id="bad-yaml"),
    pytest.param("name: Fake\n", "is no integration yml (KeyError)", id="no-script"),
    pytest.param("script: {commands: [{description: x}]}\n",
                 "is no integration yml (KeyError)", id="command-without-name"),
])
def test_load_spec__not_an_integration(tmp_path, content, message):
    path = tmp_path / "Broken.yml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(SpecError) as caught:
        load_spec(path)

    assert message in str(caught.value)


def test_load_spec__missing_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read the integration yml .*Absent.yml"):
        load_spec(tmp_path / "Absent.yml")


def test_find_default_yml__from_the_package():
    expected = REPOSITORY / "CofenseVision" / "CofenseVision.yml"

    assert find_default_yml(Path("/")) == expected


def test_find_default_yml__above_the_cwd(tmp_path, monkeypatch):
    monkeypatch.setattr(ymlspec, "PACKAGE_ROOT", tmp_path / "installed")
    yml = tmp_path / "CofenseVision" / "CofenseVision.yml"
    yml.parent.mkdir()
    yml.write_text("script: {commands: []}\n", encoding="utf-8")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)

    assert find_default_yml(nested) == yml


def test_find_default_yml__nowhere(tmp_path, monkeypatch):
    monkeypatch.setattr(ymlspec, "PACKAGE_ROOT", tmp_path / "installed")

    with pytest.raises(SpecError, match="give its path with --yml"):
        find_default_yml(tmp_path)


def test_repository_yml_accepts_both_header_command_names():
    spec = load_spec(find_default_yml())

    assert applied(spec, "!cofense-searchable-headers-get") == (
        "cofense-searchable-headers-get", {})
    assert applied(spec, "!cofense-searchable-headers-list") == (
        "cofense-searchable-headers-list", {})
