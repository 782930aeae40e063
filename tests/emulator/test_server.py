"""The emulator as a real loopback server, used with requests as a client would."""

import io
import zipfile

import pytest
import requests

from vision_emulator import serve
from vision_emulator import __main__ as command_line
from vision_emulator.__main__ import main, parse_args
from vision_emulator.app import check_loopback, server_url

from .support import REFERENCE_ID


@pytest.fixture(scope="module")
def server():
    with serve(port=0, token_lifetime=120) as running:
        yield running


@pytest.fixture
def session(server):
    token = requests.post(f"{server.url}/uaa/oauth/token", timeout=30, data={
        "grant_type": "client_credentials", "client_id": server.client_id,
        "client_secret": server.client_secret}).json()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"
    yield http
    http.close()


def test_serve__url_and_credentials(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert int(server.url.rsplit(":", 1)[1]) > 0
    assert (server.client_id, server.client_secret) == ("xsoar-demo",
                                                        "vision-demo-secret")
    assert server.backend.settings["tokenLifetime"] == 120


def test_serve__hunt_from_search_to_download(server, session):
    created = session.post(f"{server.url}/api/v4/searches", timeout=30,
                           json={"subjects": ["Action required: invoice*"]}).json()
    query = [("size", 50), ("sort", "sentOn,desc")]
    results = session.get(f"{server.url}/api/v4/searches/{created['id']}/results",
                          params=query, timeout=30).json()
    message = results["messages"][0]
    recipient = message["recipients"][0]["address"]
    token = session.post(f"{server.url}/api/v4/messages", timeout=30, json={
        "internetMessageId": message["internetMessageId"],
        "recipientAddress": recipient}).text
    download = session.get(f"{server.url}/api/v4/messages", params={"token": token},
                           timeout=30)

    sent = [item["sentOn"] for item in results["messages"]]
    assert sent == sorted(sent, reverse=True)
    assert all(m["subject"].startswith("Action required: invoice")
               for m in results["messages"])
    stored = server.backend.mailbox.find(message["internetMessageId"], recipient)
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.read(archive.namelist()[0]) == stored.raw


def test_serve__message_id_in_a_query_string(server, session):
    reply = session.get(f"{server.url}/api/v4/messages/metadata", timeout=30, params={
        "internetMessageId": REFERENCE_ID, "recipientAddress": "abc@example.com"})

    assert reply.json()["internetMessageId"] == REFERENCE_ID


def test_serve__control_plane(server, session):
    before = requests.get(f"{server.url}/_emulator/clock", timeout=30).json()["now"]
    advanced = requests.post(f"{server.url}/_emulator/clock/advance", timeout=30,
                             json={"seconds": 121}).json()["now"]
    expired = session.get(f"{server.url}/api/v4/searches/700", timeout=30)

    assert advanced > before
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com", "::"])
def test_serve__refuses_non_loopback_hosts(host):
    with pytest.raises(ValueError):
        check_loopback(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_serve__accepts_loopback_hosts(host):
    assert check_loopback(host) is None


def test_command_line_arguments():
    args = parse_args(["--port", "0", "--token-lifetime", "30", "--fault",
                       "GET /x=500", "--fault", "POST /y=drop", "--eml-dir", "mail"])

    assert (args.host, args.port, args.token_lifetime) == ("127.0.0.1", 0, 30)
    assert args.fault == ["GET /x=500", "POST /y=drop"]
    assert args.eml_dir == "mail" and args.no_samples is False
    assert (args.client_id, args.client_secret) == ("xsoar-demo", "vision-demo-secret")


def test_command_line__refuses_a_public_address(capsys):
    status = main(["--host", "0.0.0.0", "--port", "0"])

    assert status == 2
    assert "loopback only" in capsys.readouterr().err


@pytest.mark.parametrize("host, url", [
    ("127.0.0.1", "http://127.0.0.1:8780"),
    ("localhost", "http://localhost:8780"),
    ("::1", "http://[::1]:8780"),
])
def test_server_url__brackets_ipv6_hosts(host, url):
    assert server_url(host, 8780) == url


def test_command_line__prints_an_ipv6_url_in_brackets(monkeypatch, capsys):
    def stopping_server(*args):
        server = make_server(*args)
        server.serve_forever = stop
        return server

    def stop():
        raise KeyboardInterrupt

    make_server = command_line.make_emulator_server
    monkeypatch.setattr(command_line, "make_emulator_server", stopping_server)

    status = main(["--host", "::1", "--port", "0"])

    printed = capsys.readouterr().out
    assert status == 0
    assert printed.startswith("Cofense Vision emulator on http://[::1]:")
    port = printed.split("]:", 1)[1].split(" ", 1)[0]
    assert int(port) > 0
