"""Where loaded definitions live; issues find theirs by name and pinned version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from escalation.workflow.definition import Workflow
from escalation.workflow.loader import DefinitionError, load_dir


@dataclass(frozen=True)
class Registry:
    """Every loaded (name, version) definition."""

    workflows: dict[tuple[str, int], Workflow]

    @classmethod
    def from_dir(cls, directory: Path) -> Registry:
        return cls(load_dir(directory))

    def get(self, name: str, version: int) -> Workflow:
        try:
            return self.workflows[(name, version)]
        except KeyError:
            raise DefinitionError(f"workflow {name} version {version} is not loaded") from None

    def latest(self, name: str) -> Workflow:
        versions = [v for (n, v) in self.workflows if n == name]
        if not versions:
            raise DefinitionError(f"no workflow named {name!r} is loaded")
        return self.workflows[(name, max(versions))]
