"""One redaction helper for everything the stand-in logs or shows.

`redact(value)` masks the values of secret-looking keys in nested dicts and lists;
`mask_text(text, secrets)` replaces known secret strings inside free text. Both also
mask the password of a URL's userinfo (`http://user:********@host`).
"""

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

MASK = "<XX_REPLACED>"
URL_PASSWORD_MASK = "********"
URL_MARK = "://"
# scheme://user:password@ — the password runs to the netloc's last `@`, as urlsplit
# reads it; a scheme starts only where a word starts, which keeps the search linear.
URL_USERINFO_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s:]*:)"
    r"(?P<password>[^/?#\s]+)(?=@)"
)
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


def mask_url(text: str) -> str:
    """text with the password of every URL's userinfo masked."""
    if URL_MARK not in text:
        return text
    return URL_USERINFO_PASSWORD.sub(
        lambda found: found["head"] + URL_PASSWORD_MASK, text
    )


def url_passwords(text: str) -> set[str]:
    """The passwords in the userinfo of text's URLs, as written and decoded."""
    passwords: set[str] = set()
    if URL_MARK not in text:
        return passwords
    for found in URL_USERINFO_PASSWORD.finditer(text):
        passwords |= {found["password"], unquote(found["password"])}
    return passwords


def redact(value: Any) -> Any:
    """A copy of value with secret-looking keys' values and URL passwords masked."""
    if isinstance(value, dict):
        return {
            key: MASK if is_secret_key(key) and item not in (None, "") else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return mask_url(value)
    return value


def secrets_in(value: Any) -> list[str]:
    """Every string under a secret-looking key and every URL password, at any depth."""
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
    elif isinstance(value, str):
        found.extend(sorted(url_passwords(value)))
    return found


def secret_values(value: Any) -> set[str]:
    """The set of strings stored under secret-looking keys, at any depth."""
    return set(secrets_in(value))


def mask_text(text: Any, secrets: Iterable[str]) -> str:
    """text with URL passwords and each known secret (of four characters or more)
    masked."""
    text = mask_url(str(text))
    for secret in sorted(
        {s for s in secrets if s and len(s) >= 4}, key=len, reverse=True
    ):
        text = text.replace(secret, MASK)
    return text
