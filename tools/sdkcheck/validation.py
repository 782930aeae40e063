"""The two offline checks of the integration yml: the SDK's ST110 and pykwalify schema.

`demisto-sdk validate` passes silently when the yml sits outside the
`Packs/<Pack>/Integrations/<Name>/` layout, so a run only counts when the SDK's debug
output shows that it parsed this very file as an integration and ran ST110 on it.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from sdkcheck.environment import run_tool, sdk_schema
from sdkcheck.pack import CONTENT_ROOT, integration_dir, integration_yml

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
ST110_ERROR = re.compile(r"\[ST110\] - (?P<message>.+)")
PYKWALIFY_ERROR = re.compile(r"^ - (?P<message>.+?)\.?(?:: Path: '/'>)?$", re.MULTILINE)
INTEGRATION_MODEL = "content_graph.objects.integration.Integration"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: its name, whether it passed, and why not."""

    name: str
    passed: bool
    details: tuple[str, ...] = ()

    def summary(self) -> str:
        """Returns the one line printed for this check."""
        if self.passed:
            return f"PASS {self.name}"
        return f"FAIL {self.name}: {'; '.join(self.details) or 'see the output above'}"


def _plain(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


def _inside_layout(yml: Path, content_root: Path) -> Path | None:
    """Returns the yml's path relative to the content root; None outside the layout."""
    layout = integration_dir(content_root).resolve()
    if yml.resolve().parent != layout:
        return None
    return yml.resolve().relative_to(content_root.resolve())


def run_st110(yml: Path, content_root: Path = CONTENT_ROOT) -> CheckResult:
    """Runs `demisto-sdk validate -sv ST110` on an integration yml in the pack layout.

    Args:
        yml: the integration yml; it must sit in `Packs/CofenseVision/Integrations/...`.
        content_root: the folder holding `Packs/` (the SDK's working folder).

    Returns:
        The result; a run that did not demonstrably parse the file counts as a failure.
    """
    name = "ST110 (demisto-sdk validate)"
    target = _inside_layout(yml, content_root)
    if target is None:
        layout = integration_dir(content_root)
        return CheckResult(
            name, False, (f"{yml} is outside {layout}; the SDK would skip it",)
        )

    completed = run_tool(
        "demisto-sdk",
        [
            "validate",
            "-i",
            str(target),
            "-sv",
            "ST110",
            "--console-log-threshold",
            "DEBUG",
        ],
        content_root,
    )
    output = _plain(completed.output)

    errors = tuple(match["message"] for match in ST110_ERROR.finditer(output))
    if completed.returncode != 0:
        return CheckResult(name, False, errors or (output.strip()[-500:],))
    proofs = (
        f"Parsing content item {target}",
        INTEGRATION_MODEL,
        "execution for ST110",
    )
    unseen = [proof for proof in proofs if proof not in output]
    if unseen:
        return CheckResult(name, False, (f"the SDK never got to {unseen[0]!r}",))
    return CheckResult(name, True)


def run_pykwalify(yml: Path) -> CheckResult:
    """Checks a yml against the integration schema bundled with demisto-sdk.

    Args:
        yml: the integration yml.
    """
    name = "pykwalify (integration schema)"
    schema = sdk_schema("integration")
    completed = run_tool("pykwalify", ["-d", str(yml), "-s", str(schema)], yml.parent)
    output = _plain(completed.output)

    if completed.returncode == 0 and "validation.valid" in output:
        return CheckResult(name, True)
    errors = tuple(match["message"] for match in PYKWALIFY_ERROR.finditer(output))
    return CheckResult(name, False, errors or (output.strip()[-500:],))


def validate(content_root: Path = CONTENT_ROOT) -> list[CheckResult]:
    """Runs both checks on the integration laid out under `content_root`."""
    yml = integration_yml(content_root)
    return [run_st110(yml, content_root), run_pykwalify(yml)]
