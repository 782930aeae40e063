"""Fault injection through the control plane, start flags and ``serve``."""

import pytest
import requests

from vision_emulator import create_app, serve
from vision_emulator.faults import ConnectionDropped, FaultPlan, FaultRule, parse_spec

from .support import FROZEN_AT


def _fault(client, **body):
    reply = client.post("/_emulator/faults", json=body)
    assert reply.status_code == 200, reply.json
    return reply.json


@pytest.mark.parametrize("fault, status, mimetype", [
    pytest.param("429", 429, "application/json", id="429"),
    pytest.param("500", 500, "application/json", id="500"),
    pytest.param("502", 502, "text/html", id="502"),
    pytest.param("503", 503, "text/html", id="503"),
    pytest.param("504", 504, "text/html", id="504"),
    pytest.param("html", 500, "text/html", id="html"),
])
def test_fault__status_and_body(vision, client, fault, status, mimetype):
    _fault(client, endpoint="GET /api/v4/searches/*", fault=fault)

    reply = vision.get("/api/v4/searches/700")

    assert reply.status_code == status
    assert reply.mimetype == mimetype
    assert "Retry-After" not in reply.headers
    if mimetype == "text/html":
        assert reply.get_data(as_text=True).startswith("<html>")
    else:
        assert set(reply.json) == {"status", "message", "details"}


def test_fault__429_with_retry_after(vision, client):
    _fault(client, endpoint="GET /api/v4/searches/700", fault="429", retryAfter=7)

    reply = vision.get("/api/v4/searches/700")

    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == "7"
    assert reply.json["status"] == "TOO_MANY_REQUESTS"


def test_fault__empty_body(vision, client):
    _fault(client, endpoint="GET /api/v4/searches/700", fault="empty")

    reply = vision.get("/api/v4/searches/700")

    assert reply.status_code == 200
    assert reply.data == b""


def test_fault__status_override(vision, client):
    _fault(client, endpoint="GET /api/v4/searches/700", fault="empty", status=503)

    assert vision.get("/api/v4/searches/700").status_code == 503


def test_fault__expired_token(vision, client):
    _fault(client, endpoint="* /api/v4/*", fault="expired_token")

    reply = vision.get("/api/v4/searches/700")

    assert reply.status_code == 401
    assert reply.json == {"error": "invalid_token",
                          "error_description": "Access token expired"}
    assert vision.get("/api/v4/searches/700").status_code == 200


def test_fault__count_then_normal_replies(vision, client):
    _fault(client, endpoint="GET /api/v4/searches/700", fault="503", count=2)

    statuses = [vision.get("/api/v4/searches/700").status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_fault__only_matching_method_and_path(vision, client):
    _fault(client, endpoint="POST /api/v4/searches", fault="500")

    listed = vision.get("/api/v4/searches")
    other = vision.get("/api/v4/searches/700")
    created = vision.post("/api/v4/searches", json={})

    statuses = (listed.status_code, other.status_code, created.status_code)
    assert statuses == (200, 200, 500)


def test_fault__token_service_too(client):
    _fault(client, endpoint="POST /uaa/oauth/token", fault="502")

    reply = client.post("/uaa/oauth/token", data={"grant_type": "client_credentials"})

    assert reply.status_code == 502


def test_fault__control_plane_is_never_faulted(client):
    _fault(client, endpoint="* *", fault="500")

    assert client.get("/_emulator/clock").status_code == 200
    assert client.get("/actuator/health").status_code == 500


def test_fault__drop_in_process(vision, client):
    _fault(client, endpoint="GET /api/v4/searches/700", fault="drop")

    with pytest.raises(ConnectionDropped):
        vision.get("/api/v4/searches/700")
    assert vision.get("/api/v4/searches/700").status_code == 200


def test_fault__slow_waits_then_answers(backend):
    waits = []
    app = create_app(backend)
    app.extensions["vision_emulator"].faults = FaultPlan(sleep=waits.append)
    client = app.test_client()
    _fault(client, endpoint="GET /actuator/health", fault="slow", delay=2.5)

    reply = client.get("/actuator/health")

    assert waits == [2.5]
    assert reply.json == {"status": "UP"}


def test_fault__list_and_clear(client):
    _fault(client, endpoint="GET /api/*", fault="503", count=4, retryAfter=3)

    listed = client.get("/_emulator/faults").json
    client.delete("/_emulator/faults")

    assert listed == [{"endpoint": "GET /api/*", "fault": "503", "count": 4,
                       "retryAfter": 3, "delay": 5.0, "status": None}]
    assert client.get("/_emulator/faults").json == []


@pytest.mark.parametrize("body", [
    pytest.param({"endpoint": "GET /x", "fault": "explode"}, id="unknown-fault"),
    pytest.param({"endpoint": "/x", "fault": "500"}, id="no-method"),
    pytest.param({"endpoint": "GET /x", "fault": "500", "count": 0}, id="count"),
    pytest.param({"endpoint": "GET /x", "fault": "429", "retryAfter": "soon"},
                 id="retry-after"),
])
def test_fault__invalid_rule(client, body):
    reply = client.post("/_emulator/faults", json=body)

    assert reply.status_code == 400
    assert reply.json["status"] == "BAD_REQUEST"


def test_parse_spec():
    rule = parse_spec("GET /api/v4/searches/*=429,count=2,retryAfter=1")

    assert rule == FaultRule(method="GET", path="/api/v4/searches/*", fault="429",
                             count=2, retry_after=1)


@pytest.mark.parametrize("spec", ["GET /x", "/x=500", "GET /x=", "GET /x=nope"])
def test_parse_spec__invalid(spec):
    with pytest.raises(ValueError):
        parse_spec(spec)


def test_start_flag_faults():
    client = create_app(faults=["GET /actuator/health=503,count=1"],
                        frozen_at=FROZEN_AT).test_client()

    statuses = [client.get("/actuator/health").status_code for _ in range(2)]

    assert statuses == [503, 200]


def test_serve__dropped_connection_is_a_connection_error():
    with serve(faults=["GET /actuator/health=drop"]) as server:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/actuator/health", timeout=30)
        after = requests.get(f"{server.url}/actuator/health", timeout=30)

    assert after.json() == {"status": "UP"}
    assert [entry["status"] for entry in server.requests] == [None, 200]


def test_serve__retry_after_header_reaches_the_client():
    with serve() as server:
        server.faults.add(parse_spec("POST /uaa/oauth/token=429,retryAfter=2"))
        reply = requests.post(f"{server.url}/uaa/oauth/token", timeout=30,
                              data={"grant_type": "client_credentials"})

    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == "2"
