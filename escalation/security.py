"""Passwords (argon2), API tokens (random, stored as SHA-256) and set-password links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from escalation.problems import Problem

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
# The most common choices, and what this service's users would reach for first.
_COMMON = frozenset(
    {
        "password1234", "salasana1234", "lösenord1234", "qwertyuiop12", "123456789012",
        "salasanasalasana", "passwordpassword", "hyvinvointialue", "escalation123",
    }
)


def password_problem(password: str, email: str = "") -> Problem | None:
    """Why a password is too weak (a coded sentence); None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem("password.too_short",
                       "The password must be at least %(min)d characters long.",
                       min=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 5:
        return Problem("password.too_easy",
                       "The password is too easy to guess; choose a longer phrase.")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return Problem("password.contains_email",
                       "The password must not contain the e-mail address.")
    return None


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the hash to store; the token itself is shown once."""
    token = "esc_" + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    # Tokens are 256 random bits: a fast hash is enough, and lookups stay indexed.
    return hashlib.sha256(token.encode()).hexdigest()


def set_password_token(secret_key: str, link_id: int, salt: str) -> str:
    """A set-password link's token: HMAC of the link's id and salt under the secret key.

    The database keeps only its SHA-256 (`token_hash`); the mail job derives it again to
    write the mail, so neither the outbox nor the links table ever holds it.
    """
    digest = hmac.new(secret_key.encode(), f"set-password:{link_id}:{salt}".encode(),
                      hashlib.sha256).digest()
    return "pw_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
