"""The control plane: reset, clock, settings, request log and pending jobs."""

import pytest

from .support import CLIENT_SECRET


def test_clock(client):
    reply = client.get("/_emulator/clock")

    assert reply.json == {"now": "2022-08-10T04:25:00.626+00:00"}


def test_clock_advance(client):
    reply = client.post("/_emulator/clock/advance", json={"seconds": 90})

    assert reply.json == {"now": "2022-08-10T04:26:30.626+00:00"}
    assert client.get("/_emulator/clock").json == reply.json


@pytest.mark.parametrize("body", [
    {"seconds": -1}, {"seconds": "5"}, {}, {"seconds": True}])
def test_clock_advance__invalid(client, body):
    reply = client.post("/_emulator/clock/advance", json=body)

    assert reply.status_code == 400
    assert reply.json["details"] == ["seconds"]


def test_settings(client, backend):
    reply = client.post("/_emulator/settings", json={
        "tokenLifetime": 30, "autoQuarantine": True, "autoQuarantineApproval": True})

    expected = {"tokenLifetime": 30, "autoQuarantine": True,
                "autoQuarantineApproval": True}
    assert reply.json == expected
    assert backend.settings == expected
    assert client.get("/_emulator/settings").json == expected


@pytest.mark.parametrize("body, detail", [
    pytest.param({"tokenLifetime": "30"}, "tokenLifetime", id="type"),
    pytest.param({"tokenLifetime": 0}, "tokenLifetime", id="zero"),
    pytest.param({"autoQuarantine": 1}, "autoQuarantine", id="bool"),
    pytest.param({"colour": "red"}, "colour", id="unknown"),
])
def test_settings__invalid(client, backend, body, detail):
    reply = client.post("/_emulator/settings", json=body)

    assert reply.status_code == 400
    assert reply.json["details"] == [detail]
    assert backend.settings["tokenLifetime"] == 1799


def test_reset(vision, client, backend):
    vision.create_search(subjects=["x"])
    client.post("/_emulator/settings", json={"tokenLifetime": 30})
    client.post("/_emulator/clock/advance", json={"seconds": 600})
    client.post("/_emulator/faults", json={"endpoint": "GET /x", "fault": "500"})
    backend.mailbox.messages[0].quarantined.add("abc@example.com")

    reply = client.post("/_emulator/reset")

    assert reply.json == {"reset": True}
    assert max(search.id for search in backend.searches.searches) == 700
    assert backend.settings["tokenLifetime"] == 1799
    assert client.get("/_emulator/clock").json["now"].startswith("2022-08-10T04:25:00")
    assert client.get("/_emulator/faults").json == []
    assert backend.mailbox.messages[0].quarantined == set()
    assert client.get("/_emulator/requests").json == []
    assert vision.get("/api/v4/searches/700").status_code == 401


def test_request_log(vision, client):
    client.delete("/_emulator/requests")

    vision.get("/api/v4/searches?size=2&sort=id,desc")
    vision.get("/api/v4/searches/123456")
    client.get("/_emulator/clock")

    assert client.get("/_emulator/requests").json == [
        {"method": "GET", "path": "/api/v4/searches", "query": "size=2&sort=id,desc",
         "status": 200},
        {"method": "GET", "path": "/api/v4/searches/123456", "query": "",
         "status": 404},
    ]


def test_request_log__never_holds_credentials(client):
    client.post("/uaa/oauth/token", data={"grant_type": "client_credentials",
                                          "client_id": "x", "client_secret": "y"})

    assert CLIENT_SECRET not in str(client.get("/_emulator/requests").json)
    assert client.get("/_emulator/requests").json[-1]["query"] == ""


def test_request_log__info_line_per_request(vision, caplog):
    caplog.set_level("INFO", logger="vision_emulator.requests")

    vision.get("/api/v4/messages", query_string={"token": "0000-secret-token"})

    [record] = caplog.records
    assert record.getMessage().startswith("GET /api/v4/messages 400 ")
    assert record.getMessage().endswith(" ms")
    assert "secret-token" not in caplog.text and "Bearer" not in caplog.text


def test_pending_quarantine_job__without_the_quarantine_part(client, backend):
    backend.quarantine = None

    reply = client.post("/_emulator/quarantine-jobs/pending", json={
        "quarantineEmails": [{"internetMessageId": "<a@b>",
                              "recipientAddress": "abc@example.com"}]})

    assert reply.status_code == 404
    assert reply.json["message"] == (
        "The quarantine part of the emulator is not installed")


def test_unknown_path(vision):
    reply = vision.get("/api/v4/nothing-here")

    assert reply.status_code == 404
    assert reply.json == {"status": "NOT_FOUND", "message": "No handler for this path",
                          "details": []}


def test_wrong_method(vision):
    reply = vision.client.put("/api/v4/searches/700", headers=vision.headers)

    assert reply.status_code == 405
    assert reply.json["status"] == "METHOD_NOT_ALLOWED"
