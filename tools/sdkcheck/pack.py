"""Lays out the content pack and checks the single-file integration demisto-sdk unifies.

The pack is built from `tools/pack/` (metadata, pack README, release notes) and the
integration's own files in `CofenseVision/`. The unified yml must carry the
integration's code and none of the local platform stand-in, which XSOAR supplies
itself.
"""

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sdkcheck.environment import ROOT, run_tool

PACK_NAME = "CofenseVision"
INTEGRATION = "CofenseVision"
SOURCE_DIR = ROOT / "CofenseVision"
PACK_FILES_DIR = ROOT / "tools" / "pack"
BUILD_DIR = ROOT / "build"
CONTENT_ROOT = BUILD_DIR / "content"
UNIFIED_DIR = BUILD_DIR / "unified"

INTEGRATION_FILES = (
    f"{INTEGRATION}.py",
    f"{INTEGRATION}.yml",
    f"{INTEGRATION}_description.md",
    "README.md",
)
OPTIONAL_INTEGRATION_FILES = (f"{INTEGRATION}_image.png",)
# What validation and doc generation need: the yml, and the code it describes.
CORE_FILES = (f"{INTEGRATION}.py", f"{INTEGRATION}.yml")

# demisto-sdk reads these content-repo files at start-up and fetches them from GitHub
# when they are missing; empty lists of core packs keep every SDK run off the network.
CORE_PACK_LISTS = (
    "core_packs_list.json",
    "core_packs_mpv2_list.json",
    "core_packs_xpanse_list.json",
    "core_packs_platform_list.json",
)
# The unified yml holds the whole integration; libyaml reads it far faster when present.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What the unified script must hold (the integration) and must not (the stand-in).
REQUIRED_CODE = ("def main(", "class Client(")
STAND_IN_MARKERS = (
    "def tableToMarkdown",
    "class BaseClient",
    "def results(",
    "def return_results",
    "class CommandResults",
    "class DemistoException",
)
STRIPPED_IMPORTS = {
    "import demistomock as demisto": re.compile(r"^import demistomock\b", re.MULTILINE),
    "from CommonServerPython import *": re.compile(
        r"^from CommonServerPython import", re.MULTILINE
    ),
}


@dataclass
class PackCheck:
    """Findings about one unified integration file; empty `problems` means it passed."""

    unified: Path
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def pack_dir(content_root: Path = CONTENT_ROOT) -> Path:
    """Returns `Packs/CofenseVision` under a content root."""
    return content_root / "Packs" / PACK_NAME


def integration_dir(content_root: Path = CONTENT_ROOT) -> Path:
    """Returns the integration's folder inside the pack layout."""
    return pack_dir(content_root) / "Integrations" / INTEGRATION


def integration_yml(content_root: Path = CONTENT_ROOT) -> Path:
    """Returns the integration yml's path inside the pack layout."""
    return integration_dir(content_root) / f"{INTEGRATION}.yml"


def write_offline_config(content_root: Path) -> None:
    """Writes the `Config/` files demisto-sdk would otherwise download."""
    config = content_root / "Config"
    config.mkdir(parents=True, exist_ok=True)
    for name in CORE_PACK_LISTS:
        (config / name).write_text(json.dumps({"core_packs_list": []}) + "\n")


def lay_out_pack(
    source_dir: Path = SOURCE_DIR,
    content_root: Path = CONTENT_ROOT,
    files: tuple[str, ...] = INTEGRATION_FILES,
) -> Path:
    """Writes a fresh `Packs/CofenseVision/` from the pack files and the integration.

    Args:
        source_dir: the folder holding the integration's files.
        content_root: the folder that receives `Packs/`.
        files: the integration files that must be there and are copied.

    Returns:
        The integration's folder inside the layout.

    Raises:
        FileNotFoundError: when one of the integration's files is missing.
    """
    missing = [name for name in files if not (source_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{source_dir} lacks {', '.join(missing)}")

    target_pack = pack_dir(content_root)
    if target_pack.exists():
        shutil.rmtree(target_pack)
    shutil.copytree(PACK_FILES_DIR, target_pack)

    write_offline_config(content_root)
    target = integration_dir(content_root)
    target.mkdir(parents=True)
    for name in files + OPTIONAL_INTEGRATION_FILES:
        if (source_dir / name).is_file():
            shutil.copy2(source_dir / name, target / name)
    return target


def unify(content_root: Path = CONTENT_ROOT, output_dir: Path = UNIFIED_DIR) -> Path:
    """Runs `demisto-sdk unify` on the laid-out integration.

    Returns:
        The path of the unified yml.

    Raises:
        RuntimeError: when the SDK fails or writes no file.
    """
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)
    source = integration_dir(content_root).relative_to(content_root)
    completed = run_tool(
        "demisto-sdk", ["unify", "-i", str(source), "-o", str(output_dir)], content_root
    )
    unified = output_dir / f"integration-{INTEGRATION}.yml"
    if completed.returncode != 0 or not unified.is_file():
        raise RuntimeError(f"demisto-sdk unify failed:\n{completed.output}")
    return unified


def check_unified(unified: Path) -> PackCheck:
    """Checks that a unified yml holds the integration's code and none of the stand-in.

    Args:
        unified: a unified integration yml.

    Returns:
        The findings, one sentence per problem.
    """
    check = PackCheck(unified)
    document = yaml.load(unified.read_text(), Loader=YAML_LOADER) or {}
    script = (document.get("script") or {}).get("script") or ""

    for needed in REQUIRED_CODE:
        if needed not in script:
            check.problems.append(f"the script lacks the integration's `{needed}`")
    for marker in STAND_IN_MARKERS:
        if marker in script:
            check.problems.append(f"the script holds the stand-in's `{marker}`")
    for line, pattern in STRIPPED_IMPORTS.items():
        if pattern.search(script):
            check.problems.append(f"the import `{line}` was not stripped")
    return check


def build_pack(
    source_dir: Path = SOURCE_DIR,
    content_root: Path = CONTENT_ROOT,
    output_dir: Path = UNIFIED_DIR,
) -> PackCheck:
    """Lays out the pack, unifies the integration and checks the result."""
    lay_out_pack(source_dir, content_root)
    return check_unified(unify(content_root, output_dir))
