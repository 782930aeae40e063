"""Unit tests of the Cofense Vision integration, one class per command.

HTTP is mocked at the transport with requests_mock, the token service included. Replies
come from test_data/<command>_response.json (Vision's shapes, built from the command
reference) and the expected War Room tables from test_data/<command>_readable.md.
The integration context lives in a dict per test; nothing here sleeps or measures time.
"""

import functools
import hashlib
import io
import json
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st
from requests_mock import ANY as ANY_METHOD
from urllib3 import HTTPResponse

import CofenseVision as vision
import demistomock as demisto
from CommonServerPython import Common, DBotScoreReliability, DemistoException

BASE_URL = "https://vision.example.com"
TOKEN_PATH = "/uaa/oauth/token"
CLIENT_ID = "xsoar-client"
CLIENT_SECRET = "client-secret-9f8e7d"
ACCESS_TOKEN = "access-token-1a2b3c"
TOKEN_LIFETIME = 1799
FROZEN_NOW = "2022-08-10T04:25:23Z"
TEST_DATA = pathlib.Path(__file__).parent / "test_data"

MESSAGE_ID = "<1216208547.160.1658930322668@6d14a4fa9032>"
IOC_ID = "bb931fec9d9672a9e307456133223b2e"
MD5 = "3d0e1d68f12afee22ae3e79e01027c7a"
SHA256 = "ca68f5eecd5822783911ed392fbff3c171d3a1854c0f992364d038ee447f8ac3"
DATE_FORMS = (
    "N minutes, N hours, N days, N weeks, N months or N years, yyyy-mm-dd, "
    "or yyyy-mm-ddTHH:MM:SSZ"
)
QUARANTINE_FORM = "<internet message id>:recipient@example.com, separated by commas"
VENDOR = "Cofense Vision"


# ------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------


def load_reply(name: str):
    """A recorded Vision reply from test_data/<name>_response.json."""
    return json.loads((TEST_DATA / f"{name}_response.json").read_text(encoding="utf-8"))


def load_readable(name: str) -> str:
    """A golden War Room table from test_data/<name>_readable.md."""
    return (TEST_DATA / f"{name}_readable.md").read_text(encoding="utf-8")


def path_of(request) -> str:
    """The request path with its case kept (requests_mock lower-cases its own copy)."""
    return urlsplit(request.url).path


def query_of(request) -> list[tuple[str, str]]:
    """The query string as ordered pairs, so repeated keys and their order show."""
    return parse_qsl(urlsplit(request.url).query, keep_blank_values=True)


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of each data row of the first table, split at unescaped pipes."""
    lines = [line for line in markdown.split("\n") if line.startswith("| ")]
    return [
        [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines
    ]


def dbot_scores(results) -> list[dict]:
    return results.to_context()["EntryContext"].get(Common.DBotScore.CONTEXT_PATH, [])


def stored_ioc(item: dict) -> dict:
    """What the repository answers for one upserted IOC: the item plus its id."""
    attributes = item["attributes"]
    text = attributes["threat_type"] + attributes["threat_value"]
    return {**item, "id": hashlib.md5(text.encode()).hexdigest()}


def echo_upsert(request, context):
    return {"data": [stored_ioc(item) for item in request.json()["data"]]}


def ioc_record(threat_type: str, value: str, level: str | None = "Malicious") -> dict:
    """A repository IOC with the given threat type, value and level."""
    return stored_ioc(
        {
            "type": "ioc",
            "attributes": {"threat_type": threat_type, "threat_value": value},
            "metadata": {"source": {"threat_level": level, "id": "src-1"}},
        }
    )


def malicious(level: str = "Malicious") -> dict:
    return {"Vendor": VENDOR, "Description": f"Cofense Vision threat level: {level}"}


def dbot(
    indicator: str,
    indicator_type: str,
    score: int,
    reliability: str = DBotScoreReliability.B,
) -> dict:
    return {
        "Indicator": indicator,
        "Type": indicator_type,
        "Vendor": VENDOR,
        "Score": score,
        "Reliability": reliability,
    }


class Clock:
    """An injected clock for the token cache, in epoch seconds."""

    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


# ------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------


class ContextStore:
    """The integration context of one instance, as the platform keeps it."""

    def __init__(self):
        self.value: dict | None = {}

    def get(self, *args, **kwargs):
        return self.value

    def set(self, context, *args, **kwargs):
        self.value = context


@pytest.fixture(autouse=True)
def integration_context(monkeypatch) -> ContextStore:
    """Each test starts with an empty integration context and no platform brand."""
    store = ContextStore()
    monkeypatch.setattr(vision, "get_integration_context", store.get)
    monkeypatch.setattr(vision, "set_integration_context", store.set)
    monkeypatch.setattr(demisto, "callingContext", {}, raising=False)
    return store


@pytest.fixture(autouse=True)
def token_service(requests_mock):
    """Vision's token service, answering with ACCESS_TOKEN."""
    return requests_mock.post(
        BASE_URL + TOKEN_PATH,
        json={
            "access_token": ACCESS_TOKEN,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": "read write",
        },
    )


