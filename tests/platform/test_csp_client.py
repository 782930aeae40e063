"""BaseClient against requests-mock: statuses, casts, errors and side effects (B.7)."""

import errno
import os

import pytest
import requests
import requests_mock as requests_mock_module

import CommonServerPython as csp
from CommonServerPython import BaseClient, DemistoException

BASE = "https://vision.example"
PLAIN_BASE = "http://vision.example"


@pytest.fixture
def http():
    with requests_mock_module.Mocker() as mocker:
        yield mocker


@pytest.fixture
def client(monkeypatch) -> BaseClient:
    for name in ("REQUESTS_TIMEOUT", "REQUESTS_TIMEOUT.Cofense Vision"):
        monkeypatch.delenv(name, raising=False)
    return BaseClient(BASE, headers={"Accept": "application/json"})


def test_json_reply_and_url_join(client, http):
    http.get(f"{BASE}/api/v4/x", json={"a": 1})

    assert client._http_request("GET", "/api/v4/x", params={"q": "1"}) == {"a": 1}
    assert http.last_request.qs == {"q": ["1"]}
    assert http.last_request.headers["Accept"] == "application/json"
    assert http.last_request.timeout == 60


@pytest.mark.parametrize(
    ("resp_type", "expected"),
    [
        ("text", "<a/>"),
        ("content", b"<a/>"),
        ("response", requests.Response),
        ("xml", requests.Response),
        ("other", requests.Response),
    ],
)
def test_resp_types(client, http, resp_type, expected):
    http.get(f"{BASE}/x", text="<a/>")

    reply = client._http_request("GET", "/x", resp_type=resp_type)

    if isinstance(expected, type):
        assert isinstance(reply, expected)
    else:
        assert reply == expected


def test_error_message_with_json_body(client, http):
    http.get(f"{BASE}/x", status_code=404, reason="Not Found", json={"error": "gone"})

    with pytest.raises(DemistoException) as error:
        client._http_request("GET", "/x")

    assert str(error.value) == 'Error in API call [404] - Not Found\n{"error": "gone"}'
    assert error.value.res.status_code == 404


def test_error_message_with_text_body(client, http):
    http.get(f"{BASE}/x", status_code=500, reason="Server Error", text="oops")

    with pytest.raises(DemistoException) as error:
        client._http_request("GET", "/x")

    assert str(error.value) == "Error in API call [500] - Server Error\noops"


def test_ok_codes_replace_the_default_check(client, http):
    http.get(f"{BASE}/x", status_code=404, json={"missing": True})
    http.get(f"{BASE}/y", status_code=200, json={})

    assert client._http_request("GET", "/x", ok_codes=(404,)) == {"missing": True}
    with pytest.raises(DemistoException, match=r"^Error in API call \[200\]"):
        client._http_request("GET", "/y", ok_codes=(201,))


def test_a_custom_error_handler_that_returns_lets_processing_go_on(client, http):
    http.get(f"{BASE}/x", status_code=400, json={"soft": "error"})
    seen = []

    reply = client._http_request("GET", "/x", error_handler=seen.append)

    assert reply == {"soft": "error"}
    assert [response.status_code for response in seen] == [400]


def test_204_needs_return_empty_response(client, http):
    http.delete(f"{BASE}/x", status_code=204)

    empty = client._http_request("DELETE", "/x", return_empty_response=True)
    with pytest.raises(DemistoException) as error:
        client._http_request("DELETE", "/x")

    assert empty.status_code == 204
    assert str(error.value) == "Failed to parse json object from response: b''"
    assert isinstance(error.value.exception, ValueError)


def test_empty_valid_codes(client, http):
    http.post(f"{BASE}/x", status_code=202, text="")

    reply = client._http_request(
        "POST", "/x", empty_valid_codes=[202], return_empty_response=True
    )

    assert reply.status_code == 202


def test_headers_and_auth_replace_the_defaults(client, http):
    http.get(f"{BASE}/x", json={})

    client._http_request("GET", "/x", headers={"X-Only": "1"}, full_url=f"{BASE}/x")

    assert http.last_request.headers["Accept"] == "*/*"
    assert http.last_request.headers["X-Only"] == "1"


def test_params_parser_pre_encodes(client, http):
    from urllib.parse import quote

    http.get(f"{BASE}/x", json={})

    client._http_request("GET", "/x", params={"q": "a b"}, params_parser=quote)

    assert http.last_request.url == f"{BASE}/x?q=a%20b"


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        pytest.param(
            requests.exceptions.ConnectTimeout,
            csp._CONNECT_TIMEOUT_MESSAGE,
            id="connect-timeout",
        ),
        pytest.param(requests.exceptions.SSLError, csp._SSL_MESSAGE, id="ssl"),
        pytest.param(requests.exceptions.ProxyError, csp._PROXY_MESSAGE, id="proxy"),
    ],
)
def test_transport_errors_are_translated(client, http, raised, message):
    http.get(f"{BASE}/x", exc=raised("low level"))

    with pytest.raises(DemistoException) as error:
        client._http_request("GET", "/x")

    assert str(error.value) == message
    assert isinstance(error.value.exception, raised)


