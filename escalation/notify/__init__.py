"""Notifications: the outbox relayed to jobs, e-mails rendered and delivered once, deadlines."""