@pytest.fixture
def client() -> vision.Client:
    return vision.Client(BASE_URL, CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def files(monkeypatch, tmp_path):
    """A working folder and fixed file ids, as fileResult would use them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demisto, "uniqueFile", lambda: "file-id-1")
    monkeypatch.setattr(demisto, "investigation", lambda: {"id": "42"})
    return tmp_path / "42_file-id-1"


class CommandTest:
    """Shared arrangement of the command classes: client, transport and verdicts."""

    command = ""
    prefix = ""
    key_field = "id"

    @pytest.fixture(autouse=True)
    def _arrange(self, client, requests_mock):
        self.client = client
        self.http = requests_mock
        self.verdicts = vision.Verdicts(reliability=DBotScoreReliability.B)

    def run(self, args: dict | None = None, command: str | None = None):
        """Runs a command through the integration's own command tables."""
        name = command or self.command
        if name in vision.IOC_COMMANDS:
            return vision.IOC_COMMANDS[name](self.client, args or {}, self.verdicts)
        return vision.COMMANDS[name](self.client, args or {})

    def reply(self, method: str, path: str, **response):
        return self.http.register_uri(method, BASE_URL + path, **response)

    def replay(self, name: str, method: str, path: str, args: dict | None = None):
        """Runs the command on the recorded reply test_data/<name>_response.json."""
        reply = load_reply(name)
        self.reply(method, path, json=reply)
        return self.run(args), reply

    def assert_results(self, results, outputs, readable: str, raw=None):
        """The CommandResults under the class's prefix and key field."""
        assert results.outputs_prefix == self.prefix
        assert results.outputs_key_field == self.key_field
        assert results.outputs == outputs
        assert results.readable_output == readable
        assert results.raw_response == (outputs if raw is None else raw)

    def api_calls(self) -> list:
        return [
            call for call in self.http.request_history if path_of(call) != TOKEN_PATH
        ]

    def only_call(self):
        calls = self.api_calls()
        assert len(calls) == 1
        return calls[0]

    def assert_refused(self, args: dict, message: str, command: str | None = None):
        """The command refuses its arguments with `message` before any request."""
        with pytest.raises(ValueError) as error:
            self.run(args, command)
        assert str(error.value) == message
        assert self.http.request_history == []


def assert_sent(request, method: str, path: str, query=(), body=None, source=None):
    """One API request: method, path, ordered query, JSON body and headers."""
    assert (request.method, path_of(request)) == (method, path)
    assert query_of(request) == list(query)
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers.get("X-Cofense-IOC-Source") == source
    if body is None:
        assert not request.body
    else:
        assert request.json() == body


# ------------------------------------------------------------------------------------
# Messages and attachments
# ------------------------------------------------------------------------------------


class TestMessageTokenGet(CommandTest):
    command = "cofense-message-token-get"
    prefix = "Cofense.Message"
    key_field = "internetMessageId"
    args = {"internet_message_id": MESSAGE_ID, "recipient_address": "abc@example.com"}
    token = "de7475a4-3802-46c1-8e4c-2665912445c0"

    def test_posts_the_pair_and_shows_the_one_time_token(self):
        """Given id and recipient, When asking a token, Then Vision's text is shown."""
        self.reply("POST", "/api/v4/messages", text=self.token)

        results = self.run(self.args)

        body = {"internetMessageId": MESSAGE_ID, "recipientAddress": "abc@example.com"}
        assert_sent(self.only_call(), "POST", "/api/v4/messages", body=body)
        record = {
            "internetMessageId": MESSAGE_ID,
            "recipients": [{"address": "abc@example.com"}],
            "token": self.token,
        }
        self.assert_results(
            results,
            record,
            load_readable("message_token_get"),
        )

    def test_a_page_instead_of_a_token_is_refused(self):
        """Given an HTML 200, When asking a token, Then an error, not a token."""
        self.reply("POST", "/api/v4/messages", text="<html><body>OK</body></html>",
                   headers={"Content-Type": "text/html"})

        with pytest.raises(DemistoException) as error:
            self.run(self.args)

        assert str(error.value) == (
            "Cofense Vision answered HTTP 200 to POST /api/v4/messages with something "
            "other than a one-time token (text/html); request a new one, and check the "
            "Server URL and any proxy in between."
        )

    def test_password_is_sent_and_never_shown(self):
        """Given a zip password, When asking a token, Then only the request has it."""
        self.reply("POST", "/api/v4/messages", text=f'"{self.token}"\n')

        results = self.run({**self.args, "password": "Zip-Pa55word"})

        assert self.only_call().json()["password"] == "Zip-Pa55word"
        assert results.outputs["token"] == self.token
        assert "Zip-Pa55word" not in json.dumps(results.to_context())

    @pytest.mark.parametrize(
        "name, value, message",
        [
            pytest.param(
                "internet_message_id",
                "abc@example.com",
                '"internet_message_id" must be an internet message ID in angle '
                'brackets, for example <abc123@example.com>; got "abc@example.com".',
                id="id-without-brackets",
            ),
            pytest.param(
                "recipient_address",
                "not-an-address",
                '"recipient_address" must be an email address such as '
                'user@example.com; got "not-an-address".',
                id="bad-recipient",
            ),
            pytest.param(
                "recipient_address",
                "",
                'The argument "recipient_address" is required.',
                id="missing-recipient",
            ),
        ],
    )
    def test_bad_arguments_are_refused_before_any_request(self, name, value, message):
        """Given a malformed argument, When running, Then it is named, nothing sent."""
        self.assert_refused({**self.args, name: value}, message)


class TestMessageMetadataGet(CommandTest):
    command = "cofense-message-metadata-get"
    prefix = "Cofense.Message"
    args = {"internet_message_id": MESSAGE_ID, "recipient_address": "abc@example.com"}

    def test_reads_the_message_by_id_and_recipient(self):
        """Given the reference's message, When read, Then outputs and table match."""
        results, message = self.replay(
            "message_metadata_get", "GET", "/api/v4/messages/metadata", self.args
        )

        query = [
            ("internetMessageId", MESSAGE_ID),
            ("recipientAddress", "abc@example.com"),
        ]
        assert_sent(self.only_call(), "GET", "/api/v4/messages/metadata", query)
        self.assert_results(
            results,
            message,
            load_readable("message_metadata_get"),
        )

    def test_markdown_in_a_subject_cannot_plant_a_link_or_break_the_table(self):
        """Given a hostile subject, When shown, Then it is escaped in its own cell."""
        message = {"id": 1, "subject": "[click](http://evil)|x\nnext `code` <b>"}
        self.reply("GET", "/api/v4/messages/metadata", json=message)

        results = self.run(self.args)

        rows = table_rows(results.readable_output)
        assert len(rows) == 1 and len(rows[0]) == len(vision.MESSAGE_METADATA_COLUMNS)
        assert rows[0][1] == (r"\[click\]\(http://evil\)\|x<br>next \`code\` \<b\>")
        assert "](" not in results.readable_output

    def test_offsets_in_dates_are_shown_in_utc(self):
        """Given dates with offsets, When shown, Then UTC on a 12-hour clock."""
        message = {
            "id": 2,
            "receivedOn": "2022-07-27T13:58:44.000+02:00",
            "sentOn": "2022-07-27T00:05:00Z",
            "processedOn": "2022-07-27T12:30:00.123456789",
        }
        self.reply("GET", "/api/v4/messages/metadata", json=message)

        results = self.run(self.args)

        assert table_rows(results.readable_output)[0][2:5] == [
            "27/07/2022, 11:58 AM UTC",
            "27/07/2022, 12:05 AM UTC",
            "27/07/2022, 12:30 PM UTC",
        ]


class TestMessageGet(CommandTest):
    command = "cofense-message-get"
    token = "fbbeff70-2c17-4d67-a741-3d8a7e394005"

    def test_streams_the_zip_into_the_file_of_the_entry(self, files):
        """Given a token, When downloading, Then the bytes land in the entry's file."""
        content = b"PK\x03\x04" + bytes(range(256)) * 10
        self.reply("GET", "/api/v4/messages", content=content)

        entry = self.run({"token": self.token})

        assert_sent(
            self.only_call(), "GET", "/api/v4/messages", [("token", self.token)]
        )
        assert files.read_bytes() == content
        assert entry == {
            "Contents": "",
            "ContentsFormat": "text",
            "Type": 3,
            "File": f"{self.token}.zip",
            "FileID": "file-id-1",
        }

    def test_a_broken_stream_leaves_no_partial_file(self, files):
        """Given a body cut short, When downloading, Then no file stays."""

        class BrokenBody(io.BytesIO):
            def read(self, *args, **kwargs):
                raise OSError("connection reset by peer")

        self.reply("GET", "/api/v4/messages", body=BrokenBody(b"PK"))

        with pytest.raises(DemistoException) as error:
            self.run({"token": self.token})

        assert str(error.value) == (
            "The connection to Cofense Vision broke while GET /api/v4/messages was "
            "downloading; nothing was kept. The token is used up; get a new one with "
            "cofense-message-token-get."
        )
        assert not files.exists()

    @pytest.mark.parametrize(
        "content, content_type, message",
        [
            pytest.param(
                b"<html><body>Gateway says hello</body></html>",
                "text/html",
                "Cofense Vision answered GET /api/v4/messages with something other "
                "than a zip archive (text/html). Retry the command; if it persists, "
                "check the Server URL and any proxy in between.",
                id="html-page",
            ),
            pytest.param(
                b"PK",
                "application/zip",
                "Cofense Vision answered GET /api/v4/messages with something other "
                "than a zip archive (application/zip). Retry the command; if it "
                "persists, check the Server URL and any proxy in between.",
                id="too-short",
            ),
            pytest.param(
                b"",
                "application/zip",
                "Cofense Vision answered GET /api/v4/messages with an empty body "
                "instead of a zip archive. Retry the command.",
                id="empty",
            ),
        ],
    )
    def test_a_reply_that_is_not_a_zip_is_refused_and_not_kept(
        self, files, content, content_type, message
    ):
        """Given a 200 that is no zip, When downloading, Then an error and no file."""
        self.reply("GET", "/api/v4/messages", content=content,
                   headers={"Content-Type": content_type})

        with pytest.raises(DemistoException) as error:
            self.run({"token": self.token})

        assert str(error.value) == message
        assert not files.exists()

    def test_a_zip_split_before_its_signature_ends_is_accepted(self, files):
        """Given a zip whose first chunk is short, When downloading, Then it is kept."""

        class Trickle(io.BytesIO):
            def read(self, size=-1, **kwargs):
                return super().read(2 if size is None or size < 0 else min(size, 2))

        content = b"PK\x03\x04rest-of-the-archive"
        self.reply("GET", "/api/v4/messages", body=Trickle(content))

        self.run({"token": self.token})

        assert files.read_bytes() == content

    @pytest.mark.parametrize("token", ["../../etc/passwd", "a b", "x" * 129])
    def test_a_token_that_is_not_vision_s_is_refused(self, token):
        """Given a malformed token, When downloading, Then nothing is requested."""
        shown = token if len(token) <= 60 else token[:59] + "…"
        self.assert_refused(
            {"token": token},
            (
                '"token" must be the one-time token from cofense-message-token-get '
                f'(letters, digits and hyphens); got "{shown}".'
            ),
        )


class TestMessageAttachmentGet(CommandTest):
    command = "cofense-message-attachment-get"

    content = b"%PDF-1.7 body"
    md5 = hashlib.md5(content).hexdigest()
    sha256 = hashlib.sha256(content).hexdigest()

    def test_streams_the_attachment_found_by_both_hashes(self, files):
        """Given md5 and sha256, When downloading, Then both are sent lower-cased."""
        self.reply("GET", "/api/v4/attachment", content=self.content)

        entry = self.run(
            {"md5": self.md5.upper(), "sha256": self.sha256, "file_name": "report.pdf"}
        )

        assert_sent(
            self.only_call(),
            "GET",
            "/api/v4/attachment",
            [("md5", self.md5), ("sha256", self.sha256)],
        )
        assert files.read_bytes() == self.content
        assert entry == {
            "Contents": "",
            "ContentsFormat": "text",
            "Type": 3,
            "File": "report.pdf",
            "FileID": "file-id-1",
        }

    def test_sha256_alone_is_enough(self, files):
        """Given only sha256, When downloading, Then only sha256 is asked."""
        self.reply("GET", "/api/v4/attachment", content=self.content)

        self.run({"sha256": self.sha256, "file_name": "a.bin"})

        assert query_of(self.only_call()) == [("sha256", self.sha256)]

    def test_bytes_without_the_hash_asked_for_come_with_a_warning(self, files):
        """Given a proxy page for the bytes, When downloading, Then a warning entry."""
        page = b"<html>Gateway</html>"
        self.reply("GET", "/api/v4/attachment", content=page)

        file_entry, warning = self.run({"md5": self.md5, "file_name": "a.pdf"})

        assert file_entry["File"] == "a.pdf" and files.read_bytes() == page
        assert warning == {
            "Type": 11,
            "ContentsFormat": "text",
            "Contents": "The file a.pdf does not have the hash asked for (it has MD5 "
            f"{hashlib.md5(page).hexdigest()}): Vision or a proxy in between sent "
            "something else. Check the file before using it.",
        }

    def test_an_empty_reply_is_refused_and_not_kept(self, files):
        """Given an empty 200, When downloading, Then an error and no file."""
        self.reply("GET", "/api/v4/attachment", content=b"")

        with pytest.raises(DemistoException) as error:
            self.run({"md5": self.md5, "file_name": "a.pdf"})

        assert str(error.value) == (
            "Cofense Vision answered GET /api/v4/attachment with an empty body instead "
            "of the attachment. Retry the command."
        )
        assert not files.exists()

    def test_an_empty_attachment_asked_for_by_its_hash_is_kept(self, files):
        """Given the empty file's hash, When downloading, Then an empty file."""
        self.reply("GET", "/api/v4/attachment", content=b"")

        entry = self.run({"md5": hashlib.md5(b"").hexdigest(), "file_name": "empty"})

        assert entry["File"] == "empty" and files.read_bytes() == b""

    @pytest.mark.parametrize(
        "file_name, safe_name",
        [
            pytest.param("../../etc/passwd", "passwd", id="unix-traversal"),
            pytest.param("..\\..\\boot.ini", "boot.ini", id="windows-traversal"),
            pytest.param("C:\\Users\\x\\evil.exe", "evil.exe", id="windows-path"),
            pytest.param('a<b>:"c|d?.txt', "a_b_c_d_.txt", id="reserved-characters"),
            pytest.param("name\x00\x1f.txt", "name_.txt", id="control-characters"),
            pytest.param("...", "attachment", id="only-dots"),
            pytest.param("x" * 300 + ".pdf", "x" * 124 + ".pdf", id="too-long"),
        ],
    )
    def test_the_file_name_cannot_choose_a_path(self, files, file_name, safe_name):
        """Given a hostile file name, When downloading, Then a safe base name."""
        self.reply("GET", "/api/v4/attachment", content=self.content)

        entry = self.run({"md5": self.md5, "file_name": file_name})

        assert entry["File"] == safe_name
        assert [path.name for path in files.parent.iterdir()] == [files.name]

    @pytest.mark.parametrize(
        "args, message",
        [
            pytest.param(
                {"md5": "xyz", "file_name": "a"},
                '"md5" must be 32 hexadecimal digits; got "xyz".',
                id="bad-md5",
            ),
            pytest.param(
                {"sha256": MD5, "file_name": "a"},
                f'"sha256" must be 64 hexadecimal digits; got "{MD5}".',
                id="bad-sha256",
            ),
            pytest.param(
                {"file_name": "a"},
                'Give "md5" (32 hexadecimal digits) or "sha256" (64 hexadecimal '
                "digits) of the attachment; at least one is needed.",
                id="no-hash",
            ),
            pytest.param(
                {"md5": MD5}, 'The argument "file_name" is required.', id="no-file-name"
            ),
        ],
    )
    def test_bad_arguments_are_refused_before_any_request(self, args, message):
        """Given bad hashes or no name, When downloading, Then nothing is requested."""
        self.assert_refused(args, message)


# ------------------------------------------------------------------------------------
# Searches
# ------------------------------------------------------------------------------------


SEARCH_SORT_FORM = (
    '"sort" takes property:order pairs with property in id, createdBy, createdDate, '
    "modifiedBy, modifiedDate, receivedAfterDate, receivedBeforeDate and order asc or "
    "desc"
)


class TestMessageSearchCreate(CommandTest):
    command = "cofense-message-search-create"
    prefix = "Cofense.Search"

    def test_the_reference_example(self):
        """Given subjects and senders, When creating, Then Vision's search is shown."""
        results, search = self.replay(
            "message_search_create",
            "POST",
            "/api/v4/searches",
            {"subjects": "test", "senders": "abc@example.com, pqr@example.com"},
        )

        assert_sent(
            self.only_call(),
            "POST",
            "/api/v4/searches",
            body={
                "subjects": ["test"],
                "senders": ["abc@example.com", "pqr@example.com"],
                "partialIngest": False,
            },
        )
        self.assert_results(
            results,
            search,
            load_readable("message_search_create"),
        )

    @freeze_time(FROZEN_NOW)
    def test_every_criterion_is_sent_in_vision_s_shape(self):
        """Given every criterion, When creating, Then the body holds Vision's fields."""
        self.reply("POST", "/api/v4/searches", json={"id": 1})

        self.run(
            {
                "subjects": "Invoice*, *urgent*",
                "senders": "*@evil.example",
                "attachment_names": "*.iso",
                "attachment_hash_match_criteria": "all",
                "attachment_hashes": f"md5:{MD5.upper()}, SHA256:{SHA256}",
                "attachment_mime_types": "application/zip",
                "attachment_exclude_mime_types": "text/plain, image/png",
                "domain_match_criteria": "ALL",
                "domains": "evil.example, bad.example",
                "whitelist_urls": "https://ok.example/x",
                "headers": "X-Mailer:v1:v2, X-Test:a, X-Originating-IP:[2001:db8::1]",
                "internet_message_id": MESSAGE_ID,
                "partial_ingest": "True",
                "received_after_date": "3 days",
                "received_before_date": "2022-08-09T16:05:44+02:00",
                "recipient": "*@example.com",
                "url": "*evil*",
            }
        )

        assert self.only_call().json() == {
            "subjects": ["Invoice*", "*urgent*"],
            "senders": ["*@evil.example"],
            "attachmentNames": ["*.iso"],
            "attachmentHashCriteria": {
                "type": "ALL",
                "attachmentHashes": [
                    {"hashType": "MD5", "hashString": MD5},
                    {"hashType": "SHA256", "hashString": SHA256},
                ],
            },
            "attachmentMimeTypes": ["application/zip"],
            "attachmentExcludeMimeTypes": ["text/plain", "image/png"],
            "domainCriteria": {
                "type": "ALL",
                "domains": ["evil.example", "bad.example"],
                "whiteListUrls": ["https://ok.example/x"],
            },
            "headers": [
                {"key": "X-Mailer", "values": ["v1", "v2"]},
                {"key": "X-Test", "values": ["a"]},
                {"key": "X-Originating-IP", "values": ["[2001:db8::1]"]},
            ],
            "internetMessageId": MESSAGE_ID,
            "partialIngest": True,
            "receivedAfterDate": "2022-08-07T04:25:23Z",
            "receivedBeforeDate": "2022-08-09T14:05:44Z",
            "recipient": "*@example.com",
            "url": "*evil*",
        }

    @pytest.mark.parametrize(
        "args, message",
        [
            pytest.param(
                {"attachment_hashes": "md6:abc"},
                '"attachment_hashes" takes hashtype:value pairs with hashtype md5 '
                '(32 hex digits) or sha256 (64 hex digits); got "md6:abc".',
                id="unknown-hash-type",
            ),
            pytest.param(
                {"subjects": "a, b, c, d"},
                '"subjects" accepts at most 3 values; got 4.',
                id="four-subjects",
            ),
            pytest.param(
                {"received_after_date": "yesterdayish"},
                f'"received_after_date" must be a date such as {DATE_FORMS} (UTC); '
                'got "yesterdayish".',
                id="unreadable-date",
            ),
            pytest.param(
                {"received_after_date": "2030 years"},
                f'"received_after_date" must be a date such as {DATE_FORMS} (UTC); '
                'got "2030 years".',
                id="before-year-one",
            ),
            pytest.param(
                {"received_before_date": "0001-01-01T00:00:00+01:00"},
                f'"received_before_date" must be a date such as {DATE_FORMS} (UTC); '
                'got "0001-01-01T00:00:00+01:00".',
                id="utc-before-year-one",
            ),
            pytest.param(
                {
                    "received_after_date": "2022-08-02",
                    "received_before_date": "2022-08-01",
                },
                '"received_after_date" must not be later than "received_before_date".',
                id="dates-reversed",
            ),
            pytest.param(
                {"headers": "X-Mailer"},
                '"headers" takes key:value pairs, for example X-Mailer:value1:value2 '
                'or X-Originating-IP:[2001:db8::1]; got "X-Mailer".',
                id="header-without-value",
            ),
            pytest.param(
                {
                    "attachment_hashes": f"md5:{MD5}",
                    "attachment_hash_match_criteria": "SOME",
                },
                '"attachment_hash_match_criteria" must be one of ANY, ALL; got "SOME".',
                id="unknown-match-criteria",
            ),
            pytest.param(
                {"partial_ingest": "maybe"},
                '"partial_ingest" must be true or false; got "maybe".',
                id="bad-boolean",
            ),
            pytest.param(
                {"internet_message_id": "abc"},
                '"internet_message_id" must be an internet message ID in angle '
                'brackets, for example <abc123@example.com>; got "abc".',
                id="bad-message-id",
            ),
        ],
    )
    def test_bad_criteria_are_refused_before_any_request(self, args, message):
        """Given a malformed criterion, When creating, Then named, nothing sent."""
        self.assert_refused(args, message)


class TestMessageSearchesList(CommandTest):
    command = "cofense-message-searches-list"
    prefix = "Cofense.Search"

    def test_default_paging_and_sort(self):
        """Given no arguments, When listing, Then page 0, 50 results, id ascending."""
        results, reply = self.replay("message_searches_list", "GET", "/api/v4/searches")

        query = [("page", "0"), ("size", "50"), ("sort", "id,asc")]
        assert_sent(self.only_call(), "GET", "/api/v4/searches", query)
        self.assert_results(
            results,
            reply["searches"],
            load_readable("message_searches_list"),
        )

    def test_each_sort_key_is_its_own_parameter_in_order(self):
        """Given three sort pairs, When listing, Then three sort parameters in order."""
        self.reply("GET", "/api/v4/searches", json={"searches": []})

        self.run(
            {
                "page": "2",
                "size": "2000",
                "sort": "createdDate:desc, modifiedBy, ID:ASC",
            }
        )

        assert query_of(self.only_call()) == [
            ("page", "2"),
            ("size", "2000"),
            ("sort", "createdDate,desc"),
            ("sort", "modifiedBy,asc"),
            ("sort", "id,asc"),
        ]

    def test_a_null_list_shows_no_entries(self):
        """Given a null list, When listing, Then no entries and empty outputs."""
        self.reply("GET", "/api/v4/searches", json={"searches": None})

        results = self.run()

        assert results.outputs == []
        assert results.readable_output == "### Message Searches:\n**No entries.**\n"

    @pytest.mark.parametrize(
        "args, message",
        [
            pytest.param(
                {"size": "0"},
                '"size" must be a whole number from 1 to 2000; got 0.',
                id="size-0",
            ),
            pytest.param(
                {"size": "2001"},
                '"size" must be a whole number from 1 to 2000; got 2001.',
                id="size-2001",
            ),
            pytest.param(
                {"page": "-1"},
                '"page" must be a whole number 0 or more; got -1.',
                id="page-negative",
            ),
            pytest.param(
                {"page": "1.5"},
                '"page" must be a whole number; got "1.5".',
                id="page-fraction",
            ),
            pytest.param(
                {"size": "99999999999999999999"},
                '"size" must be a whole number from 1 to 2000; '
                "got 99999999999999999999.",
                id="size-beyond-any-bound",
            ),
            pytest.param(
                {"page": "\u0663"},
                '"page" must be a whole number; got "\u0663".',
                id="page-arabic-digit",
            ),
            pytest.param(
                {"sort": "foo:up"},
                f'{SEARCH_SORT_FORM}; got "foo:up".',
                id="sort-unknown",
            ),
            pytest.param(
                {"sort": "id:up"},
                f'{SEARCH_SORT_FORM}; got "id:up".',
                id="sort-bad-order",
            ),
        ],
    )
    def test_bad_paging_is_refused_before_any_request(self, args, message):
        """Given bad paging, When listing, Then the argument is named, nothing sent."""
        self.assert_refused(args, message)

    @pytest.mark.parametrize(
        "text, values",
        [
            pytest.param("X-Mailer:v1:v2", ["v1", "v2"], id="several-values"),
            pytest.param("X-Mailer: a : b :", ["a", "b"], id="spaces-and-blanks"),
            pytest.param("X-IP:[2001:db8::1]", ["[2001:db8::1]"], id="bracketed"),
            pytest.param(
                "X-IP: [2001:db8::1] ", ["[2001:db8::1]"], id="bracketed-spaced"
            ),
            pytest.param("X-IP:[a]:[b:c]", ["[a]", "[b:c]"], id="two-bracketed"),
            pytest.param(
                "X-Mailer:Outlook [16.0]", ["Outlook [16.0]"], id="inner-brackets"
            ),
            pytest.param("X-IP:[2001:db8::1", None, id="unclosed"),
            pytest.param("X-IP:[a]b", None, id="text-after-brackets"),
            pytest.param("X-Mailer::", None, id="no-value"),
        ],
    )
    def test_header_values(self, text, values):
        """Given a header criterion, When parsed, Then its values, or a refusal."""
        if values is None:
            with pytest.raises(ValueError, match='^"headers" takes key:value pairs'):
                vision.parse_headers_arg({"headers": text})
        else:
            key = text.partition(":")[0]
            expected = [{"key": key, "values": values}]
            assert vision.parse_headers_arg({"headers": text}) == expected

    def test_a_header_value_with_a_long_run_of_spaces_is_read(self):
        """Given a value with a long run of spaces, When parsed, Then it is read."""
        text = "X-Mailer:a" + " " * 20_000 + "b"
        headers = vision.parse_headers_arg({"headers": text})
        assert headers[0]["values"][0].startswith("a ")

    def test_iocs_json_nested_too_deep_is_refused_by_name(self):
        """Given JSON nested past the parser's depth, When parsed, Then named."""
        with pytest.raises(ValueError) as error:
            vision.parse_iocs_json("[" * 100_000)
        assert str(error.value) == (
            '"iocs_json" is not valid JSON, or is nested too deeply to read.'
        )

    def test_leading_zeros_do_not_count_against_the_length_of_a_number(self):
        """Given a zero-padded size, When parsed, Then its value is read."""
        padded = {"size": "+00000000000000000000050"}
        assert vision.parse_int_arg(padded, "size", minimum=1, maximum=2000) == 50


class TestMessageSearchGet(CommandTest):
    command = "cofense-message-search-get"
    prefix = "Cofense.Search"

    def test_reads_one_search(self):
        """Given an id, When reading, Then only the filled columns are shown."""
        results, search = self.replay(
            "message_search_get", "GET", "/api/v4/searches/700", {"id": "700"}
        )

        assert_sent(self.only_call(), "GET", "/api/v4/searches/700")
        self.assert_results(results, search, load_readable("message_search_get"))

    def test_header_values_and_hashes_are_escaped(self):
        """Given hostile header criteria, When shown, Then they stay inside one cell."""
        search = {
            "id": 9,
            "headers": [{"key": "X-Evil", "values": ["[x](http://e)", "a|b"]}],
            "attachmentHashCriteria": {
                "type": "ANY",
                "attachmentHashes": [{"hashType": "MD5", "hashString": MD5}],
            },
        }
        self.reply("GET", "/api/v4/searches/9", json=search)

        results = self.run({"id": "9"})

        assert results.readable_output == (
            "### Message Search:\n|ID|Attachment Hashes|Headers|\n|---|---|---|\n"
            rf"| 9 | MD5: {MD5} | X-Evil: \[x\]\(http://e\), a\|b |"
            "\n"
        )

    @pytest.mark.parametrize("value", ["abc", "0", "-3", "7.0"])
    def test_an_id_that_is_not_positive_is_refused(self, value):
        """Given a bad id, When reading, Then the id and its form are named."""
        self.assert_refused(
            {"id": value},
            f'"id" must be a positive whole number, for example 700; got "{value}".',
        )


class TestMessageSearchResultsGet(CommandTest):
    command = "cofense-message-search-results-get"
    prefix = "Cofense.Search"

    def test_search_and_its_messages(self):
        """Given the reference reply, When reading results, Then two tables."""
        results, reply = self.replay(
            "message_search_results_get",
            "GET",
            "/api/v4/searches/700/results",
            {"id": "700", "size": "2", "sort": "sentOn:desc"},
        )

        query = [("page", "0"), ("size", "2"), ("sort", "sentOn,desc")]
        assert_sent(self.only_call(), "GET", "/api/v4/searches/700/results", query)
        outputs = {**reply["search"], "Message": reply["messages"]}
        self.assert_results(
            results,
            outputs,
            load_readable("message_search_results_get"),
            raw=reply,
        )

    def test_hostile_file_names_and_subjects_are_escaped(self):
        """Given hostile names, When shown, Then no link and no extra column appear."""
        message = {
            "id": 5,
            "subject": "[click](http://evil)|x",
            "attachments": [{"filename": "a](http://x)|.exe", "md5": MD5}, None],
        }
        self.reply(
            "GET",
            "/api/v4/searches/7/results",
            json={"search": {"id": 7}, "messages": [message]},
        )

        results = self.run({"id": "7"})

        rows = table_rows(results.readable_output.split("\n\n")[1])
        assert rows == [
            [
                "5",
                "",
                r"\[click\]\(http://evil\)\|x",
                "",
                "",
                "",
                "",
                rf"File Name: a\]\(http://x\)\|.exe<br>MD5: {MD5}<br>SHA256:",
            ]
        ]

    def test_results_have_their_own_sort_keys(self):
        """Given a searches-only sort key, When reading results, Then it is refused."""
        self.assert_refused(
            {"id": "700", "sort": "createdDate:asc"},
            (
                '"sort" takes property:order pairs with property in id, subject, '
                "createdOn, sentOn, htmlBody, md5, sha1, sha256, processedOn and order "
                'asc or desc; got "createdDate:asc".'
            ),
        )


class TestSearchableHeadersGet(CommandTest):
    command = "cofense-searchable-headers-get"
    prefix = "Cofense.Config"
    key_field = "name"

    def test_lists_the_configured_headers(self):
        """Given Vision's headers, When reading, Then Cofense.Config holds them."""
        results, reply = self.replay(
            "searchable_headers_get", "GET", "/api/v4/config/searchableHeaders"
        )

        assert_sent(self.only_call(), "GET", "/api/v4/config/searchableHeaders")
        config = {"name": "searchableHeaders", "value": reply["headers"]}
        self.assert_results(
            results,
            config,
            load_readable("searchable_headers_get"),
            raw=reply,
        )

    def test_the_list_name_is_the_same_command(self):
        """Given both names of the command, Then they run the same function."""
        assert (
            vision.COMMANDS["cofense-searchable-headers-list"]
            is vision.COMMANDS["cofense-searchable-headers-get"]
        )


# ------------------------------------------------------------------------------------
# Quarantine jobs
# ------------------------------------------------------------------------------------


def job(job_id: int, status: str | None, run_type: str = "QUARANTINE",
        **fields) -> dict:
    """A quarantine job whose latest run has the given status and type."""
    runs = (
        []
        if status is None
        else [{"id": 860, "jobRunType": run_type, "status": status, "total": 1}]
    )
    return {"id": job_id, "quarantineJobRuns": runs, **fields}


class TestQuarantineJobsList(CommandTest):
    command = "cofense-quarantine-jobs-list"
    prefix = "Cofense.QuarantineJob"

    def test_default_filter(self):
        """Given no arguments, When listing, Then an empty filter and default paging."""
        results, reply = self.replay(
            "quarantine_jobs_list", "POST", "/api/v4/quarantineJobs/filter"
        )

        query = [
            ("page", "0"),
            ("size", "50"),
            ("sort", "id,asc"),
            ("excludeQuarantineEmails", "false"),
        ]
        assert_sent(
            self.only_call(),
            "POST",
            "/api/v4/quarantineJobs/filter",
            query,
            body={"filterOptions": {}},
        )
        self.assert_results(
            results,
            [documented_job(job) for job in reply["quarantineJobs"]],
            load_readable("quarantine_jobs_list"),
            raw=reply["quarantineJobs"],
        )

    def test_every_filter_option(self):
        """Given every filter, When listing, Then filterOptions has Vision's names."""
        self.reply("POST", "/api/v4/quarantineJobs/filter", json={"quarantineJobs": []})

        self.run(
            {
                "exclude_quarantine_emails": "True",
                "sort": "stopRequested:desc,modifiedDate:asc",
                "auto_quarantine": "false",
                "include_status": "completed, RUNNING",
                "exclude_status": "Failed",
                "iocs": IOC_ID.upper(),
                "sources": "Vision-UI, Triage_1.x~",
                "modified_date_after": "2022-07-01T10:00:00+02:00",
            }
        )

        request = self.only_call()
        assert query_of(request) == [
            ("page", "0"),
            ("size", "50"),
            ("sort", "stopRequested,desc"),
            ("sort", "modifiedDate,asc"),
            ("excludeQuarantineEmails", "true"),
        ]
        assert request.json() == {
            "filterOptions": {
                "autoQuarantine": False,
                "includeStatus": ["COMPLETED", "RUNNING"],
                "excludeStatus": ["FAILED"],
                "iocs": [IOC_ID],
                "sources": ["Vision-UI", "Triage_1.x~"],
                "modifiedDateAfter": "2022-07-01T08:00:00Z",
            }
        }

    def test_jobs_without_runs_lists_or_dates_show_blanks(self):
        """Given sparse jobs, When listing, Then blank cells and no crash."""
        jobs = [
            {
                "id": 5,
                "createdBy": "analyst",
                "quarantineJobRuns": [],
                "quarantineEmails": None,
            },
            {"id": 6, "quarantineJobRuns": None, "createdDate": None, "emailCount": 0},
            {
                "id": 7,
                "quarantineJobRuns": [
                    None,
                    {"jobRunType": "QUARANTINE", "status": "NEW"},
                ],
                "modifiedDate": "not a date",
            },
        ]
        self.reply(
            "POST", "/api/v4/quarantineJobs/filter", json={"quarantineJobs": jobs}
        )

        results = self.run()

        assert table_rows(results.readable_output) == [
            ["5", "analyst", "", "", "", "", "", "", ""],
            ["6", "", "", "", "", "", "", "", "0"],
            ["7", "", "", "", "", "QUARANTINE", "NEW", "", ""],
        ]

    @pytest.mark.parametrize(
        "args, message",
        [
            pytest.param(
                {"include_status": "DONE"},
                '"include_status" must be one of NEW, PENDING_APPROVAL, QUEUED, '
                'RUNNING, COMPLETED, FAILED; got "DONE".',
                id="unknown-status",
            ),
            pytest.param(
                {"iocs": "xyz"},
                '"iocs" takes IOC IDs of 32 hexadecimal digits; got "xyz".',
                id="bad-ioc-id",
            ),
            pytest.param(
                {"sources": "bad source"},
                '"sources" may hold only letters, digits and the characters - . _ ~; '
                'got "bad source".',
                id="bad-source",
            ),
            pytest.param(
                {"sort": "subject:asc"},
                '"sort" takes property:order pairs with property in id, createdBy, '
                "createdDate, modifiedBy, modifiedDate, stopRequested and order asc or "
                'desc; got "subject:asc".',
                id="bad-sort",
            ),
            pytest.param(
                {"exclude_quarantine_emails": "sometimes"},
                '"exclude_quarantine_emails" must be true or false; got "sometimes".',
                id="bad-boolean",
            ),
        ],
    )
    def test_bad_filters_are_refused_before_any_request(self, args, message):
        """Given a malformed filter, When listing, Then it is named, nothing sent."""
        self.assert_refused(args, message)


class TestQuarantineJobCreate(CommandTest):
    command = "cofense-quarantine-job-create"
    prefix = "Cofense.QuarantineJob"

    def test_the_reference_example(self):
        """Given one id and recipient, When creating, Then the new job is shown."""
        results, created = self.replay(
            "quarantine_job_create",
            "POST",
            "/api/v4/quarantineJobs",
            {"quarantine_emails": "<test-id>:test@example.com"},
        )

        assert_sent(
            self.only_call(),
            "POST",
            "/api/v4/quarantineJobs",
            body={
                "quarantineEmails": [
                    {
                        "internetMessageId": "<test-id>",
                        "recipientAddress": "test@example.com",
                    },
                ],
            },
        )
        self.assert_results(
            results,
            documented_job(created),
            load_readable("quarantine_job_create"),
            raw=created,
        )
        assert results.scheduled_command is None

    @pytest.mark.parametrize(
        "raw, emails",
        [
            pytest.param(
                "<a1@[IPv6:2001:db8::1]>:user@example.com, "
                "<b2@example.com>:other@example.com",
                [
                    ("<a1@[IPv6:2001:db8::1]>", "user@example.com"),
                    ("<b2@example.com>", "other@example.com"),
                ],
                id="colons-inside-the-id",
            ),
            pytest.param(
                "<x@y>:a@example.com, <x@y>:a@example.com,<x@y>:b@example.com",
                [("<x@y>", "a@example.com"), ("<x@y>", "b@example.com")],
                id="duplicates-dropped",
            ),
            pytest.param(
                "<x@y>:Ann@Example.com,<x@y>:ann@example.COM",
                [("<x@y>", "Ann@Example.com")],
                id="recipient-case-ignored-for-duplicates",
            ),
            pytest.param(
                ["<c@d> : u@example.com", ""],
                [("<c@d>", "u@example.com")],
                id="list-with-spaces-and-blanks",
            ),
        ],
    )
    def test_quarantine_emails_are_parsed_intact(self, raw, emails):
        """Given id:recipient pairs, When creating, Then each pair arrives intact."""
        self.reply("POST", "/api/v4/quarantineJobs", json={"id": 1})

        self.run({"quarantine_emails": raw})

        assert self.only_call().json() == {
            "quarantineEmails": [
                {"internetMessageId": message_id, "recipientAddress": recipient}
                for message_id, recipient in emails
            ]
        }

    @pytest.mark.parametrize(
        "raw, message",
        [
            pytest.param(
                "no-recipient",
                '"quarantine_emails" item "no-recipient" is malformed; '
                f"use {QUARANTINE_FORM}.",
                id="no-colon",
            ),
            pytest.param(
                "<a@b>:not-an-address",
                '"quarantine_emails" item "<a@b>:not-an-address" is malformed; '
                f"use {QUARANTINE_FORM}.",
                id="bad-recipient",
            ),
            pytest.param(
                "<a@b>user@example.com",
                '"quarantine_emails" item "<a@b>user@example.com" is malformed; '
                f"use {QUARANTINE_FORM}.",
                id="no-colon-after-id",
            ),
            pytest.param(
                " , ",
                f'"quarantine_emails" is required; use {QUARANTINE_FORM}.',
                id="only-separators",
            ),
            *(
                pytest.param(
                    item,
                    f'"quarantine_emails" item "{item}" is malformed; '
                    f"use {QUARANTINE_FORM}.",
                    id=case,
                )
                for case, item in (
                    ("no-brackets", "abc:def:user@example.com"),
                    ("reversed-pair", "user@example.com:1216.160@6d14a4fa9032"),
                    ("space-in-id", "<a b@c>:user@example.com"),
                    ("empty-id", "<>:user@example.com"),
                    ("extra-bracket", "<a@x>>:user@example.com"),
                )
            ),
        ],
    )
    def test_malformed_quarantine_emails_are_refused(self, raw, message):
        """Given a malformed pair, When creating, Then it is quoted, nothing is sent."""
        self.assert_refused({"quarantine_emails": raw}, message)

    def test_polling_waits_while_the_job_runs_and_ends_with_the_finished_job(self):
        """Given polling, When the job runs then ends, Then schedule, then finish."""
        created = load_reply("quarantine_job_create")
        running = {
            **created,
            "quarantineJobRuns": [
                {"id": 860, "jobRunType": "QUARANTINE", "status": "RUNNING", "total": 1}
            ],
        }
        completed = {
            **created,
            "quarantineJobRuns": [
                {
                    "id": 860,
                    "jobRunType": "QUARANTINE",
                    "status": "COMPLETED",
                    "total": 1,
                    "completedDate": "2022-08-10T04:24:30.5",
                }
            ],
        }
        self.reply("POST", "/api/v4/quarantineJobs", json=created)
        self.reply(
            "GET",
            "/api/v4/quarantineJobs/431",
            response_list=[{"json": running}, {"json": completed}],
        )
        args = {
            "quarantine_emails": "<test-id>:test@example.com",
            "polling": "true",
            "interval_in_seconds": "30",
            "timeout_in_seconds": "300",
        }

        waiting = self.run(args).to_context()
        finished = self.run(waiting["PollingArgs"])

        assert [call.method for call in self.api_calls()] == ["POST", "GET", "GET"]
        assert (waiting["PollingCommand"], waiting["NextRun"], waiting["Timeout"]) == (
            "cofense-quarantine-job-create",
            "30",
            "300",
        )
        assert waiting["PollingArgs"] == {**args, "job_id": "431"}
        assert waiting["HumanReadable"] == "Waiting for quarantine job 431 (RUNNING)…"
        assert finished.scheduled_command is None
        assert finished.outputs == documented_job(completed)
        assert finished.readable_output == (
            "### Quarantine job has finished. Latest run: COMPLETED.\n"
            "|ID|Search ID|Created By|Created Date|Last Modified By|Last Modified Date|"
            "Last Action|Status|Completed Date|Messages|\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
            "| 431 |  | testuser | 10/08/2022, 04:23 AM UTC | testuser | "
            "10/08/2022, 04:23 AM UTC | QUARANTINE | COMPLETED | "
            "10/08/2022, 04:24 AM UTC | 1 |\n\n"
            "### Quarantine Emails:\n|Internet Message ID|Recipient|Status|Error|\n"
            "|---|---|---|---|\n"
            r"| \<test-id\> | test@example.com | UNKNOWN\_MAILBOX | "
            "No primary addresses were found for 5578/xxxxx@example.com |\n"
        )

    def test_a_bad_poll_interval_is_refused(self):
        """Given a zero interval, When creating, Then the argument is named."""
        self.assert_refused(
            {"quarantine_emails": "<a@b>:u@example.com", "interval_in_seconds": "0"},
            '"interval_in_seconds" must be a whole number 1 or more; got 0.',
        )

    def test_an_interval_longer_than_the_timeout_is_refused_before_creating(self):
        """Given interval > timeout, When creating with polling, Then no job is made."""
        self.assert_refused(
            {
                "quarantine_emails": "<a@b>:u@example.com",
                "polling": "true",
                "interval_in_seconds": "60",
                "timeout_in_seconds": "30",
            },
            '"interval_in_seconds" (60) must not exceed "timeout_in_seconds" (30), '
            "or the job would never be checked.",
        )

    def test_a_failed_first_check_names_the_job_that_was_created(self):
        """Given the job made but unreadable, When polling, Then the error names it."""
        self.reply("POST", "/api/v4/quarantineJobs", json={"id": 435})
        self.reply("GET", "/api/v4/quarantineJobs/435", status_code=503, text="")

        with pytest.raises(DemistoException) as error:
            self.run({"quarantine_emails": "<a@b>:u@example.com", "polling": "true"})

        assert str(error.value).startswith(
            "Checking quarantine job 435 failed: Cofense Vision answered HTTP 503"
        )
        assert str(error.value).endswith(
            "Follow it with !cofense-quarantine-job-get id=435 rather than running "
            "this command again."
        )


def documented_job(job: dict) -> dict:
    """A job reply as context: emails also keyed internetMessageID, as documented."""
    emails = [
        {**email, "internetMessageID": email["internetMessageId"]}
        for email in job["quarantineEmails"]
    ]
    return {**job, "quarantineEmails": emails}


class TestQuarantineJobGet(CommandTest):
    command = "cofense-quarantine-job-get"
    prefix = "Cofense.QuarantineJob"

    def test_emails_are_also_under_the_path_the_reference_documents(self):
        """Given a job, When read, Then internetMessageID as in the output table."""
        email = {"internetMessageId": "<a@b>", "recipientAddress": "u@example.com"}
        job = {"id": 9, "quarantineEmails": [email]}
        self.reply("GET", "/api/v4/quarantineJobs/9", json=job)

        results = self.run({"id": "9"})

        assert results.outputs["quarantineEmails"] == [{
            "internetMessageId": "<a@b>",
            "internetMessageID": "<a@b>",
            "recipientAddress": "u@example.com",
        }]
        assert "internetMessageID" not in results.raw_response["quarantineEmails"][0]

    def test_reads_one_job(self):
        """Given an id, When reading, Then the latest run gives action and status."""
        results, reply = self.replay(
            "quarantine_job_get", "GET", "/api/v4/quarantineJobs/100", {"id": "100"}
        )

        assert_sent(self.only_call(), "GET", "/api/v4/quarantineJobs/100")
        self.assert_results(
            results,
            documented_job(reply),
            load_readable("quarantine_job_get"),
            raw=reply,
        )

    def test_a_job_with_no_runs_yet_shows_blanks(self):
        """Given a job with no runs and null dates, When reading, Then blank cells."""
        self.reply(
            "GET",
            "/api/v4/quarantineJobs/3",
            json=job(3, None, searchId=None, createdDate=None, emailCount=2),
        )

        results = self.run({"id": "3"})

        assert table_rows(results.readable_output) == [
            ["3", "", "", "", "", "", "", "", "", "2"]
        ]


class TestQuarantineJobDelete(CommandTest):
    command = "cofense-quarantine-job-delete"
    prefix = "Cofense.QuarantineJob"

    def test_deletes_the_job(self):
        """Given an id, When deleting, Then Vision's empty 200 means isDeleted."""
        self.reply("DELETE", "/api/v4/quarantineJobs/266", text="")

        results = self.run({"id": "266"})

        assert_sent(self.only_call(), "DELETE", "/api/v4/quarantineJobs/266")
        self.assert_results(
            results,
            {"id": 266, "isDeleted": True},
            "### Quarantine Job with ID 266 is successfully deleted.\n",
        )


class TestQuarantineJobRestore(CommandTest):
    command = "cofense-quarantine-job-restore"
    prefix = "Cofense.QuarantineJob"

    def test_restores_the_job(self):
        """Given an id, When restoring, Then a PUT and isRestored."""
        self.reply("PUT", "/api/v4/quarantineJobs/100/restore", text="")

        results = self.run({"id": "100"})

        assert_sent(self.only_call(), "PUT", "/api/v4/quarantineJobs/100/restore")
        self.assert_results(
            results,
            {"id": 100, "isRestored": True},
            "### Emails quarantined by the quarantine job ID 100 have been "
            "successfully restored.\n",
        )


class TestQuarantineJobApprove(CommandTest):
    command = "cofense-quarantine-job-approve"
    prefix = "Cofense.QuarantineJob"

    @pytest.mark.parametrize(
        "args, query",
        [
            pytest.param(
                {"id": "430", "message_count": "1"},
                [("messageCount", "1")],
                id="subset",
            ),
            pytest.param({"id": "430"}, [], id="all-messages"),
        ],
    )
    def test_approves_the_job(self, args, query):
        """Given an id, When approving, Then messageCount only when given."""
        self.reply("PUT", "/api/v4/quarantineJobs/430/approve", text="")

        results = self.run(args)

        assert_sent(
            self.only_call(), "PUT", "/api/v4/quarantineJobs/430/approve", query
        )
        self.assert_results(
            results,
            {"id": 430, "isApproved": True},
            "### Quarantine Job with ID 430 has been approved successfully.\n",
        )

    def test_a_job_not_pending_approval_gives_vision_s_reason(self):
        """Given Vision's 422, When approving, Then one sentence with Vision's words."""
        self.reply(
            "PUT",
            "/api/v4/quarantineJobs/430/approve",
            status_code=422,
            json={
                "status": "UNPROCESSABLE_ENTITY",
                "message": "Quarantine job is not pending approval.",
                "details": ["Job 430 is COMPLETED"],
            },
        )

        with pytest.raises(DemistoException) as error:
            self.run({"id": "430"})

        assert str(error.value) == (
            "Cofense Vision answered HTTP 422 UNPROCESSABLE_ENTITY: Quarantine job is "
            "not pending approval (Job 430 is COMPLETED). Vision refused the request "
            "as it stands."
        )

    def test_message_count_must_be_positive(self):
        """Given message_count 0, When approving, Then it is refused by name."""
        self.assert_refused(
            {"id": "430", "message_count": "0"},
            '"message_count" must be a whole number 1 or more; got 0.',
        )


class TestQuarantineJobStop(CommandTest):
    command = "cofense-quarantine-job-stop"
    prefix = "Cofense.QuarantineJob"

    def test_stops_the_job(self):
        """Given an id, When stopping, Then Vision's job is shown with its stop flag."""
        results, reply = self.replay(
            "quarantine_job_stop",
            "PUT",
            "/api/v4/quarantineJobs/100/stop",
            {"id": "100"},
        )

        assert_sent(self.only_call(), "PUT", "/api/v4/quarantineJobs/100/stop")
        self.assert_results(
            results,
            documented_job(reply),
            load_readable("quarantine_job_stop"),
            raw=reply,
        )


class TestQuarantineActionPolling:
    """restore, approve and stop with polling=true: act once, then read until done."""

    @pytest.mark.parametrize(
        "command, action, run_type",
        [
            pytest.param(
                "cofense-quarantine-job-restore", "restore", "RESTORE", id="restore"
            ),
            pytest.param(
                "cofense-quarantine-job-approve", "approve", "QUARANTINE", id="approve"
            ),
            pytest.param(
                "cofense-quarantine-job-stop", "stop", "QUARANTINE", id="stop"
            ),
        ],
    )
    def test_acts_once_then_polls_the_job(
        self, client, requests_mock, command, action, run_type
    ):
        """Given polling, When the run ends, Then one PUT, then GETs until done."""
        path = f"{BASE_URL}/api/v4/quarantineJobs/100"
        requests_mock.put(f"{path}/{action}", json=job(100, "RUNNING", run_type))
        requests_mock.get(
            path,
            response_list=[
                {"json": job(100, "RUNNING", run_type)},
                {"json": job(100, "COMPLETED", run_type)},
            ],
        )
        args = {"id": "100", "polling": "true", "interval_in_seconds": "20"}

        waiting = vision.COMMANDS[command](client, args).to_context()
        finished = vision.COMMANDS[command](client, waiting["PollingArgs"])

        methods = [
            call.method
            for call in requests_mock.request_history
            if path_of(call) != TOKEN_PATH
        ]
        assert methods == ["PUT", "GET", "GET"]
        assert (waiting["PollingCommand"], waiting["NextRun"]) == (command, "20")
        assert waiting["PollingArgs"] == {**args, "job_id": "100"}
        assert finished.scheduled_command is None
        assert finished.outputs == job(100, "COMPLETED", run_type)

    def test_a_restore_waits_for_its_own_run(self, client, requests_mock):
        """Given the earlier quarantine run finished, When restoring, Then wait on."""
        path = f"{BASE_URL}/api/v4/quarantineJobs/100"
        requests_mock.put(f"{path}/restore", text="")
        requests_mock.get(path, json=job(100, "COMPLETED", "QUARANTINE"))
        args = {"id": "100", "polling": "true"}

        result = vision.COMMANDS["cofense-quarantine-job-restore"](client, args)

        assert result.scheduled_command is not None
        assert result.readable_output == (
            "Waiting for quarantine job 100 to start its RESTORE run…"
        )


# ------------------------------------------------------------------------------------
# IOC repository
# ------------------------------------------------------------------------------------


class TestIocsList(CommandTest):
    command = "cofense-iocs-list"
    prefix = "Cofense.IOC"

    def test_one_entry_with_one_table_and_every_indicator(self):
        """Given two IOCs, When listing, Then one entry, one table, two scores."""
        results, reply = self.replay(
            "iocs_list", "GET", "/iocrepository/v1/iocs", {"source": "Vision-UI"}
        )

        query = [("page", "0"), ("size", "50"), ("includeExpired", "false")]
        assert_sent(
            self.only_call(), "GET", "/iocrepository/v1/iocs", query, source="Vision-UI"
        )
        self.assert_results(results, reply["data"], load_readable("iocs_list"))
        assert results.readable_output.count("### ") == 1
        assert dbot_scores(results) == [
            dbot("qwe", "domain", 0),
            dbot("fgh", "domain", 3),
        ]

    @freeze_time(FROZEN_NOW)
    def test_sort_expired_and_since_go_into_the_query(self):
        """Given sort, include_expired and since, When listing, Then all are sent."""
        self.reply("GET", "/iocrepository/v1/iocs", json={"data": []})

        self.run(
            {
                "source": "Triage-1",
                "page": "1",
                "size": "2000",
                "sort": "updatedAt:desc",
                "include_expired": "true",
                "since": "2 days",
            }
        )

        assert query_of(self.only_call()) == [
            ("page", "1"),
            ("size", "2000"),
            ("sort", "updatedAt,desc"),
            ("includeExpired", "true"),
            ("since", "2022-08-08T04:25:23Z"),
        ]

    @pytest.mark.parametrize(
        "args, message",
        [
            pytest.param({}, 'The argument "source" is required.', id="no-source"),
            pytest.param(
                {"source": "Vision UI/1"},
                '"source" may hold only letters, digits and the characters - . _ ~; '
                'got "Vision UI/1".',
                id="bad-source",
            ),
            pytest.param(
                {"source": "x" * 59 + "!" * 20},
                '"source" may hold only letters, digits and the characters - . _ ~; '
                f'got "{"x" * 59}…".',
                id="long-value-cut",
            ),
            pytest.param(
                {"source": "a", "sort": "createdAt:asc"},
                '"sort" takes property:order pairs with property in updatedAt and '
                'order asc or desc; got "createdAt:asc".',
                id="bad-sort",
            ),
        ],
    )
    def test_bad_arguments_are_refused_before_any_request(self, args, message):
        """Given a bad source or sort, When listing, Then it is named, nothing sent."""
        self.assert_refused(args, message)


class TestIocGet(CommandTest):
    command = "cofense-ioc-get"
    prefix = "Cofense.IOC"

    def test_reads_one_ioc(self):
        """Given an id and a source, When reading, Then the IOC and its score."""
        reply = load_reply("ioc_get")
        ioc_id = reply["data"]["id"]
        self.reply("GET", f"/iocrepository/v1/iocs/{ioc_id}", json=reply)

        results = self.run({"source": "Vision-UI", "id": ioc_id})

        assert_sent(
            self.only_call(),
            "GET",
            f"/iocrepository/v1/iocs/{ioc_id}",
            source="Vision-UI",
        )
        self.assert_results(results, reply["data"], load_readable("ioc_get"))
        assert dbot_scores(results) == [dbot("test", "domain", 0)]

    def test_without_a_source_the_integration_names_itself(self):
        """Given no source, When reading, Then the header carries XSOAR."""
        self.reply("GET", f"/iocrepository/v1/iocs/{IOC_ID}", json={"data": None})

        results = self.run({"id": IOC_ID.upper()})

        assert self.only_call().headers["X-Cofense-IOC-Source"] == "XSOAR"
        assert path_of(self.only_call()) == f"/iocrepository/v1/iocs/{IOC_ID}"
        assert results.readable_output == "### IOC:\n**No entries.**\n"

    @pytest.mark.parametrize("value", ["xyz", IOC_ID + "0", "g" * 32])
    def test_an_id_that_is_not_32_hex_digits_is_refused(self, value):
        """Given a bad IOC id, When reading, Then the id and its form are named."""
        self.assert_refused(
            {"id": value},
            f'"id" takes IOC IDs of 32 hexadecimal digits; got "{value}".',
        )


class TestLastIocGet(CommandTest):
    command = "cofense-last-ioc-get"
    prefix = "Cofense.IOC"

    def test_reads_the_last_ioc_of_the_source(self):
        """Given a source, When reading, Then its last IOC; a subject scores alone."""
        results, reply = self.replay(
            "last_ioc_get",
            "GET",
            "/iocrepository/v1/iocs/last",
            {"source": "Vision-UI"},
        )

        assert_sent(
            self.only_call(), "GET", "/iocrepository/v1/iocs/last", source="Vision-UI"
        )
        self.assert_results(results, reply["data"], load_readable("last_ioc_get"))
        assert results.to_context()["EntryContext"] == {
            "Cofense.IOC(val.id && val.id == obj.id)": reply["data"],
            Common.DBotScore.CONTEXT_PATH: [dbot("test-subject", "custom", 1)],
        }

    def test_an_empty_reply_means_no_ioc_yet(self):
        """Given an empty 200, When reading, Then no entries and no indicator."""
        self.reply("GET", "/iocrepository/v1/iocs/last", text="")

        results = self.run({"source": "Vision-UI"})

        assert results.outputs == []
        assert results.indicators is None
        assert results.readable_output == "### Last IOC:\n**No entries.**\n"


class TestIocUpdate(CommandTest):
    command = "cofense-ioc-update"
    prefix = "Cofense.IOC"
    ioc_id = "bb78c7a2f8c9eea5b9c5a30eb8c9069b"

    @freeze_time(FROZEN_NOW)
    @pytest.mark.parametrize(
        "expires_at, sent",
        [
            pytest.param("1 day", "2022-08-11T04:25:23Z", id="relative-counts-forward"),
            pytest.param("2 weeks", "2022-08-24T04:25:23Z", id="weeks-forward"),
            pytest.param(
                "2022-09-01T12:00:00+02:00", "2022-09-01T10:00:00Z", id="offset"
            ),
            pytest.param("2022-09-01", "2022-09-01T00:00:00Z", id="date-only"),
        ],
    )
    def test_sets_the_expiry(self, expires_at, sent):
        """Given an expiry, When updating, Then Vision gets it in UTC, in the future."""
        results, reply = self.replay(
            "ioc_update",
            "PUT",
            f"/iocrepository/v1/iocs/{self.ioc_id}",
            {"id": self.ioc_id, "expires_at": expires_at},
        )

        body = {
            "data": {"type": "ioc", "metadata": {"quarantine": {"expires_at": sent}}}
        }
        assert_sent(
            self.only_call(),
            "PUT",
            f"/iocrepository/v1/iocs/{self.ioc_id}",
            body=body,
            source="XSOAR",
        )
        self.assert_results(results, reply["data"], load_readable("ioc_update"))

    def test_the_expiry_is_required(self):
        """Given no expiry, When updating, Then it is refused by name."""
        self.assert_refused(
            {"id": self.ioc_id}, 'The argument "expires_at" is required.'
        )


class TestIocsUpdate(CommandTest):
    command = "cofense-iocs-update"
    prefix = "Cofense.IOC"

    @freeze_time(FROZEN_NOW)
    def test_one_ioc_from_arguments(self):
        """Given one IOC's fields, When updating, Then one item in Vision's shape."""
        results, reply = self.replay(
            "iocs_update",
            "PUT",
            "/iocrepository/v1/iocs",
            {
                "source": "Vision-UI",
                "threat_type": "Domain",
                "threat_value": "test.com",
                "threat_level": "Malicious",
                "source_id": "test",
                "created_at": "1 day",
                "requested_expiration": "30/08/2022",
            },
        )

        assert_sent(
            self.only_call(),
            "PUT",
            "/iocrepository/v1/iocs",
            source="Vision-UI",
            body={
                "data": [
                    {
                        "type": "ioc",
                        "attributes": {
                            "threat_type": "DOMAIN",
                            "threat_value": "test.com",
                        },
                        "metadata": {
                            "source": {
                                "threat_level": "Malicious",
                                "id": "test",
                                "created_at": "2022-08-09T04:25:23Z",
                                "updated_at": "2022-08-10T04:25:23Z",
                                "requested_expiration": "2022-08-30T00:00:00Z",
                            }
                        },
                    }
                ]
            },
        )
        self.assert_results(results, reply["data"][0], load_readable("iocs_update"))
        assert dbot_scores(results) == [dbot("test.com", "domain", 3)]

    def test_2500_iocs_go_in_five_batches_and_one_entry(self):
        """Given 2,500 IOCs, When updating, Then five PUTs of 500 and a single entry."""
        self.reply("PUT", "/iocrepository/v1/iocs", json=echo_upsert)
        items = [
            {
                "threat_type": "Domain",
                "threat_value": f"d{index}.example",
                "threat_level": "Malicious",
                "created_at": "2022-08-01",
                "updated_at": "2022-08-02T00:00:00Z",
                "source_id": f"s{index}",
            }
            for index in range(2500)
        ]

        results = self.run({"source": "Feed-1", "iocs_json": json.dumps(items)})

        batches = [call.json()["data"] for call in self.api_calls()]
        assert [len(batch) for batch in batches] == [500] * 5
        sent_values = [
            item["attributes"]["threat_value"] for batch in batches for item in batch
        ]
        assert sent_values == [f"d{index}.example" for index in range(2500)]
        assert [
            item["attributes"]["threat_value"] for item in results.outputs
        ] == sent_values
        assert results.readable_output.startswith(
            "### 2500 IOCs updated successfully in 5 batch(es).\n"
        )
        assert results.readable_output.count("### ") == 1
        assert len(dbot_scores(results)) == 2500

    def test_a_failed_batch_is_reported_and_the_others_kept(self):
        """Given batch 2 refused, When updating, Then four stored, failure noted."""
        error = {
            "status": "UNPROCESSABLE_ENTITY",
            "message": "Invalid IOC",
            "details": ["threat_value is empty"],
        }
        self.reply(
            "PUT",
            "/iocrepository/v1/iocs",
            response_list=[
                {"json": echo_upsert},
                {"status_code": 422, "json": error},
                {"json": echo_upsert},
                {"json": echo_upsert},
                {"json": echo_upsert},
            ],
        )
        items = [
            {
                "threat_type": "URL",
                "threat_value": f"https://u{index}.example/",
                "threat_level": "High",
                "created_at": "2022-08-01",
                "source_id": str(index),
            }
            for index in range(2500)
        ]

        results, error = self.run({"source": "Feed-1", "iocs_json": json.dumps(items)})

        assert len(results.outputs) == 2000
        assert (
            results.outputs[500]["attributes"]["threat_value"]
            == "https://u1000.example/"
        )
        assert results.readable_output.startswith(
            "### 2000 of 2500 IOCs updated; 1 of 5 batches were not stored (see the "
            "error entry).\n"
        )
        assert error == {
            "Type": 4,
            "ContentsFormat": "text",
            "Contents": "Failed to execute cofense-iocs-update command. Batch 2 of 5 "
            "(items 500–999) failed: Cofense Vision answered HTTP 422 "
            "UNPROCESSABLE_ENTITY: Invalid IOC (threat_value is empty). Vision refused "
            "the request as it stands.",
        }

    def test_a_network_failure_stops_the_batches_that_follow(self):
        """Given the network lost in batch 2, When updating, Then 3 is not sent."""
        self.reply(
            "PUT",
            "/iocrepository/v1/iocs",
            response_list=[
                {"json": {"data": [{"id": "1" * 32, "type": "ioc"}]}},
                {"exc": requests.exceptions.ConnectionError("Connection reset")},
            ],
        )
        items = [
            {"threat_type": "URL", "threat_value": f"https://u{index}.example/",
             "threat_level": "High", "created_at": "2022-08-01", "source_id": "s"}
            for index in range(1200)
        ]

        results, error = self.run({"source": "Feed-1", "iocs_json": json.dumps(items)})

        assert len(self.api_calls()) == 2
        assert results.readable_output.startswith(
            "### 1 of 1200 IOCs updated; 2 of 3 batches were not stored (see the "
            "error entry)."
        )
        assert error["Contents"].endswith(
            "1 more batch(es) (items 1000–1199) were not sent."
        )

    def test_when_every_batch_fails_the_command_fails(self):
        """Given every batch refused, When updating, Then an error names the batch."""
        self.reply("PUT", "/iocrepository/v1/iocs", status_code=403, json={})
        item = {
            "threat_type": "MD5",
            "threat_value": MD5,
            "threat_level": "low",
            "created_at": "2022-08-01",
            "source_id": "1",
        }

        with pytest.raises(DemistoException) as error:
            self.run({"source": "Feed-1", "iocs_json": json.dumps(item)})

        assert str(error.value) == (
            "Batch 1 of 1 (items 0–0) failed: Cofense Vision answered HTTP 403. "
            "The API client lacks the Vision role this command needs."
        )

    @pytest.mark.parametrize(
        "iocs_json, message",
        [
            pytest.param(
                '[{"threat_type": "Domain", "threat_value": "private.example", '
                '"threat_level": "High", "created_at": "1 day", "source_id": "a"}, '
                '{"threat_type": "Domain", "threat_level": "High", '
                '"created_at": "1 day", "source_id": "b"}]',
                '"iocs_json" item 1: "threat_value" is required.',
                id="missing-field",
            ),
            pytest.param(
                '[{"threat_type": "IP", "threat_value": "10.0.0.1", '
                '"threat_level": "High", "created_at": "1 day", "source_id": "a"}]',
                '"iocs_json" item 0: "threat_type" must be one of Domain, MD5, Sender, '
                'SHA256, Subject, URL; got "IP".',
                id="unknown-threat-type",
            ),
            pytest.param(
                '[{"threat_type": "URL", "threat_value": "https://a.example/", '
                '"threat_level": "High", "created_at": "not-a-date", '
                '"source_id": "a"}]',
                f'"iocs_json" item 0: "created_at" must be a date such as {DATE_FORMS} '
                '(UTC); got "not-a-date".',
                id="unreadable-date",
            ),
            pytest.param(
                '[{"threat_value": "private.example"}, 5]',
                '"iocs_json" item 0: "threat_type" is required.',
                id="first-problem-wins",
            ),
            pytest.param(
                '{"threat_type": "URL", "threat_value": {"a": 1}, '
                '"threat_level": "High", "created_at": "1 day", "source_id": 7}',
                '"iocs_json" item 0: "threat_value" must be text; got dict.',
                id="object-as-value",
            ),
            pytest.param(
                '{"threat_type": "URL", "threat_value": "https://a.example/", '
                '"threat_level": 7, "created_at": "1 day", "source_id": "a"}',
                '"iocs_json" item 0: "threat_level" must be text; got int.',
                id="number-as-level",
            ),
            pytest.param(
                '{"threat_type": "URL", "threat_value": "https://a.example/", '
                '"threat_level": "High", "created_at": [1], "source_id": "a"}',
                '"iocs_json" item 0: "created_at" must be text; got list.',
                id="list-as-date",
            ),
            pytest.param(
                '{"threat_type": "md5", "threat_value": "zz", '
                '"threat_level": "High", "created_at": "1 day", "source_id": "a"}',
                '"iocs_json" item 0: "threat_value" must be 32 hexadecimal digits for '
                'threat type MD5; got "zz".',
                id="md5-not-hex",
            ),
            pytest.param(
                "[1]", '"iocs_json" item 0 must be a JSON object.', id="not-object"
            ),
            pytest.param(
                "[]",
                '"iocs_json" must be a JSON array of IOC objects, or one object.',
                id="empty-array",
            ),
            pytest.param(
                '{"threat_type": "Domain", "threat_value": "private.example"',
                "\"iocs_json\" is not valid JSON (Expecting ',' delimiter at "
                "position 59).",
                id="broken-json",
            ),
        ],
    )
    def test_item_errors_name_the_index_and_field_only(self, iocs_json, message):
        """Given a bad item, When updating, Then index and field, not the whole JSON."""
        self.assert_refused({"source": "Feed-1", "iocs_json": iocs_json}, message)
        assert "private.example" not in message

    def test_one_ioc_needs_its_required_fields(self):
        """Given one IOC without a level, When updating, Then the field is named."""
        self.assert_refused(
            {
                "source": "Feed-1",
                "threat_type": "Domain",
                "threat_value": "a.example",
                "created_at": "1 day",
                "source_id": "a",
            },
            'To update one IOC without iocs_json: "threat_level" is required.',
        )


class TestIocDelete(CommandTest):
    command = "cofense-ioc-delete"
    prefix = "Cofense.IOC"

    def test_deletes_and_gives_no_bad_verdict(self):
        """Given a malicious IOC, When deleting, Then deleted and scored unknown."""
        reply = load_reply("ioc_delete")
        reply["data"]["attributes"] = {
            "threat_type": "DOMAIN",
            "threat_value": "bad.example",
        }
        reply["data"]["metadata"]["source"]["threat_level"] = "Malicious"
        self.reply("DELETE", f"/iocrepository/v1/iocs/{IOC_ID}", json=reply)

        results = self.run({"source": "Vision-UI", "id": IOC_ID})

        assert_sent(
            self.only_call(),
            "DELETE",
            f"/iocrepository/v1/iocs/{IOC_ID}",
            source="Vision-UI",
        )
        assert results.outputs == {**reply["data"], "deleted": True}
        context = results.to_context()["EntryContext"]
        assert context[Common.DBotScore.CONTEXT_PATH] == [
            dbot("bad.example", "domain", 0)
        ]
        assert context[Common.Domain.CONTEXT_PATH] == [{"Name": "bad.example"}]

    def test_the_reference_example(self):
        """Given the reference reply, When deleting, Then the golden table."""
        results, reply = self.replay(
            "ioc_delete",
            "DELETE",
            f"/iocrepository/v1/iocs/{IOC_ID}",
            {"source": "Vision-UI", "id": IOC_ID},
        )

        self.assert_results(
            results,
            {**reply["data"], "deleted": True},
            load_readable("ioc_delete"),
        )

    def test_source_is_required(self):
        """Given no source, When deleting, Then it is refused by name."""
        self.assert_refused({"id": IOC_ID}, 'The argument "source" is required.')


# ------------------------------------------------------------------------------------
# Reputation
# ------------------------------------------------------------------------------------


class TestVerdicts:
    """Threat levels become DBotScores; threat types become standard indicators."""

    @pytest.mark.parametrize(
        "level, score",
        [
            pytest.param("low", 1, id="low-good"),
            pytest.param("Suspicious", 2, id="suspicious"),
            pytest.param("moderate", 2, id="moderate"),
            pytest.param("SUBSTANTIAL", 2, id="substantial"),
            pytest.param("Malicious", 3, id="malicious"),
            pytest.param("severe", 3, id="severe"),
            pytest.param(" critical ", 3, id="critical-padded"),
            pytest.param("High", 3, id="high"),
            pytest.param("very_high", 0, id="unmapped"),
            pytest.param(None, 0, id="no-level"),
        ],
    )
    def test_default_threat_levels(self, level, score):
        """Given a level, When scoring with defaults, Then the documented score."""
        assert vision.Verdicts().score(level) == score

    def test_instance_settings_override_the_defaults(self):
        """Given overrides, When scoring, Then the settings win over the defaults."""
        verdicts = vision.Verdicts(
            good="Minor, informational", suspicious="high", bad="very_high"
        )

        scores = [
            verdicts.score(level)
            for level in (
                "minor",
                "Informational",
                "High",
                "very_high",
                "Malicious",
                "low",
            )
        ]

        assert scores == [1, 1, 2, 3, 3, 1]

    def test_an_unlisted_level_scores_unknown_even_with_overrides(self):
        """Given suspicious=high only, Then very_high stays unknown."""
        verdicts = vision.Verdicts(suspicious="high")

        assert (verdicts.score("High"), verdicts.score("very_high")) == (2, 0)

    @pytest.mark.parametrize(
        "threat_type, value, path, context",
        [
            pytest.param(
                "DOMAIN",
                "evil.example",
                Common.Domain.CONTEXT_PATH,
                {"Name": "evil.example", "Malicious": malicious()},
                id="domain",
            ),
            pytest.param(
                "URL",
                "https://evil.example/login",
                Common.URL.CONTEXT_PATH,
                {"Data": "https://evil.example/login", "Malicious": malicious()},
                id="url",
            ),
            pytest.param(
                "SENDER",
                "phisher@evil.example",
                "Email(val.Address && val.Address == obj.Address)",
                {"Address": "phisher@evil.example", "Malicious": malicious()},
                id="sender",
            ),
            pytest.param(
                "MD5",
                MD5,
                Common.File.CONTEXT_PATH,
                {
                    "MD5": MD5,
                    "Hashes": [{"type": "MD5", "value": MD5}],
                    "Malicious": malicious(),
                },
                id="md5",
            ),
            pytest.param(
                "SHA256",
                SHA256,
                Common.File.CONTEXT_PATH,
                {
                    "SHA256": SHA256,
                    "Hashes": [{"type": "SHA256", "value": SHA256}],
                    "Malicious": malicious(),
                },
                id="sha256",
            ),
        ],
    )
    def test_a_bad_ioc_becomes_its_standard_indicator(
        self, threat_type, value, path, context
    ):
        """Given a malicious IOC, Then its indicator context names the vendor."""
        verdicts = vision.Verdicts(reliability=DBotScoreReliability.A)

        indicator = verdicts.indicator(ioc_record(threat_type, value))

        dbot_type = vision.INDICATOR_DBOT_TYPES[threat_type]
        assert indicator.to_context() == {
            path: context,
            Common.DBotScore.CONTEXT_PATH: dbot(
                value, dbot_type, 3, DBotScoreReliability.A
            ),
        }

    def test_a_subject_is_scored_without_a_standard_indicator(self):
        """Given a subject IOC, Then only a custom DBotScore, on the subject text."""
        ioc = ioc_record("subject", "Your invoice [urgent]", "moderate")

        indicator = vision.Verdicts(reliability=DBotScoreReliability.B).indicator(ioc)

        assert indicator.to_context() == {
            Common.DBotScore.CONTEXT_PATH: dbot("Your invoice [urgent]", "custom", 2),
        }

    def test_a_sender_below_bad_has_no_malicious_block(self):
        """Given a suspicious sender, Then Email.Address without Malicious."""
        ioc = ioc_record("SENDER", "a@b.example", "suspicious")

        context = vision.Verdicts().indicator(ioc).to_context()

        assert context["Email(val.Address && val.Address == obj.Address)"] == {
            "Address": "a@b.example"
        }

    @pytest.mark.parametrize(
        "ioc",
        [
            pytest.param(
                {"attributes": {"threat_type": "IP", "threat_value": "10.0.0.1"}},
                id="unknown-type",
            ),
            pytest.param(
                {"attributes": {"threat_type": "DOMAIN", "threat_value": ""}},
                id="empty-value",
            ),
            pytest.param({"attributes": None, "metadata": None}, id="null-parts"),
            pytest.param({}, id="empty"),
        ],
    )
    def test_an_ioc_without_a_usable_value_gives_no_indicator(self, ioc):
        """Given an IOC with nothing to score, Then no indicator and no crash."""
        assert vision.Verdicts().indicator(ioc) is None

    def test_the_indicator_is_the_threat_value_never_the_id(self):
        """Given an IOC, Then the DBotScore indicator is its value."""
        ioc = ioc_record("DOMAIN", "evil.example")

        indicator = vision.Verdicts().indicator(ioc)

        assert indicator.dbot_score.indicator == "evil.example" != ioc["id"]


# ------------------------------------------------------------------------------------
# Escaping
# ------------------------------------------------------------------------------------


EMAIL_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")) | st.just("\n"), max_size=40
)


