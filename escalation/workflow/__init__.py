"""The generic workflow engine: definitions as data, a pure decision function."""
