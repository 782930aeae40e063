"""The command reference, the yml and the integration's dispatcher agree.

The reference (shared/command-reference.txt, beside the repository) is what XSOAR users
know; the yml is what XSOAR reads; the dispatcher is what runs. The tests take the
reference's commands, arguments, context paths and examples from
reference_interface.json (written by tools/reference_interface.py), so they run without
the reference; where it is beside the repository, one test checks that the JSON is still
what it gives. Each command's documented example also runs against the emulator, and
every context key it writes must be declared in the yml.
"""

import functools
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

import CofenseVision

ROOT = Path(__file__).resolve().parents[2]
YML = ROOT / "CofenseVision" / "CofenseVision.yml"
# Arguments the product adds to the reference's (decisions.md and the polling issue).
ADDED_ARGUMENTS = {"polling", "interval_in_seconds", "timeout_in_seconds", "job_id"}
ALIASES = {"cofense-searchable-headers-list": "cofense-searchable-headers-get"}


def load_extractor():
    """tools/reference_interface.py, which is not a package."""
    path = ROOT / "tools" / "reference_interface.py"
    spec = importlib.util.spec_from_file_location("reference_interface", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


extractor = load_extractor()
REFERENCE = extractor.default_reference()


@functools.cache
def read_interface() -> dict[str, dict]:
    """Each command of the reference: its arguments, context paths and example."""
    return json.loads(extractor.INTERFACE.read_text(encoding="utf-8"))


@functools.cache
def read_yml() -> dict[str, dict]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(YML.read_text(encoding="utf-8"), Loader=loader)
    return {command["name"]: command for command in document["script"]["commands"]}


@pytest.mark.skipif(not REFERENCE.is_file(),
                    reason=f"no reference at {REFERENCE} to compare the JSON with")
def test_the_interface_json_is_what_the_reference_gives():
    """The committed JSON, byte for byte, is a fresh extraction of the reference."""
    fresh = extractor.render(extractor.read_reference(REFERENCE))

    committed = extractor.INTERFACE.read_text(encoding="utf-8")
    assert committed == fresh, "stale: run python3 tools/reference_interface.py"


def test_the_same_commands_everywhere():
    reference, yml = read_interface(), read_yml()
    dispatched = set(CofenseVision.COMMANDS) | set(CofenseVision.IOC_COMMANDS)

    assert set(reference) == set(yml) - set(ALIASES)
    assert set(yml) == dispatched


@pytest.mark.parametrize("command", sorted(read_interface()))
def test_the_same_arguments(command):
    reference = read_interface()[command]["arguments"]
    arguments = read_yml()[command].get("arguments", [])
    declared = [argument["name"] for argument in arguments]

    assert set(declared) - ADDED_ARGUMENTS == set(reference)


@pytest.mark.parametrize("command", sorted(read_interface()))
def test_every_reference_path_is_declared_with_its_type(command):
    reference = read_interface()[command]["paths"]
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
    """Declared, inside a declared object, or an (empty) parent of declared paths."""
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


@pytest.mark.parametrize("command", sorted(read_interface()))
def test_each_example_writes_only_declared_context(command, war_room):
    example = read_interface()[command]["example"]
    outputs = read_yml()[command].get("outputs", [])
    declared = {output["contextPath"] for output in outputs}

    war_room.reset_emulator()
    outcome = war_room.run(example)

    assert outcome.error is None, outcome.error
    written = context_paths(outcome.context) - {""}
    undeclared = sorted(path for path in written
                        if not declared_or_inside(path, declared))
    assert not undeclared