def unescape_cell(cell: str) -> str:
    """Reverses escape_cell: inserted <br> back to newlines, backslashes dropped."""
    parts = cell.split("<br>")
    return "\n".join(re.sub(r"\\(.)", r"\1", part, flags=re.S) for part in parts)


class TestEscaping:
    """Text from emails stays one cell of one row, and nothing of it is lost."""

    @settings(deadline=None, max_examples=100)
    @given(first=EMAIL_TEXT, second=EMAIL_TEXT)
    def test_any_text_stays_in_its_cell(self, first, second):
        """Given any two texts, When tabled, Then one row of two cells, text intact."""
        columns = (
            vision.Column("A", vision.field("a")),
            vision.Column("B", vision.field("b")),
        )

        table = vision.render_table("T", columns, [{"a": first, "b": second}])

        lines = table.split("\n")
        cells = re.split(r"(?<!\\)\|", lines[3])
        assert (len(lines), lines[4], cells[0], cells[-1]) == (5, "", "", "")
        assert [unescape_cell(cell[1:-1]) for cell in cells[1:-1]] == [first, second]

    @pytest.mark.parametrize(
        "text, cell",
        [
            pytest.param("a\r\nb", "a<br>b", id="crlf"),
            pytest.param("a\tb\x00c\x7f", "a b c ", id="control-characters"),
            pytest.param("<br>", r"\<br\>", id="literal-br"),
            pytest.param(
                "![x](http://e/i.png)", r"\!\[x\]\(http://e/i.png\)", id="image"
            ),
            pytest.param(
                "# *a* _b_ ~c~ `d` {e} +f",
                r"\# \*a\* \_b\_ \~c\~ \`d\` "
                r"\{e\} \+f",
                id="emphasis-and-headings",
            ),
        ],
    )
    def test_markdown_and_control_characters(self, text, cell):
        """Given markup or control characters, Then backslashes and spaces."""
        assert vision.escape_cell(text) == cell


