"""The escalation service's core: domain, workflow engine, services, audit. Never imports Flask."""