def test_exact_transport_messages():
    assert csp._CONNECT_TIMEOUT_MESSAGE == (
        "Connection Timeout Error - potential reasons might be that the Server URL "
        "parameter is incorrect or that the Server is not accessible from your host."
    )
    assert csp._SSL_MESSAGE == (
        "SSL Certificate Verification Failed - try selecting 'Trust any certificate' "
        "checkbox in the integration configuration."
    )
    assert csp._PROXY_MESSAGE == (
        "Proxy Error - if the 'Use system proxy' checkbox in the integration "
        "configuration is selected, try clearing the checkbox."
    )


def test_connection_error_message_with_errno(client, http):
    http.get(
        f"{BASE}/x",
        exc=requests.exceptions.ConnectionError(
            errno.ECONNREFUSED, "Connection refused"
        ),
    )

    with pytest.raises(DemistoException) as error:
        client._http_request("GET", "/x")

    assert str(error.value) == (
        "Verify that the server URL parameter is correct and that you have access to "
        "the server from your host.\nError Type: <requests.exceptions.ConnectionError>"
        f"\nError Number: [{errno.ECONNREFUSED}]\nMessage: Connection refused\n"
    )


def test_connection_error_message_without_errno(client, http):
    http.get(f"{BASE}/x", exc=requests.exceptions.ConnectionError("reset by peer"))

    with pytest.raises(DemistoException) as error:
        client._http_request("GET", "/x")

    assert str(error.value).endswith(
        "\nError Type: <requests.exceptions.ConnectionError>\nreset by peer"
    )


def test_ssl_error_is_raised_unchanged_without_verification(http, monkeypatch):
    http.get(f"{BASE}/x", exc=requests.exceptions.SSLError("bad cert"))
    client = BaseClient(BASE, verify=False)

    with pytest.raises(requests.exceptions.SSLError):
        client._http_request("GET", "/x")


def test_read_timeout_is_not_wrapped(client, http):
    http.get(f"{BASE}/x", exc=requests.exceptions.ReadTimeout("slow"))

    with pytest.raises(requests.exceptions.ReadTimeout):
        client._http_request("GET", "/x")


def test_retry_error_message(client, http):
    http.get(f"{BASE}/x", exc=requests.exceptions.RetryError("gave up"))

    with pytest.raises(DemistoException) as error:
        client._http_request("GET", "/x", retries=2)

    assert str(error.value) == (
        "Max Retries Error- Request attempts with 2 retries failed. \n"
    )


def test_retries_are_mounted_on_https_only():
    client = BaseClient(PLAIN_BASE)

    client._implement_retry(retries=3, status_list_to_retry=[503])

    https_retry = client._session.get_adapter("https://a").max_retries
    assert (https_retry.total, https_retry.status_forcelist) == (3, [503])
    assert client._session.get_adapter("http://a").max_retries.total == 0


def test_environment_side_effects(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    monkeypatch.setenv("http_proxy", "proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/ca.pem")

    BaseClient(BASE, proxy=True)
    assert os.environ["HTTPS_PROXY"] == "http://proxy.example:3128"
    BaseClient(BASE, proxy=False, verify=False)

    assert [
        name
        for name in ("HTTPS_PROXY", "http_proxy", "REQUESTS_CA_BUNDLE")
        if name in os.environ
    ] == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 33.0),
        ({"REQUESTS_TIMEOUT": "12"}, 12.0),
        ({"REQUESTS_TIMEOUT": "12", "REQUESTS_TIMEOUT.Cofense Vision": "7"}, 7.0),
    ],
)
def test_timeout_from_environment(monkeypatch, env, expected):
    for name in ("REQUESTS_TIMEOUT", "REQUESTS_TIMEOUT.Cofense Vision"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert BaseClient(BASE, timeout=33).timeout == expected


def test_handle_proxy(monkeypatch):
    monkeypatch.setattr(
        csp.demisto, "params", lambda: {"proxy": True, "insecure": True}
    )
    monkeypatch.setenv("HTTP_PROXY", "p.example:1")
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv("CURL_CA_BUNDLE", "/ca.pem")

    assert csp.handle_proxy() == {"http": "http://p.example:1", "https": ""}
    assert "CURL_CA_BUNDLE" not in os.environ


def test_determine_error_type(client):
    response = requests.Response()
    kinds = []
    for status in (401, 429, 500, 418):
        response.status_code = status
        kinds.append(client.determine_error_type(response))

    assert kinds == ["AuthError", "QuotaError", "ServiceError", "GeneralError"]