# ------------------------------------------------------------------------------------
# Dates
# ------------------------------------------------------------------------------------


class TestDates:
    """Date arguments go to Vision in UTC; reply dates show in the reference form."""

    @freeze_time(FROZEN_NOW)
    @pytest.mark.parametrize(
        "text, forward, sent",
        [
            pytest.param("3 days", False, "2022-08-07T04:25:23Z", id="days-back"),
            pytest.param("3 days ago", False, "2022-08-07T04:25:23Z", id="days-ago"),
            pytest.param("1 day", True, "2022-08-11T04:25:23Z", id="expiry-forward"),
            pytest.param("90 minutes", False, "2022-08-10T02:55:23Z", id="minutes"),
            pytest.param("2 Hours", False, "2022-08-10T02:25:23Z", id="hours"),
            pytest.param("1 month", False, "2022-07-10T04:25:23Z", id="month-back"),
            pytest.param("1 year", True, "2023-08-10T04:25:23Z", id="year-forward"),
            pytest.param(
                "2022-04-17T14:05:44Z", False, "2022-04-17T14:05:44Z", id="zulu"
            ),
            pytest.param(
                "2022-04-17T16:05:44+02:00",
                False,
                "2022-04-17T14:05:44Z",
                id="offset-converted",
            ),
            pytest.param(
                "2022-04-17T14:05:44", False, "2022-04-17T14:05:44Z", id="naive-is-utc"
            ),
            pytest.param("2022-04-17", False, "2022-04-17T00:00:00Z", id="date-only"),
            pytest.param(
                "01 Mar 2021", False, "2021-03-01T00:00:00Z", id="day-month-year"
            ),
            pytest.param(
                "01 Feb 2021 04:45:33", False, "2021-02-01T04:45:33Z", id="with-time"
            ),
            pytest.param("20/08/2022", True, "2022-08-20T00:00:00Z", id="day-first"),
            pytest.param(
                "0001-01-01", False, "0001-01-01T00:00:00Z", id="four-digit-year"
            ),
            pytest.param("20220417", False, "2022-04-17T00:00:00Z", id="basic-format"),
            pytest.param(
                "2022-04-17T19:35:44+0530", False, "2022-04-17T14:05:44Z", id="compact"
            ),
            pytest.param(
                "2022-04-17T14:05:44.987Z",
                False,
                "2022-04-17T14:05:44Z",
                id="to-second",
            ),
        ],
    )
    def test_date_arguments(self, text, forward, sent):
        """Given a date argument, When parsed, Then Vision's UTC form."""
        parsed = vision.parse_date_text(text, "when", forward=forward)

        assert vision.to_api_date(parsed) == sent

    @freeze_time(FROZEN_NOW)
    @pytest.mark.parametrize(
        "text, sent",
        [
            pytest.param("2020-01-01", "2020-01-01T00:00:00Z", id="absolute"),
            pytest.param("yesterday", "2022-08-09T04:25:23Z", id="yesterday"),
            pytest.param("in -3 days", "2022-08-07T04:25:23Z", id="in-minus"),
        ],
    )
    def test_an_expiry_in_the_past_is_refused(self, text, sent):
        """Given an expiry before now in any form, When parsed, Then refused."""
        with pytest.raises(ValueError) as error:
            vision.parse_date_text(text, "expires_at", forward=True)

        assert str(error.value) == (
            f'"expires_at" is an expiry and must be later than now; got "{text}" '
            f"({sent})."
        )

    @pytest.mark.parametrize(
        "text", ["3 days ago", "-3 days", " -1 week", "2 Weeks AGO"]
    )
    def test_an_expiry_refuses_a_duration_into_the_past(self, text):
        """Given 'ago' or a minus for an expiry, When parsed, Then refused by name."""
        with pytest.raises(ValueError) as error:
            vision.parse_date_text(text, "expires_at", forward=True)

        assert str(error.value) == (
            '"expires_at" is an expiry, and a duration counts forward from now: give '
            f'one such as "3 days", or a date; got "{text}".'
        )

    @pytest.mark.parametrize(
        "value, shown",
        [
            pytest.param(
                "2022-07-27T13:58:44.000+00:00",
                "27/07/2022, 01:58 PM UTC",
                id="utc-offset",
            ),
            pytest.param(
                "2022-07-25T05:08:11.036864677",
                "25/07/2022, 05:08 AM UTC",
                id="naive-nanoseconds",
            ),
            pytest.param(
                "2022-07-27T13:58:44.000+02:00",
                "27/07/2022, 11:58 AM UTC",
                id="offset-converted",
            ),
            pytest.param(
                "2022-07-27T23:30:00-01:00",
                "28/07/2022, 12:30 AM UTC",
                id="offset-crosses-midnight",
            ),
            pytest.param(
                "2022-07-27T00:00:00Z", "27/07/2022, 12:00 AM UTC", id="midnight"
            ),
            pytest.param("2022-07-27T12:00:00Z", "27/07/2022, 12:00 PM UTC", id="noon"),
            pytest.param(
                "2022-07-27 09:01", "27/07/2022, 09:01 AM UTC", id="no-seconds"
            ),
            pytest.param(
                "2022-07-27T23:59:59Z", "27/07/2022, 11:59 PM UTC", id="last-minute"
            ),
            pytest.param("2022-07-27T25:00:00Z", "", id="hour-out-of-range"),
            pytest.param(
                "2022-07-27T13:58:44+0530",
                "27/07/2022, 08:28 AM UTC",
                id="compact-offset",
            ),
            pytest.param(
                "2022-07-27T13:58:44.12+05:30",
                "27/07/2022, 08:28 AM UTC",
                id="two-digit-fraction",
            ),
            pytest.param("2022-13-27T10:00:00Z", "", id="month-13"),
            pytest.param("2022-02-30T10:00:00Z", "", id="february-30"),
            pytest.param("2023-02-29T10:00:00Z", "", id="february-29-common-year"),
            pytest.param(
                "2024-02-29T10:00:00Z", "29/02/2024, 10:00 AM UTC", id="leap-day"
            ),
            pytest.param("2023-04-31T10:00:00Z", "", id="april-31"),
            pytest.param("2022-07-27T10:60:00Z", "", id="minute-60"),
            pytest.param("yesterday", "", id="not-a-date"),
            pytest.param(None, "", id="null"),
            pytest.param(1658930324, "", id="epoch-number"),
        ],
    )
    def test_reply_dates_in_tables(self, value, shown):
        """Given a reply date, When shown, Then DD/MM/YYYY, hh:mm AM/PM UTC or blank."""
        assert vision.format_date(value) == shown


