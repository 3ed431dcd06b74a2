"""The core's folders depend one way: services/ may use notify/, never the other way.

Walked from the source with `ast` (every import, also those inside functions), so a
loop through a third module counts too: notify/jobs.py once imported services/rollup.py
while services/admin.py imported notify/, and the periodic jobs moved out to
escalation/jobs.py to end it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import escalation

ROOT = Path(escalation.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The escalation modules `path` imports (a name imported from a package counts as
    its submodule when there is one)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in modules}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(ROOT.rglob("*.py"))
    modules = {_module(p) for p in paths}
    return {_module(p): _imports(p, modules) for p in paths}


def reached_from(graph: dict[str, set[str]], prefix: str) -> dict[str, list[str]]:
    """Every module reachable from the modules under `prefix`, with one path to it."""
    paths = {m: [m] for m in graph if m.startswith(prefix)}
    todo = list(paths)
    while todo:
        here = todo.pop()
        for there in graph[here]:
            if there not in paths:
                paths[there] = [*paths[here], there]
                todo.append(there)
    return paths


def test_the_walk_sees_the_imports_it_must() -> None:
    graph = import_graph()
    assert "escalation.notify.failures" in graph["escalation.services.admin"]
    assert "escalation.services.rollup" in graph["escalation.jobs"]
    assert "escalation.notify.relay" in graph["escalation.jobs"]


def test_notify_never_reaches_services_so_the_folders_are_not_in_a_loop() -> None:
    reached = reached_from(import_graph(), "escalation.notify.")
    loops = [" -> ".join(path) for module, path in sorted(reached.items())
             if module.startswith("escalation.services.")]
    assert loops == []
