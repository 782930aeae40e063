"""The token service, the bearer check and token expiry on the emulator clock."""

import base64
import re

import pytest

from vision_emulator import Backend, create_app
from vision_emulator.routes import all_routes

from .support import CLIENT_ID, CLIENT_SECRET, FROZEN_AT, fetch_token

PROTECTED = [route for route in all_routes() if not route.public]


def _basic(client_id: str, secret: str) -> dict:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_issue_token(client):
    reply = client.post("/uaa/oauth/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET})

    assert reply.status_code == 200
    body = reply.json
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1799
    assert len(body["access_token"]) >= 32


def test_issue_token__http_basic(client):
    reply = client.post("/uaa/oauth/token", data={"grant_type": "client_credentials"},
                        headers=_basic(CLIENT_ID, CLIENT_SECRET))

    assert reply.status_code == 200
    assert reply.json["access_token"]


def test_issue_token__tokens_differ(client):
    assert fetch_token(client) != fetch_token(client)


@pytest.mark.parametrize("form, headers", [
    pytest.param({"client_id": CLIENT_ID, "client_secret": "wrong"}, {}, id="secret"),
    pytest.param({"client_id": "someone", "client_secret": CLIENT_SECRET}, {}, id="id"),
    pytest.param({}, {}, id="missing"),
    pytest.param({}, _basic(CLIENT_ID, "wrong"), id="basic"),
])
def test_issue_token__bad_credentials(client, form, headers):
    body = {"grant_type": "client_credentials", **form}

    reply = client.post("/uaa/oauth/token", data=body, headers=headers)

    assert reply.status_code == 401
    assert reply.json == {"error": "unauthorized",
                          "error_description": "Bad credentials"}


@pytest.mark.parametrize("grant, error", [
    pytest.param(None, "invalid_request", id="missing"),
    pytest.param("password", "unsupported_grant_type", id="unsupported"),
])
def test_issue_token__bad_grant_type(client, grant, error):
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    if grant:
        form["grant_type"] = grant

    reply = client.post("/uaa/oauth/token", data=form)

    assert reply.status_code == 400
    assert reply.json["error"] == error


def test_health__no_token_needed(client):
    reply = client.get("/actuator/health")

    assert reply.status_code == 200
    assert reply.json == {"status": "UP"}


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.rule}")
def test_protected_route__without_token(client, route):
    path = re.sub(r"<[^>]+>", "700", route.rule)

    reply = client.open(path, method=route.method)

    assert reply.status_code == 401
    assert reply.json == {
        "error": "unauthorized",
        "error_description": "Full authentication is required to access this resource",
    }


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic abc"])
def test_protected_route__bad_authorization(client, header):
    reply = client.get("/api/v4/searches/700", headers={"Authorization": header})

    assert reply.status_code == 401
    expected = "invalid_token" if header == "Bearer not-a-token" else "unauthorized"
    assert reply.json["error"] == expected


def test_invalid_token__body_and_header_hide_the_token(client):
    reply = client.get("/api/v4/searches/700",
                       headers={"Authorization": "Bearer secret-looking-value"})

    assert reply.json == {"error": "invalid_token",
                          "error_description": "Invalid access token"}
    assert "secret-looking-value" not in reply.get_data(as_text=True)
    assert reply.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_token_expiry__judged_on_the_emulator_clock():
    backend = Backend(frozen_at=FROZEN_AT, token_lifetime=60)
    client = create_app(backend).test_client()
    reply = client.post("/uaa/oauth/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET})
    headers = {"Authorization": f"Bearer {reply.json['access_token']}"}
    assert reply.json["expires_in"] == 60

    backend.clock.advance(59)
    still_valid = client.get("/api/v4/searches/700", headers=headers)
    backend.clock.advance(1)
    expired = client.get("/api/v4/searches/700", headers=headers)

    assert still_valid.status_code == 200
    assert expired.status_code == 401
    assert expired.json == {"error": "invalid_token",
                            "error_description": "Access token expired"}


def test_token_expiry__advanced_through_the_control_plane(client):
    token = fetch_token(client)
    headers = {"Authorization": f"Bearer {token}"}

    client.post("/_emulator/clock/advance", json={"seconds": 1799})

    assert client.get("/api/v4/searches/700", headers=headers).status_code == 401


def test_token_lifetime__setting_applies_to_new_tokens(client):
    client.post("/_emulator/settings", json={"tokenLifetime": 5})

    reply = client.post("/uaa/oauth/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET})

    assert reply.json["expires_in"] == 5


def test_expire_all_tokens(client):
    headers = {"Authorization": f"Bearer {fetch_token(client)}"}

    expired = client.post("/_emulator/tokens/expire")

    assert expired.json == {"expired": 1}
    reply = client.get("/api/v4/searches/700", headers=headers)
    assert reply.json["error"] == "invalid_token"


def test_custom_credentials():
    client = create_app(client_id="other", client_secret="s3cret").test_client()

    default = client.post("/uaa/oauth/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET})
    custom = client.post("/uaa/oauth/token", data={"grant_type": "client_credentials"},
                         headers=_basic("other", "s3cret"))

    assert default.status_code == 401
    assert custom.status_code == 200


def test_backend_repr_hides_the_secret(backend):
    assert CLIENT_SECRET not in repr(backend)
    assert CLIENT_SECRET not in repr(backend.auth)