# ------------------------------------------------------------------------------------
# Token cache and authentication
# ------------------------------------------------------------------------------------


class TestToken:
    """One token per instance, kept in the integration context until near its expiry."""

    @staticmethod
    def headers_command(client: vision.Client):
        return vision.COMMANDS["cofense-searchable-headers-get"](client, {})

    @pytest.fixture(autouse=True)
    def _headers_endpoint(self, requests_mock):
        self.api = requests_mock.get(
            BASE_URL + "/api/v4/config/searchableHeaders", json={"headers": []}
        )

    def new_client(self, clock: Clock, url: str = BASE_URL, client_id: str = CLIENT_ID):
        """A client as one command run builds it, sharing the cache via the context."""
        cache = vision.TokenCache(url, client_id, clock=clock)
        return vision.Client(url, client_id, CLIENT_SECRET, token_cache=cache)

    def test_the_token_request_is_a_client_credentials_form(
        self, client, token_service
    ):
        """Given a first call, When authenticating, Then the OAuth2 form, no bearer."""
        self.headers_command(client)

        request = token_service.last_request
        assert request.method == "POST"
        assert parse_qsl(request.body) == [
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ]
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert request.headers["Accept"] == "application/json"
        assert "Authorization" not in request.headers

    def test_two_commands_share_one_token(self, token_service, integration_context):
        """Given two command runs, When both call Vision, Then one token request."""
        clock = Clock()

        self.headers_command(self.new_client(clock))
        clock.now += 600
        self.headers_command(self.new_client(clock))

        assert token_service.call_count == 1
        assert [call.headers["Authorization"] for call in self.api.request_history] == [
            f"Bearer {ACCESS_TOKEN}"
        ] * 2
        assert integration_context.value == {
            "token": {
                "access_token": ACCESS_TOKEN,
                "expires_at": 1_000_000.0 + TOKEN_LIFETIME,
                "url": BASE_URL,
                "client_id": CLIENT_ID,
            }
        }

    @pytest.mark.parametrize(
        "url, client_id",
        [
            pytest.param("https://vision-2.example.com", CLIENT_ID, id="other-url"),
            pytest.param(BASE_URL, "other-client", id="other-client-id"),
        ],
    )
    def test_another_server_or_client_fetches_its_own_token(
        self, requests_mock, token_service, url, client_id
    ):
        """Given a cached token, When url or client id changes, Then a new token."""
        clock = Clock()
        requests_mock.post(
            url + TOKEN_PATH,
            json={"access_token": "token-2", "expires_in": TOKEN_LIFETIME},
        )
        requests_mock.get(
            url + "/api/v4/config/searchableHeaders", json={"headers": []}
        )

        self.headers_command(self.new_client(clock))
        self.headers_command(self.new_client(clock, url, client_id))

        token_requests = [
            call
            for call in requests_mock.request_history
            if path_of(call) == TOKEN_PATH
        ]
        assert len(token_requests) == 2
        assert parse_qsl(token_requests[1].body)[1] == ("client_id", client_id)
        assert (
            requests_mock.request_history[-1].headers["Authorization"]
            == "Bearer token-2"
        )

    @pytest.mark.parametrize(
        "seconds_later, token_requests",
        [
            pytest.param(TOKEN_LIFETIME - 61, 1, id="61s-left-reused"),
            pytest.param(TOKEN_LIFETIME - 60, 2, id="60s-left-renewed"),
            pytest.param(TOKEN_LIFETIME + 5, 2, id="expired-renewed"),
        ],
    )
    def test_a_token_is_renewed_a_minute_before_it_expires(
        self, token_service, seconds_later, token_requests
    ):
        """Given a cached token, When close to its expiry, Then it is renewed."""
        clock = Clock()

        self.headers_command(self.new_client(clock))
        clock.now += seconds_later
        self.headers_command(self.new_client(clock))

        assert token_service.call_count == token_requests

    def test_a_rejected_token_is_renewed_once_and_the_call_retried(
        self, requests_mock, token_service, client
    ):
        """Given a 401 invalid_token, When calling, Then one re-auth and one retry."""
        requests_mock.post(
            BASE_URL + TOKEN_PATH,
            response_list=[
                {"json": {"access_token": "token-1", "expires_in": TOKEN_LIFETIME}},
                {"json": {"access_token": "token-2", "expires_in": TOKEN_LIFETIME}},
            ],
        )
        requests_mock.get(
            BASE_URL + "/api/v4/config/searchableHeaders",
            response_list=[
                {
                    "status_code": 401,
                    "json": {
                        "error": "invalid_token",
                        "error_description": "Access token expired",
                    },
                },
                {"json": {"headers": ["X-Spam"]}},
            ],
        )

        results = self.headers_command(client)

        calls = [
            (call.method, path_of(call), call.headers.get("Authorization"))
            for call in requests_mock.request_history
        ]
        assert calls == [
            ("POST", TOKEN_PATH, None),
            ("GET", "/api/v4/config/searchableHeaders", "Bearer token-1"),
            ("POST", TOKEN_PATH, None),
            ("GET", "/api/v4/config/searchableHeaders", "Bearer token-2"),
        ]
        assert results.outputs == {"name": "searchableHeaders", "value": ["X-Spam"]}

    def test_a_second_rejection_gives_up(
        self, requests_mock, token_service, client, integration_context
    ):
        """Given two 401s, When calling, Then two tries, an error, no cached token."""
        self.api = requests_mock.get(
            BASE_URL + "/api/v4/config/searchableHeaders",
            status_code=401,
            json={
                "error": "invalid_token",
                "error_description": "Access token expired",
            },
        )

        with pytest.raises(DemistoException) as error:
            self.headers_command(client)

        assert str(error.value) == (
            "Cofense Vision answered HTTP 401 invalid_token: Access token expired. "
            "Check the Client ID and Client Secret of the instance."
        )
        assert (token_service.call_count, self.api.call_count) == (2, 2)
        assert "token" not in integration_context.value

    @pytest.mark.parametrize("status", [400, 401, 403])
    def test_bad_credentials_give_one_clear_sentence(
        self, requests_mock, client, status
    ):
        """Given refused credentials, When authenticating, Then a hint, no call."""
        requests_mock.post(
            BASE_URL + TOKEN_PATH,
            status_code=status,
            json={"error": "unauthorized", "error_description": "Bad credentials"},
        )

        with pytest.raises(DemistoException) as error:
            self.headers_command(client)

        assert str(error.value) == (
            "Authentication failed: Cofense Vision rejected the Client ID or Client "
            f"Secret (HTTP {status}). Check both in the instance settings."
        )
        assert self.api.call_count == 0

    def test_a_reply_without_a_token_is_an_error(self, requests_mock, client):
        """Given a token reply with no token, When authenticating, Then it is named."""
        requests_mock.post(BASE_URL + TOKEN_PATH, json={"token_type": "bearer"})

        with pytest.raises(DemistoException) as error:
            self.headers_command(client)

        assert str(error.value) == (
            "Cofense Vision's token service answered without a token."
        )

    def test_a_reply_without_a_lifetime_is_kept_briefly(
        self, requests_mock, integration_context
    ):
        """Given no expires_in, When caching, Then two renewal margins of life."""
        requests_mock.post(BASE_URL + TOKEN_PATH, json={"access_token": "short"})

        self.headers_command(self.new_client(Clock()))

        assert integration_context.value["token"]["expires_at"] == 1_000_000.0 + 120

    @pytest.mark.parametrize(
        "context",
        [
            pytest.param({"token": "garbage", "other": 1}, id="token-not-a-dict"),
            pytest.param(
                {"token": {"access_token": 5, "expires_at": "soon"}, "other": 1},
                id="wrong-types",
            ),
            pytest.param(
                {"token": {"access_token": "old", "expires_at": 9e12}, "other": 1},
                id="no-owner",
            ),
            pytest.param(None, id="no-context"),
        ],
    )
    def test_a_corrupt_context_is_ignored(
        self, token_service, integration_context, context
    ):
        """Given a context not ours, When calling, Then a fresh token is saved."""
        integration_context.value = context

        self.headers_command(self.new_client(Clock()))

        assert token_service.call_count == 1
        assert (
            self.api.last_request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        )
        assert integration_context.value["token"]["access_token"] == ACCESS_TOKEN
        assert integration_context.value.get("other") == (context or {}).get("other")

    def test_no_token_or_secret_is_logged(self, monkeypatch, token_service):
        """Given debug logging, When a token is fetched and reused, Then no secret."""
        lines = []
        monkeypatch.setattr(
            demisto, "debug", lambda message, *args: lines.append(message)
        )
        clock = Clock()

        self.headers_command(self.new_client(clock))
        self.headers_command(self.new_client(clock))

        assert lines == [
            "Fetched a new token valid until 1970-01-12T14:16:39Z.",
            "Reusing cached token valid until 1970-01-12T14:16:39Z.",
        ]


