"""Domain errors: what went wrong in the domain's words. api/errors.py maps them to HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from escalation.problems import Problem, coded


class DomainError(Exception):
    """Base of every refusal the core gives on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Unknown, or not visible to the caller (the two are deliberately the same)."""


class Gone(DomainError):
    """The thing was deleted on purpose, and the caller may know it (a draft's author)."""


class Forbidden(DomainError):
    """The caller can see the thing but their roles may not do this to it."""


class ActionNotAvailable(DomainError):
    """The issue's current state does not offer this action to anybody."""


class InvalidInput(DomainError):
    """Input the rules refuse, with messages per field (the form shows them there).

    Each message is a `Problem` (a plain sentence becomes one under the generic code), so
    the API can add the codes and the pages translate by code, not by the sentence.
    """

    errors: dict[str, list[Problem]]

    def __init__(self, errors: Mapping[str, Sequence[str]], detail: str | None = None) -> None:
        self.errors = {k: [coded(m) for m in v] for k, v in errors.items()}
        if detail is None:
            name, messages = next(iter(self.errors.items()), ("", ["Invalid input."]))
            first = str(messages[0])
            detail = first if name.startswith("_") or not name else f"{name}: {first}"
        super().__init__(detail)


class GuardFailed(InvalidInput):
    """Every way to take the action was refused by a guard; the messages say why."""


class Conflict(DomainError):
    """The caller's `expected_version` is stale: somebody else changed the issue first."""

    def __init__(self, current_version: int, expected_version: int | None = None) -> None:
        super().__init__(
            f"The issue has changed (now version {current_version}); reload it and try again."
        )
        self.current_version = current_version
        self.expected_version = expected_version


class AlreadyDone(DomainError):
    """The change was made already (a region that joined, two issues linked): a second
    submit of the same form, or two people at once. Nothing is changed twice."""


class Unauthenticated(DomainError):
    """No credentials, or credentials that are unknown, expired or revoked."""


class TooManyAttempts(DomainError):
    """Too many failed sign-ins lately; `retry_after` seconds until the next try.

    A wait of a minute or more is rounded up to whole minutes, so that the text a person
    reads ("wait 3 minutes") and the Retry-After header name the same moment.
    """

    def __init__(self, retry_after: int) -> None:
        seconds = max(1, retry_after)
        if seconds >= 60:
            seconds = -(-seconds // 60) * 60
        minutes = seconds // 60
        wait = (f"{minutes} minute{'s' * (minutes != 1)}" if seconds >= 60
                else f"{seconds} second{'s' * (seconds != 1)}")
        super().__init__(f"Too many failed attempts; try again in {wait}.")
        self.retry_after = seconds


class InProgress(DomainError):
    """An earlier request with the same Idempotency-Key is still being handled."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("A request with this key is in progress; retry it in a moment "
                         "to get its answer.")
        self.retry_after = retry_after
