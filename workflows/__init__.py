"""Workflow definitions: data only, one TOML file per name and version."""