# ------------------------------------------------------------------------------------
# Error replies and transport failures
# ------------------------------------------------------------------------------------


class TestErrorReplies(CommandTest):
    """Every failure becomes one sentence: status, Vision's words, what to do."""

    command = "cofense-message-search-get"

    def test_a_failed_certificate_check_on_a_post_is_a_certificate_problem(self):
        """Given a failed TLS handshake, When creating, Then the certificate advice."""
        failure = requests.exceptions.SSLError("certificate verify failed")
        self.reply("POST", "/api/v4/quarantineJobs", exc=failure)

        with pytest.raises(DemistoException) as error:
            self.run({"quarantine_emails": "<a@b>:u@example.com"},
                     "cofense-quarantine-job-create")

        assert str(error.value).startswith("The TLS certificate of Cofense Vision")

    def test_an_error_body_nested_too_deep_still_reads_as_one_sentence(self):
        """Given a deeply nested 500 body, When reading, Then one sentence."""
        self.reply("GET", "/api/v4/searches/700", status_code=500,
                   text="[" * 100_000 + "]" * 100_000)

        with pytest.raises(DemistoException) as error:
            self.run({"id": "700"})

        assert str(error.value) == (
            "Cofense Vision answered HTTP 500. Vision or a proxy in front of it "
            "failed; retry later."
        )

    @pytest.mark.parametrize(
        "response, message",
        [
            pytest.param(
                {
                    "status_code": 404,
                    "json": {
                        "status": "NOT_FOUND",
                        "message": "Unable to find the requested object.",
                        "details": ["Search 700 does not exist"],
                    },
                },
                "Cofense Vision answered HTTP 404 NOT_FOUND: Unable to find the "
                "requested object (Search 700 does not exist). Check the ID or the "
                "values given to the command.",
                id="vision-json-error",
            ),
            pytest.param(
                {
                    "status_code": 502,
                    "headers": {"Content-Type": "text/html; charset=utf-8"},
                    "text": "<html><body><h1>502 Bad Gateway</h1></body></html>",
                },
                "Cofense Vision answered HTTP 502 with an HTML error page (often a "
                "proxy or load balancer). Vision or a proxy in front of it failed; "
                "retry later.",
                id="html-502",
            ),
            pytest.param(
                {"status_code": 503, "content": b""},
                "Cofense Vision answered HTTP 503 with an empty body. Vision or a "
                "proxy in front of it failed; retry later.",
                id="empty-503",
            ),
            pytest.param(
                {"status_code": 429, "json": {"status": "TOO_MANY_REQUESTS"}},
                "Cofense Vision answered HTTP 429 TOO_MANY_REQUESTS. Vision is rate "
                "limiting this client; retry later.",
                id="rate-limited",
            ),
            pytest.param(
                {"status_code": 200, "text": "<html>maintenance</html>"},
                "Cofense Vision answered HTTP 200 to GET /api/v4/searches/700 with a "
                "body that is not JSON. Retry the command.",
                id="ok-but-not-json",
            ),
            pytest.param(
                {
                    "exc": requests.exceptions.ReadTimeout(
                        "Read timed out. (read timeout=60)"
                    )
                },
                "Cofense Vision did not answer GET /api/v4/searches/700 within the "
                "HTTP timeout, even after retries; retry later or raise the timeout "
                "of the instance.",
                id="read-timeout",
            ),
            pytest.param(
                {"exc": requests.exceptions.ConnectTimeout("connect timed out")},
                "Cofense Vision did not accept a connection in time; check the "
                "Server URL and that Vision is reachable from this host.",
                id="connect-timeout",
            ),
            pytest.param(
                {"exc": requests.exceptions.SSLError("certificate verify failed")},
                "The TLS certificate of Cofense Vision could not be verified; fix "
                "the certificate or select 'Trust any certificate' in the instance "
                "settings.",
                id="tls",
            ),
            pytest.param(
                {
                    "exc": requests.exceptions.ConnectionError(
                        "Max retries exceeded (Caused by NameResolutionError(...))"
                    )
                },
                "The host name of the Server URL could not be resolved; check the "
                "Server URL of the instance.",
                id="dns",
            ),
        ],
    )
    def test_failures_read_as_one_sentence(self, response, message):
        """Given a failed reply or transport, When reading, Then one sentence."""
        self.reply("GET", "/api/v4/searches/700", **response)

        with pytest.raises(DemistoException) as error:
            self.run({"id": "700"})

        assert str(error.value) == message

    @pytest.mark.parametrize(
        "command, args, path, check",
        [
            pytest.param(
                "cofense-quarantine-job-create",
                {"quarantine_emails": "<a@b>:u@example.com"},
                "/api/v4/quarantineJobs",
                "the job may have been created; check cofense-quarantine-jobs-list",
                id="quarantine-job",
            ),
            pytest.param(
                "cofense-message-search-create",
                {"subjects": "invoice"},
                "/api/v4/searches",
                "the search may have been created; check cofense-message-searches-list",
                id="search",
            ),
            pytest.param(
                "cofense-message-token-get",
                {
                    "internet_message_id": MESSAGE_ID,
                    "recipient_address": "u@example.com",
                },
                "/api/v4/messages",
                "a download token may have been issued; request a new one",
                id="token",
            ),
        ],
    )
    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param(
                requests.exceptions.ConnectionError(
                    "('Connection aborted.', RemoteDisconnected('Remote end closed "
                    "connection without response'))"
                ),
                id="connection-dropped",
            ),
            pytest.param(
                requests.exceptions.ReadTimeout("Read timed out."), id="read-timeout"
            ),
            pytest.param(
                requests.exceptions.SSLError("EOF occurred in violation of protocol"),
                id="tls-cut-after-sending",
            ),
        ],
    )
    def test_a_creating_post_that_fails_after_sending_may_have_landed(
        self, command, args, path, check, failure
    ):
        """Given a POST lost after sending, When creating, Then it may exist."""
        self.reply("POST", path, exc=failure)

        with pytest.raises(DemistoException) as error:
            self.run(args, command)

        assert str(error.value) == (
            f"The connection to Cofense Vision failed after POST {path} was sent, so "
            f"{check}."
        )
        assert len(self.api_calls()) == 1

    def test_a_refused_connection_cannot_have_created_anything(self):
        """Given a refused connection, When creating a job, Then no 'may' claim."""
        self.reply(
            "POST",
            "/api/v4/quarantineJobs",
            exc=requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='vision.example.com', port=443): Max "
                "retries exceeded (Caused by NewConnectionError('[Errno 111] "
                "Connection refused'))"
            ),
        )

        with pytest.raises(DemistoException) as error:
            self.run(
                {"quarantine_emails": "<a@b>:u@example.com"},
                "cofense-quarantine-job-create",
            )

        assert str(error.value) == (
            "Cofense Vision refused the connection; check the Server URL and that "
            "Vision is running and reachable from this host."
        )


