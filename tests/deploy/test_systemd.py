"""The systemd units of deploy/systemd: `systemd-analyze verify` finds nothing to say,
`systemd-analyze security` rates their sandbox, every unit has the hardening docs/deploy.md
promises, and each runs the same command as its compose.yaml service (so the one edit that
changes a command there shows here)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import need
from tests.deploy.conftest import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALLED = "/opt/escalation/bin/"  # where docs/deploy.md installs the wheel's venv
# unit -> its compose.yaml service
SERVICE = {"escalation-web.service": "web", "escalation-worker.service": "worker",
           "escalation-init-db.service": "init-db"}
REQUIRED = {
    "ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
    "ProtectHome": "yes", "CapabilityBoundingSet": "", "PrivateDevices": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "User": "escalation",
}


def parse(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit's sections as (key, value) lists: systemd allows a key more than once."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections.setdefault(current, [])
            continue
        key, _, value = line.partition("=")
        sections[current].append((key.strip(), value.strip()))
    return sections


def values(unit: Path, key: str) -> list[str]:
    return [v for k, v in parse(unit)["Service"] if k == key]


def _runnable_copies(tmp: Path) -> list[Path]:
    """The units with the installed venv's path pointed at this venv, so that verify finds
    the programs; nothing else is changed."""
    copies = []
    for unit in UNITS:
        copy = tmp / unit.name
        copy.write_text(unit.read_text().replace(INSTALLED, f"{Path(sys.executable).parent}/"))
        copies.append(copy)
    return copies


def test_there_is_a_unit_for_the_web_app_the_worker_and_the_migrations() -> None:
    assert sorted(u.name for u in UNITS) == sorted(SERVICE)


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_each_unit_is_sandboxed(unit: Path) -> None:
    for key, wanted in REQUIRED.items():
        assert values(unit, key) == [wanted], (unit.name, key)
    assert values(unit, "EnvironmentFile")[0] == "/etc/escalation/escalation.env"
    assert values(unit, "ReadWritePaths") == ["/var/lib/escalation"]
    if values(unit, "Type") != ["oneshot"]:
        assert values(unit, "Restart") == ["on-failure"], unit.name
    # The owner's URL (migrations) is read by the migrations' unit alone.
    owner = "/etc/escalation/owner.env" in values(unit, "EnvironmentFile")
    assert owner == (unit.name == "escalation-init-db.service")


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_each_unit_runs_its_compose_services_command(unit: Path) -> None:
    (start,) = values(unit, "ExecStart")
    program, *args = shlex.split(start)
    assert program.startswith(INSTALLED), program
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    command = compose[SERVICE[unit.name]]["command"]
    assert Path(program).name == command[0]
    if unit.name == "escalation-web.service":
        # gunicorn: the same app; the unit binds to 127.0.0.1 behind the host's proxy.
        assert args[-1] == command[-1]
        assert args[args.index("-b") + 1].startswith("127.0.0.1:")
    else:
        assert args == command[1:]


def test_systemd_analyze_verify_has_nothing_to_say(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    need(analyze, "systemd-analyze (apt-get install systemd)")
    assert analyze is not None
    result = subprocess.run([analyze, "verify", *map(str, _runnable_copies(tmp_path))],
                            capture_output=True, text=True)
    # Unknown keys and bad values are only warnings (exit 0): any line at all fails.
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_systemd_analyze_security_rates_each_sandbox_ok(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    need(analyze, "systemd-analyze (apt-get install systemd)")
    assert analyze is not None
    for copy in _runnable_copies(tmp_path):
        result = subprocess.run([analyze, "security", "--offline=yes", str(copy)],
                                capture_output=True, text=True)
        level = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
        assert level, result.stdout[-2000:] + result.stderr
        # 0 is a locked box, 10 wide open; under 2 is systemd's "OK" with a smile.
        assert float(level.group(1)) <= 2.0, (copy.name, level.group(0))


def test_the_web_app_and_the_worker_count_metrics_into_one_shared_folder() -> None:
    """gunicorn's workers and the RQ worker are separate processes: /metrics adds their
    figures up only from one PROMETHEUS_MULTIPROC_DIR, which must outlive either unit's stop
    (a RuntimeDirectory is removed when its unit stops, unless preserved)."""
    folders = set()
    for name in ("escalation-web.service", "escalation-worker.service"):
        unit = ROOT / "deploy" / "systemd" / name
        env = dict(v.split("=", 1) for v in values(unit, "Environment"))
        folder = env["PROMETHEUS_MULTIPROC_DIR"]
        assert values(unit, "RuntimeDirectory") == [folder.removeprefix("/run/")], name
        assert values(unit, "RuntimeDirectoryPreserve") == ["yes"], name
        folders.add(folder)
    assert len(folders) == 1
