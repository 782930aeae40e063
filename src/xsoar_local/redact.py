"""One redaction helper for everything the stand-in logs or shows.

`redact(value)` masks the values of secret-looking keys in nested dicts and lists;
`mask_text(text, secrets)` replaces known secret strings inside free text.
"""

from collections.abc import Iterable
from typing import Any

MASK = "<XX_REPLACED>"
SECRET_KEY_PARTS = (
    "password",
    "secret",
    "token",
    "authorization",
    "credential",
    "apikey",
    "api_key",
    "private",
)


def is_secret_key(key: Any) -> bool:
    """True for a key whose value must never be shown (client_secret, token, …)."""
    lowered = str(key).lower().replace("-", "_")
    return any(part in lowered for part in SECRET_KEY_PARTS)


def redact(value: Any) -> Any:
    """A copy of value with every secret-looking key's value masked."""
    if isinstance(value, dict):
        return {
            key: MASK if is_secret_key(key) and item not in (None, "") else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    return value


def secrets_in(value: Any) -> list[str]:
    """Every string stored under a secret-looking key, at any depth."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if is_secret_key(key) and isinstance(item, str) and item:
                found.append(item)
            else:
                found.extend(secrets_in(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(secrets_in(item))
    return found


def secret_values(value: Any) -> set[str]:
    """The set of strings stored under secret-looking keys, at any depth."""
    return set(secrets_in(value))


def mask_text(text: Any, secrets: Iterable[str]) -> str:
    """text with each known secret (of four characters or more) replaced by the mask."""
    text = str(text)
    for secret in sorted(
        {s for s in secrets if s and len(s) >= 4}, key=len, reverse=True
    ):
        text = text.replace(secret, MASK)
    return text
