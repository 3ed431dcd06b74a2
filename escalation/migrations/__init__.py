"""Alembic migrations; never edit one that has been released, add a new one."""
