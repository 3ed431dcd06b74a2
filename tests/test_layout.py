"""The layout holds: the core's folders depend one way, and the README names every module.

services/ may use notify/, never the other way. Walked from the source with `ast` (every
import, also those inside functions), so a loop through a third module counts too:
notify/jobs.py once imported services/rollup.py while services/admin.py imported notify/,
and the periodic jobs moved out to escalation/jobs.py to end it.

The README's "How the code is laid out" once left out notify/ and six core modules; its
tree is now read back here (a name, indented two spaces per folder level) and held
against the files, both ways.
"""

from __future__ import annotations

import ast
import re
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


# --- The README's layout section names every module ------------------------------------

REPO = ROOT.parent
# Every module of these folders must have its line (a package's __init__.py is named by
# the package's own line; a migration is one of versions/, which is named once).
COVERED = ("escalation", "api", "benchmarks")
_NAME = re.compile(r"[\w.-]+/|[\w-]+(\.[\w-]+)+")


def layout_section(readme: str) -> str:
    """The fenced tree of the README's "How the code is laid out" section."""
    section = readme.split("\n## How the code is laid out\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```\n", 2)[1]


def layout_paths(tree: str) -> set[str]:
    """Each path the tree names (folders end in "/"), from its names and indentation.

    A line starting a name at two spaces per level below the folder above it is an entry;
    a description's continuation lines are indented further, to its column, and skipped.
    """
    folders: list[str] = []
    paths: set[str] = set()
    for line in tree.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        name = line.split(maxsplit=1)[0] if line.strip() else ""
        if indent % 2 or indent // 2 > len(folders) or not _NAME.fullmatch(name):
            continue
        del folders[indent // 2:]
        paths.add("/".join([*folders, name]))
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
    return paths


def modules_needing_a_line() -> set[str]:
    found = set()
    for folder in COVERED:
        for path in (REPO / folder).rglob("*.py"):
            relative = path.relative_to(REPO)
            if "versions" in relative.parts or relative.parts[-1] == "__init__.py":
                continue
            found.add(relative.as_posix())
        found.update(f"{p.parent.relative_to(REPO).as_posix()}/"
                     for p in (REPO / folder).rglob("__init__.py"))
    return found


def test_the_layout_reader_follows_the_indentation() -> None:
    tree = ("a/               first\n"
            "  b.py           a module with a description that goes on\n"
            "                 to.py, a continuation line that names a file\n"
            "  c/             a folder\n"
            "    d.py         inside it\n"
            "e.toml           at the top again\n")
    assert layout_paths(tree) == {"a/", "a/b.py", "a/c/", "a/c/d.py", "e.toml"}


def test_the_readme_layout_names_every_module_and_only_what_exists() -> None:
    named = layout_paths(layout_section((REPO / "README.md").read_text()))
    missing = sorted(modules_needing_a_line() - named)
    not_in_tree = sorted(p for p in named if not (REPO / p).exists())
    # Both lists at once: whoever merges a change that adds and removes modules sees all.
    assert (missing, not_in_tree) == ([], []), (
        f"README.md's layout section: add a line for {', '.join(missing) or 'nothing'}; "
        f"remove the line of {', '.join(not_in_tree) or 'nothing'} (not in the tree)")
