"""The OAuth2 client-credentials token service and the bearer check.

Tokens are opaque random strings kept in memory with their expiry on the emulator clock.
One client (id and secret) is configured; scopes are reported but never enforced.
"""

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from ..errors import BadCredentials, InvalidToken
from .clock import Clock

TOKEN_SCOPE = "read write"

log = logging.getLogger(__name__)


@dataclass
class IssuedToken:
    value: str
    client_id: str
    expires_at: datetime
    lifetime_seconds: int


class TokenService:
    """Issues bearer tokens to the configured client and checks them on every call.

    Args:
        clock: the emulator clock that judges expiry.
        client_id: the only client allowed to fetch tokens.
        client_secret: that client's secret.
        lifetime: returns the token lifetime in seconds at the moment of issue, so a
            settings change applies to the next token.
    """

    def __init__(self, clock: Clock, client_id: str, client_secret: str,
                 lifetime: Callable[[], int]):
        self.clock = clock
        self.client_id = client_id
        self._client_secret = client_secret
        self._lifetime = lifetime
        self._tokens: dict[str, IssuedToken] = {}

    def __repr__(self) -> str:
        return f"TokenService(client_id={self.client_id!r}, tokens={len(self._tokens)})"

    def issue(self, client_id: str | None, client_secret: str | None) -> IssuedToken:
        """Checks the client credentials and issues a new token.

        Raises:
            BadCredentials: when the id or the secret is wrong or missing.
        """
        if not (_same(client_id, self.client_id) and _same(client_secret,
                                                           self._client_secret)):
            raise BadCredentials()

        lifetime = int(self._lifetime())
        token = IssuedToken(
            value=secrets.token_urlsafe(32),
            client_id=self.client_id,
            expires_at=self.clock.now() + timedelta(seconds=lifetime),
            lifetime_seconds=lifetime,
        )
        self._tokens[token.value] = token
        log.debug("Issued a token for %s expiring at %s", token.client_id,
                  token.expires_at.isoformat())
        return token

    def authenticate(self, value: str) -> str:
        """Returns the client id a valid token belongs to.

        Raises:
            InvalidToken: when the token is unknown, revoked or expired.
        """
        token = self._tokens.get(value)
        if token is None:
            raise InvalidToken("Invalid access token")
        if self.clock.now() >= token.expires_at:
            raise InvalidToken("Access token expired")
        return token.client_id

    def expire_all(self) -> int:
        """Makes every issued token expired at once; returns how many there were."""
        now = self.clock.now()
        for token in self._tokens.values():
            token.expires_at = min(token.expires_at, now)
        return len(self._tokens)


def _same(given: str | None, expected: str) -> bool:
    """Compares a credential in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