class TestRetryPolicy:
    """Transient failures are retried by urllib3, but never for creating POSTs."""

    @pytest.mark.parametrize(
        "path, methods",
        [
            pytest.param(
                "/api/v4/quarantineJobs",
                {"GET", "PUT", "DELETE"},
                id="creating-post-not-retried",
            ),
            pytest.param(TOKEN_PATH, {"GET", "PUT", "DELETE", "POST"}, id="token-post"),
            pytest.param(
                "/api/v4/quarantineJobs/filter",
                {"GET", "PUT", "DELETE", "POST"},
                id="read-only-filter-post",
            ),
        ],
    )
    def test_which_methods_are_retried_where(self, client, path, methods):
        """Given a path, Then the adapter mounted for it retries only safe methods."""
        prefixes = [
            prefix
            for prefix in client._session.adapters
            if (BASE_URL + path).startswith(prefix)
        ]
        adapter = client._session.adapters[max(prefixes, key=len)]

        policy = adapter.max_retries
        assert set(policy.allowed_methods) == methods
        assert set(policy.status_forcelist) == {429, 502, 503, 504}
        assert policy.total == 3

    @pytest.mark.parametrize(
        "retry_after, wait",
        [
            pytest.param("120", 30, id="capped"),
            pytest.param("7", 7, id="honoured"),
        ],
    )
    def test_retry_after_is_honoured_up_to_a_cap(self, retry_after, wait):
        """Given a Retry-After header, Then the wait is capped at 30 seconds."""
        response = HTTPResponse(status=429, headers={"Retry-After": retry_after})

        assert vision._retry_policy(["GET"]).get_retry_after(response) == wait


