"""The OAuth2 token service, the bearer check and the health probe.

Only the client-credentials grant exists. Credentials may come in the form body or as
HTTP Basic auth; a form value wins over Basic auth when both are sent. Not supported:
refresh tokens, token revocation by the client, and scopes (reported, never enforced).
"""

from flask import request

from ..backend.auth import TOKEN_SCOPE
from ..errors import InvalidRequest, Unauthenticated, UnsupportedGrantType
from . import current_backend

GRANT_TYPE = "client_credentials"


def issue_token():
    """POST /uaa/oauth/token"""
    grant_type = request.form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("Missing grant type")
    if grant_type != GRANT_TYPE:
        raise UnsupportedGrantType(f"Unsupported grant type: {grant_type[:40]}")

    basic = request.authorization
    client_id = request.form.get("client_id") or (basic.username if basic else None)
    secret = request.form.get("client_secret") or (basic.password if basic else None)
    token = current_backend().auth.issue(client_id, secret)

    return {
        "access_token": token.value,
        "token_type": "bearer",
        "expires_in": token.lifetime_seconds,
        "scope": TOKEN_SCOPE,
    }


def authenticate() -> str:
    """Checks the request's bearer token and returns its client id.

    Raises:
        Unauthenticated: when no bearer token is sent.
        InvalidToken: when the token is unknown, revoked or expired.
    """
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated()
    return current_backend().auth.authenticate(value.strip())


def health():
    """GET /actuator/health"""
    return {"status": "UP"}
