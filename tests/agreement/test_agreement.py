"""The command reference, the yml and the integration's dispatcher agree.

The reference (shared/command-reference.txt, beside the repository) is what XSOAR users
know; the yml is what XSOAR reads; the dispatcher is what runs. A second test runs each
command's documented example against the emulator and checks that every context key it
writes is declared in the yml.
"""

import functools
import re
from pathlib import Path

import pytest
import yaml

import CofenseVision

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "command-reference.txt"
YML = ROOT / "CofenseVision" / "CofenseVision.yml"
OUTPUT_TYPES = "String|Number|Date|Boolean|Unknown"
# Arguments the product adds to the reference's (decisions.md and the polling issue).
ADDED_ARGUMENTS = {"polling", "interval_in_seconds", "timeout_in_seconds", "job_id"}
ALIASES = {"cofense-searchable-headers-list": "cofense-searchable-headers-get"}


@functools.cache
def read_reference() -> dict[str, dict]:
    """Each command of the reference: its argument names and its context paths."""
    text = REFERENCE.read_text(encoding="utf-8")
    parts = re.split(r"\n(cofense-[a-z-]+)#\n", text)
    commands = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        inputs = body.partition("Input#")[2].partition("Context Output#")[0]
        outputs = body.partition("Context Output#")[2].partition("Command example#")[0]
        example = re.search(rf"^(!{re.escape(name)}\b.*)$", body, re.MULTILINE)
        commands[name] = {
            "arguments": re.findall(r"^([a-z][a-z0-9_]*)[A-Z][A-Za-z]*\s", inputs,
                                    re.MULTILINE),
            "paths": dict(re.findall(
                rf"^((?:Cofense|DBotScore|Domain|URL|Email|File)\.[\w.]+)"
                rf"({OUTPUT_TYPES})(?=[A-Z\"'])",
                outputs, re.MULTILINE)),
            "example": example.group(1) if example else None,
        }
    return commands


@functools.cache
def read_yml() -> dict[str, dict]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(YML.read_text(encoding="utf-8"), Loader=loader)
    return {command["name"]: command for command in document["script"]["commands"]}


pytestmark = pytest.mark.skipif(not REFERENCE.exists(),
                                reason="shared/command-reference.txt is not beside the repo")


def test_the_same_commands_everywhere():
    reference, yml = read_reference(), read_yml()
    dispatched = set(CofenseVision.COMMANDS) | set(CofenseVision.IOC_COMMANDS)

    assert set(reference) == set(yml) - set(ALIASES)
    assert set(yml) == dispatched


@pytest.mark.parametrize("command", sorted(read_reference()) if REFERENCE.exists() else [])
def test_the_same_arguments(command):
    reference = read_reference()[command]["arguments"]
    declared = [argument["name"] for argument in read_yml()[command].get("arguments", [])]

    assert set(declared) - ADDED_ARGUMENTS == set(reference)


@pytest.mark.parametrize("command", sorted(read_reference()) if REFERENCE.exists() else [])
def test_every_reference_path_is_declared_with_its_type(command):
    reference = read_reference()[command]["paths"]
    declared = {output["contextPath"]: output.get("type")
                for output in read_yml()[command].get("outputs", [])}

    missing = {path for path in reference if path not in declared}
    assert not missing
    assert {path: declared[path] for path in reference} == reference


def test_the_alias_declares_what_its_command_declares():
    yml = read_yml()
    for alias, command in ALIASES.items():
        assert yml[alias].get("outputs") == yml[command].get("outputs")
        assert yml[alias].get("arguments", []) == yml[command].get("arguments", [])


def context_paths(value, prefix: str = "") -> set[str]:
    """Every dotted path a context value writes, lists looked through."""
    if isinstance(value, list):
        return set().union(*(context_paths(item, prefix) for item in value)) if value \
            else {prefix}
    if isinstance(value, dict) and value:
        paths = set()
        for key, item in value.items():
            name = key.split("(")[0]
            paths |= context_paths(item, f"{prefix}.{name}" if prefix else name)
        return paths
    return {prefix}


def declared_or_inside(path: str, declared: set[str]) -> bool:
    """Declared itself, inside a declared object, or an (empty) parent of declared paths."""
    parts = path.split(".")
    if any(".".join(parts[:end]) in declared for end in range(len(parts), 1, -1)):
        return True
    return any(name.startswith(path + ".") for name in declared)


@pytest.fixture(scope="module")
def war_room(tmp_path_factory):
    from vision_emulator import serve
    from xsoar_local.warroom import WarRoom

    folder = tmp_path_factory.mktemp("examples")
    with serve(port=0) as server:
        params = {"url": server.url, "credentials": {
            "identifier": server.client_id, "password": server.client_secret}}
        room = WarRoom(params=params, home=folder, out=folder / "files", warp=True)
        room.reset_emulator = server.backend.reset
        yield room


@pytest.mark.parametrize("command", sorted(read_reference()) if REFERENCE.exists() else [])
def test_each_example_writes_only_declared_context(command, war_room):
    example = read_reference()[command]["example"]
    declared = {output["contextPath"] for output in read_yml()[command].get("outputs", [])}

    war_room.reset_emulator()
    outcome = war_room.run(example)

    assert outcome.error is None, outcome.error
    written = context_paths(outcome.context) - {""}
    undeclared = sorted(path for path in written if not declared_or_inside(path, declared))
    assert not undeclared