# ------------------------------------------------------------------------------------
# Replies with missing fields
# ------------------------------------------------------------------------------------


EMPTY_REPLY_CASES = [
    (
        "cofense-message-token-get",
        {"internet_message_id": MESSAGE_ID, "recipient_address": "u@example.com"},
    ),
    (
        "cofense-message-metadata-get",
        {"internet_message_id": MESSAGE_ID, "recipient_address": "u@example.com"},
    ),
    ("cofense-message-search-create", {"subjects": "a"}),
    ("cofense-message-searches-list", {}),
    ("cofense-message-search-get", {"id": "700"}),
    ("cofense-message-search-results-get", {"id": "700"}),
    ("cofense-searchable-headers-get", {}),
    ("cofense-quarantine-jobs-list", {}),
    ("cofense-quarantine-job-create", {"quarantine_emails": "<a@b>:u@example.com"}),
    ("cofense-quarantine-job-get", {"id": "100"}),
    ("cofense-quarantine-job-delete", {"id": "100"}),
    ("cofense-quarantine-job-restore", {"id": "100"}),
    ("cofense-quarantine-job-approve", {"id": "100"}),
    ("cofense-quarantine-job-stop", {"id": "100"}),
    ("cofense-iocs-list", {"source": "s"}),
    ("cofense-ioc-get", {"id": IOC_ID}),
    ("cofense-last-ioc-get", {"source": "s"}),
    ("cofense-ioc-update", {"id": IOC_ID, "expires_at": "2030-01-01"}),
    (
        "cofense-iocs-update",
        {
            "source": "s",
            "threat_type": "URL",
            "threat_value": "u",
            "threat_level": "low",
            "created_at": "2022-01-01",
            "source_id": "1",
        },
    ),
    ("cofense-ioc-delete", {"source": "s", "id": IOC_ID}),
]


# Empty bodies that vision-api.md documents: restore, approve, delete, and the last IOC
# of a source that has none.
REPLY_NOT_NEEDED = {
    "cofense-last-ioc-get",
    "cofense-quarantine-job-delete",
    "cofense-quarantine-job-restore",
    "cofense-quarantine-job-approve",
}


# Replies that are text, not JSON; their wrong shapes are refused in their own tests.
PLAIN_TEXT_REPLIES = {"cofense-message-token-get"}


class TestRepliesWithMissingFields:
    """Vision may leave out any field; no command may crash or print None."""

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param("{}", id="empty-object"),
            pytest.param("null", id="null"),
            pytest.param("[]", id="array"),
            pytest.param(
                json.dumps(
                    dict.fromkeys(
                        (
                            "data",
                            "searches",
                            "search",
                            "messages",
                            "headers",
                            "quarantineJobs",
                            "quarantineEmails",
                            "quarantineJobRuns",
                            "attributes",
                            "metadata",
                        )
                    )
                ),
                id="null-members",
            ),
        ],
    )
    @pytest.mark.parametrize(
        "command, args",
        [
            pytest.param(*case, id=case[0])
            for case in EMPTY_REPLY_CASES
            if case[0] not in PLAIN_TEXT_REPLIES
        ],
    )
    def test_every_command_survives(self, client, requests_mock, command, args, body):
        """Given a hollow reply, When running, Then an entry with blanks, not None."""
        api = re.compile(re.escape(BASE_URL) + "/(api|iocrepository)/")
        requests_mock.register_uri(ANY_METHOD, api, text=body)
        verdicts = vision.Verdicts()

        if command in vision.IOC_COMMANDS:
            results = vision.IOC_COMMANDS[command](client, args, verdicts)
        else:
            results = vision.COMMANDS[command](client, args)

        entry = results.to_context()
        assert entry["HumanReadable"].startswith("### ")
        assert "None" not in entry["HumanReadable"]
        assert json.loads(json.dumps(entry))["Type"] == 1

    @pytest.mark.parametrize(
        "text", ["<html>OK</html>", "[" * 100_000], ids=["html", "nested-too-deep"]
    )
    def test_a_creation_whose_reply_cannot_be_read_may_have_happened(
        self, client, requests_mock, text
    ):
        """Given an unreadable 200 to a job creation, When run, Then check the list."""
        requests_mock.post(BASE_URL + "/api/v4/quarantineJobs", text=text)

        with pytest.raises(DemistoException) as error:
            vision.quarantine_job_create_command(
                client, {"quarantine_emails": "<a@b>:u@example.com"}
            )

        assert str(error.value) == (
            "Cofense Vision answered HTTP 200 to POST /api/v4/quarantineJobs with a "
            "body that is not JSON. The job may have been created; check "
            "cofense-quarantine-jobs-list."
        )

    @pytest.mark.parametrize(
        "command, args", [pytest.param(*case, id=case[0]) for case in EMPTY_REPLY_CASES]
    )
    def test_an_empty_body_is_refused_where_a_reply_is_needed(
        self, client, requests_mock, command, args
    ):
        """Given empty 200 bodies, When running, Then an error unless none is needed."""
        api = re.compile(re.escape(BASE_URL) + "/(api|iocrepository)/")
        requests_mock.register_uri(ANY_METHOD, api, text="")
        if command in vision.IOC_COMMANDS:
            run = functools.partial(vision.IOC_COMMANDS[command], client, args,
                                    vision.Verdicts())
        else:
            run = functools.partial(vision.COMMANDS[command], client, args)

        if command in REPLY_NOT_NEEDED:
            assert run().to_context()["HumanReadable"].startswith("### ")
            return
        with pytest.raises(DemistoException, match="empty body where") as raised:
            run()
        creating = ("cofense-quarantine-job-create", "cofense-message-search-create")
        if command in creating:
            assert "may have been created; check cofense-" in str(raised.value)


# ------------------------------------------------------------------------------------
# test-module and main
# ------------------------------------------------------------------------------------


INSTANCE_PARAMS = {
    "url": BASE_URL + "/",
    "credentials": {"identifier": CLIENT_ID, "password": CLIENT_SECRET},
    "threat_levels_suspicious": "high",
    "integration_reliability": DBotScoreReliability.A,
    "timeout": "30",
    "insecure": False,
    "proxy": False,
}


class TestTestModule(CommandTest):
    command = "test-module"

    def test_ok_after_a_token_and_an_authorised_call(self, token_service):
        """Given working settings, When testing, Then 'ok' after one authorised call."""
        self.reply("GET", "/api/v4/config/searchableHeaders", json={"headers": []})

        assert vision.test_module(self.client) == "ok"

        assert token_service.call_count == 1
        assert_sent(self.only_call(), "GET", "/api/v4/config/searchableHeaders")

    def test_a_404_points_at_the_server_url(self):
        """Given a URL with a path, When testing, Then the advice is about the URL."""
        self.reply("GET", "/api/v4/config/searchableHeaders", status_code=404, json={})

        with pytest.raises(DemistoException) as error:
            vision.test_module(self.client)

        assert str(error.value) == (
            "Cofense Vision answered HTTP 404 to the connection test. Check that the "
            "Server URL is Vision's address alone, without a path such as /api/v4."
        )


class TestMain:
    """main() reads the platform, dispatches the command and reports errors safely."""

    @pytest.fixture(autouse=True)
    def _platform(self, monkeypatch):
        self.entries = []
        self.logs = []
        self.monkeypatch = monkeypatch
        monkeypatch.setattr(demisto, "results", self.entries.append)
        monkeypatch.setattr(
            demisto, "debug", lambda message, *args: self.logs.append(message)
        )

    def main(self, command: str, args: dict | None = None, params: dict | None = None):
        """Runs main() as the platform would, for one command."""
        self.monkeypatch.setattr(demisto, "command", lambda: command)
        self.monkeypatch.setattr(demisto, "args", lambda: args or {})
        self.monkeypatch.setattr(
            demisto, "params", lambda: INSTANCE_PARAMS if params is None else params
        )
        try:
            vision.main()
        except SystemExit as stop:
            assert stop.code in (0, None)
        return self.entries

    def error_text(self) -> str:
        assert len(self.entries) == 1 and self.entries[0]["Type"] == 4
        return self.entries[0]["Contents"]

    def test_test_module_reports_ok(self, requests_mock):
        """Given test-module, When main runs, Then the plain 'ok'."""
        requests_mock.get(BASE_URL + "/api/v4/config/searchableHeaders", json={})

        assert self.main("test-module") == ["ok"]

    def test_a_command_runs_with_the_instance_settings(self, requests_mock):
        """Given IOC settings, When main runs iocs-list, Then they shape verdicts."""
        requests_mock.get(
            BASE_URL + "/iocrepository/v1/iocs",
            json={"data": [ioc_record("DOMAIN", "evil.example", "High")]},
        )

        entries = self.main("cofense-iocs-list", {"source": "Vision-UI"})

        assert len(entries) == 1
        context = entries[0]["EntryContext"]
        assert context[Common.DBotScore.CONTEXT_PATH] == [
            dbot("evil.example", "domain", 2, DBotScoreReliability.A)
        ]
        assert requests_mock.last_request.timeout == 30.0
        assert requests_mock.last_request.url.startswith(BASE_URL + "/iocrepository/")

    def test_an_unknown_command_is_an_error_entry(self):
        """Given an unknown command, When main runs, Then one error entry names it."""
        self.main("cofense-nope")

        assert self.error_text() == (
            "Failed to execute cofense-nope command. Command cofense-nope is not "
            "implemented."
        )

    def test_every_bad_setting_is_named_at_once(self, requests_mock):
        """Given bad settings, When main runs, Then one error lists them, no request."""
        self.main(
            "test-module",
            params={
                "url": "ftp://vision",
                "credentials": {},
                "timeout": "0",
                "integration_reliability": "Z - Unknown",
            },
        )

        assert self.error_text() == (
            "Failed to execute test-module command. The instance settings need "
            "attention: Server URL must start with https:// (or http://) and name a "
            "host; Client ID is missing; Client Secret is missing; HTTP timeout must "
            "be a number of seconds above 0, at most 600; Source Reliability "
            "'Z - Unknown' is not one of XSOAR's."
        )
        assert requests_mock.request_history == []

    def test_a_user_and_password_in_the_server_url_are_refused(self, requests_mock):
        """Given user:password@ in the URL, When main runs, Then refused, no request."""
        params = {**INSTANCE_PARAMS, "url": "https://user:Url-Pa55@vision.example"}

        self.main("test-module", params=params)

        assert self.error_text() == (
            "Failed to execute test-module command. The instance settings need "
            "attention: Server URL must not hold a user name or password; the Client "
            "ID and Client Secret are the credentials."
        )
        assert requests_mock.request_history == []

    def test_a_secret_echoed_by_the_token_service_is_masked(self, requests_mock):
        """Given a reply quoting the secret, When it fails, Then it is masked."""
        requests_mock.post(
            BASE_URL + TOKEN_PATH,
            status_code=500,
            json={
                "error": "server_error",
                "error_description": f"client_secret {CLIENT_SECRET} is unchecked",
            },
        )

        self.main("cofense-searchable-headers-get")

        assert self.error_text() == (
            "Failed to execute cofense-searchable-headers-get command. Cofense Vision "
            "answered HTTP 500 server_error: client_secret <XX_REPLACED> is "
            "unchecked. Vision or a proxy in front of it failed; retry later."
        )

    def test_a_zip_password_echoed_by_vision_is_masked(self, requests_mock):
        """Given a reply quoting the zip password, When it fails, Then it is masked."""
        requests_mock.post(
            BASE_URL + "/api/v4/messages",
            status_code=400,
            json={"status": "BAD_REQUEST", "message": "weak password Zip-Pa55word"},
        )
        args = {
            "internet_message_id": MESSAGE_ID,
            "recipient_address": "u@example.com",
            "password": "Zip-Pa55word",
        }

        self.main("cofense-message-token-get", args)

        assert "Zip-Pa55word" not in self.error_text()
        assert self.error_text().endswith("weak password <XX_REPLACED>. Check the "
                                          "arguments of the command.")

    def test_settings_show_no_secret_in_their_repr(self):
        """Given settings, When shown with repr, Then the client secret is hidden."""
        settings = vision.InstanceSettings.from_params(INSTANCE_PARAMS)

        assert CLIENT_SECRET not in repr(settings)
        assert "client_secret=<hidden>" in repr(settings)

    def test_a_bearer_token_echoed_by_vision_is_masked(self, requests_mock):
        """Given a reply quoting the token, When it fails, Then the token is masked."""
        requests_mock.get(
            BASE_URL + "/api/v4/searches/700",
            status_code=400,
            json={
                "status": "BAD_REQUEST",
                "message": f"Token {ACCESS_TOKEN} lacks a scope",
            },
        )

        self.main("cofense-message-search-get", {"id": "700"})

        assert self.error_text() == (
            "Failed to execute cofense-message-search-get command. Cofense Vision "
            "answered HTTP 400 BAD_REQUEST: Token <XX_REPLACED> lacks a scope. Check "
            "the arguments of the command."
        )
        assert not [
            line for line in self.logs if CLIENT_SECRET in line or ACCESS_TOKEN in line
        ]


# ------------------------------------------------------------------------------------
# Coverage of the command tables
# ------------------------------------------------------------------------------------


def test_every_command_has_its_test_class():
    """Given the command tables, Then each function has a class of tests here."""
    tested = {cls.command for cls in CommandTest.__subclasses__()}
    tables = {**vision.COMMANDS, **vision.IOC_COMMANDS}

    covered = {tables[name] for name in tested if name in tables}

    assert covered == set(tables.values())
