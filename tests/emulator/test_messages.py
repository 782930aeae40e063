"""Message metadata, one-time tokens, message downloads and attachment downloads."""

import hashlib
import io
import re
import uuid
import zipfile

import pytest
import pyzipper

from vision_emulator import Backend
from vision_emulator.backend.downloads import SEEDED_TOKEN
from vision_emulator.samples import REFERENCE_ATTACHMENTS

from .support import REFERENCE_ID

NOT_FOUND = {"status": "NOT_FOUND", "message": "Unable to find the requested object",
             "details": []}
OFFSET_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def _metadata(vision, message_id: str, recipient: str):
    return vision.get("/api/v4/messages/metadata", query_string={
        "internetMessageId": message_id, "recipientAddress": recipient})


def _token(vision, message_id: str, recipient: str, password: str | None = None):
    body = {"internetMessageId": message_id, "recipientAddress": recipient}
    if password is not None:
        body["password"] = password
    return vision.post("/api/v4/messages", json=body)


def _message_with(backend, predicate):
    return next(item for item in backend.mailbox.messages if predicate(item))


def test_message_metadata__reference_message(vision, backend):
    reply = _metadata(vision, REFERENCE_ID, "abc@example.com")

    assert reply.status_code == 200
    body = reply.json
    raw = backend.mailbox.find(REFERENCE_ID, "abc@example.com").raw
    assert body["id"] == 760623
    assert body["internetMessageId"] == REFERENCE_ID
    assert (body["md5"], body["sha1"], body["sha256"]) == (
        hashlib.md5(raw).hexdigest(), hashlib.sha1(raw).hexdigest(),
        hashlib.sha256(raw).hexdigest())
    assert body["from"] == [{"id": 760623, "personal": "abc",
                             "address": "abc@example.com"}]
    assert {(r["address"], r["recipientType"]) for r in body["recipients"]} == {
        ("abc@example.com", "cc"), ("pqr@example.com", "to")}
    assert (body["receivedOn"], body["sentOn"], body["processedOn"]) == (
        "2022-07-27T13:58:44.000+00:00", "2022-07-27T13:58:43.000+00:00",
        "2022-07-27T13:58:46.271+00:00")
    assert body["matchingIOCs"] == [] and body["matchingSources"] == []
    assert body["partialIngest"] is False


def test_message_metadata__reference_attachments_carry_documented_hashes(vision):
    attachments = _metadata(vision, REFERENCE_ID, "pqr@example.com").json["attachments"]

    reported = {item["filename"]: (item["md5"], item["sha256"], item["size"])
                for item in attachments}
    documented = {name: (hashes.md5, hashes.sha256, hashes.size)
                  for name, (_, hashes) in REFERENCE_ATTACHMENTS.items()}
    assert reported == documented
    no_header = next(item for item in attachments
                     if item["filename"] == "text-file-146.txt")
    assert "contentType" not in no_header
    assert no_header["detectedContentType"] == "text/plain"


def test_message_metadata__headers_in_order_and_unfolded(vision):
    headers = _metadata(vision, REFERENCE_ID, "abc@example.com").json["headers"]

    names = [header["name"] for header in headers]
    assert names.index("From") < names.index("Subject") < names.index("Message-ID")
    subject = next(header["value"] for header in headers if header["name"] == "Subject")
    assert subject.startswith("craftless plantable") and "\n" not in subject
    assert {"name": "X-MS-Exchange-Organization-AuthSource",
            "value": "EXCH01.example.com"} in headers


def test_message_metadata__every_message_has_vision_dates(vision, backend):
    for message in backend.mailbox.messages[:5]:
        body = message.to_json()
        assert OFFSET_DATE.fullmatch(body["receivedOn"])
        assert OFFSET_DATE.fullmatch(body["processedOn"])


def test_message_metadata__recipient_is_case_insensitive(vision):
    reply = _metadata(vision, REFERENCE_ID, "ABC@Example.COM")

    assert reply.status_code == 200


@pytest.mark.parametrize("message_id, recipient", [
    pytest.param(REFERENCE_ID, "alice.nguyen@example.com", id="not-a-recipient"),
    pytest.param(REFERENCE_ID.upper(), "abc@example.com", id="id-is-case-sensitive"),
    pytest.param("<nothing@example.com>", "abc@example.com", id="unknown-id"),
])
def test_message_metadata__not_found(vision, message_id, recipient):
    reply = _metadata(vision, message_id, recipient)

    assert reply.status_code == 404
    assert reply.json == NOT_FOUND


def test_message_metadata__missing_parameter(vision):
    reply = vision.get("/api/v4/messages/metadata",
                       query_string={"internetMessageId": REFERENCE_ID})

    assert reply.status_code == 400
    assert reply.json["status"] == "BAD_REQUEST"
    assert reply.json["details"] == ["recipientAddress"]


def test_bcc_recipients_come_from_the_bcc_header(backend):
    message = _message_with(backend, lambda m: any(
        name == "Bcc" for name, _ in m.headers))

    bcc_header = next(value for name, value in message.headers if name == "Bcc")
    bcc = [r.address for r in message.recipients if r.recipient_type == "bcc"]
    assert bcc and all(address in bcc_header for address in bcc)


def test_message_token__plain_text_uuid(vision):
    reply = _token(vision, REFERENCE_ID, "abc@example.com")

    assert reply.status_code == 200
    assert reply.mimetype == "text/plain"
    assert str(uuid.UUID(reply.get_data(as_text=True))) == reply.get_data(as_text=True)


def test_message_token__unknown_message(vision):
    reply = _token(vision, REFERENCE_ID, "nobody@example.com")

    assert reply.status_code == 404
    assert reply.json == NOT_FOUND


def test_message_token__missing_field(vision):
    reply = vision.post("/api/v4/messages", json={"internetMessageId": REFERENCE_ID})

    assert reply.status_code == 400
    assert reply.json["details"] == ["recipientAddress"]


def test_message_download__zip_holds_the_raw_bytes(vision, backend):
    token = _token(vision, REFERENCE_ID, "abc@example.com").get_data(as_text=True)

    reply = vision.get("/api/v4/messages", query_string={"token": token})

    assert reply.status_code == 200
    assert reply.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(reply.data)) as archive:
        assert archive.namelist() == ["760623.eml"]
        assert archive.read("760623.eml") == backend.mailbox.messages[0].raw


def test_message_download__token_works_once(vision):
    token = _token(vision, REFERENCE_ID, "abc@example.com").get_data(as_text=True)

    first = vision.get("/api/v4/messages", query_string={"token": token})
    second = vision.get("/api/v4/messages", query_string={"token": token})

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json == {
        "status": "BAD_REQUEST",
        "message": "The download token is invalid or was already used",
        "details": ["token"]}


def test_message_download__missing_token(vision):
    reply = vision.get("/api/v4/messages")

    assert reply.status_code == 400
    assert reply.json["message"] == "A download token is required"


def test_message_download__seeded_reference_token(vision, backend):
    first = vision.get("/api/v4/messages", query_string={"token": SEEDED_TOKEN})
    second = vision.get("/api/v4/messages", query_string={"token": SEEDED_TOKEN})

    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        raw = archive.read(archive.namelist()[0])
    assert raw == backend.mailbox.find(REFERENCE_ID, "abc@example.com").raw
    assert second.status_code == 400


def test_message_download__encrypted_with_the_password(vision, backend):
    message = backend.mailbox.messages[7]
    recipient = message.recipients[0].address
    token = _token(vision, message.internet_message_id, recipient, "Inf3cted!")

    reply = vision.get("/api/v4/messages",
                       query_string={"token": token.get_data(as_text=True)})

    with pyzipper.AESZipFile(io.BytesIO(reply.data)) as archive:
        member = archive.namelist()[0]
        with pytest.raises(RuntimeError):
            archive.read(member)
        archive.setpassword(b"wrong")
        with pytest.raises(RuntimeError):
            archive.read(member)
        archive.setpassword(b"Inf3cted!")
        assert archive.read(member) == message.raw


def test_message_download__empty_password_means_no_encryption(vision, backend):
    token = _token(vision, REFERENCE_ID, "abc@example.com", "").get_data(as_text=True)

    reply = vision.get("/api/v4/messages", query_string={"token": token})

    with zipfile.ZipFile(io.BytesIO(reply.data)) as archive:
        assert archive.read(archive.namelist()[0]) == backend.mailbox.messages[0].raw


@pytest.fixture
def sample_attachment(backend):
    """An attachment of a generated message, whose hashes come from its bytes."""
    message = _message_with(backend, lambda m: m.attachments and m.id > 760624)
    return message.attachments[0]


@pytest.mark.parametrize("hashes", ["md5", "sha256", "both"])
def test_attachment_download(vision, sample_attachment, hashes):
    query = {"md5": sample_attachment.md5, "sha256": sample_attachment.sha256}
    if hashes != "both":
        query = {hashes: query[hashes]}

    reply = vision.get("/api/v4/attachment", query_string=query)

    assert reply.status_code == 200
    assert hashlib.sha256(reply.data).hexdigest() == sample_attachment.sha256
    assert hashlib.md5(reply.data).hexdigest() == sample_attachment.md5
    assert sample_attachment.filename in reply.headers["Content-Disposition"]


def test_attachment_download__upper_case_hash(vision, sample_attachment):
    reply = vision.get("/api/v4/attachment",
                       query_string={"md5": sample_attachment.md5.upper()})

    assert reply.status_code == 200


def test_attachment_download__reference_md5(vision):
    md5 = "3d0e1d68f12afee22ae3e79e01027c7a"

    reply = vision.get("/api/v4/attachment", query_string={"md5": md5})

    assert reply.status_code == 200
    assert len(reply.data) == REFERENCE_ATTACHMENTS[
        "fileNum-Thread[mailer-011,5,main]-text-file-163.txt"][1].size


def test_attachment_download__hashes_of_different_files(vision, backend,
                                                        sample_attachment):
    other = next(item for message in backend.mailbox.messages
                 for item in message.attachments if item.md5 != sample_attachment.md5)

    reply = vision.get("/api/v4/attachment", query_string={
        "md5": sample_attachment.md5, "sha256": other.sha256})

    assert reply.status_code == 404
    assert reply.json == NOT_FOUND


def test_attachment_download__no_hash(vision):
    reply = vision.get("/api/v4/attachment")

    assert reply.status_code == 400
    assert reply.json["details"] == ["md5", "sha256"]


def test_eml_folder(tmp_path):
    raw = (b"From: Mallory <mallory@evil.example>\r\nTo: a@corp.example\r\n"
           b"Bcc: b@corp.example\r\nSubject: hello\r\nMessage-ID: <x1@evil.example>\r\n"
           b"Date: Tue, 02 Aug 2022 10:00:00 +0000\r\n\r\n"
           b"See https://evil.example/login now.\r\n")
    (tmp_path / "one.eml").write_bytes(raw)
    (tmp_path / "ignored.txt").write_bytes(b"not a message")

    backend = Backend(eml_dir=tmp_path, include_samples=False)

    [message] = backend.mailbox.messages
    assert message.raw == raw
    assert message.sender_addresses == ["mallory@evil.example"]
    assert [(r.address, r.recipient_type) for r in message.recipients] == [
        ("a@corp.example", "to"), ("b@corp.example", "bcc")]
    assert message.urls == ["https://evil.example/login"]
    assert message.domains == {"evil.example"}
    assert message.to_json()["receivedOn"] == "2022-08-02T10:00:00.000+00:00"
    assert backend.mailbox.has_mailbox("B@corp.example")
    assert not backend.mailbox.has_mailbox("mallory@evil.example")


@pytest.mark.parametrize("header, stored", [
    pytest.param(b"<id with space@x>", "<id with space@x>", id="space-inside"),
    pytest.param(b"  <x2@evil.example>  ", "<x2@evil.example>", id="padded"),
    pytest.param(b"junk <a b@x> more", "<a b@x>", id="text-around"),
    pytest.param(b"\r\n <folded\r\n id@x>", "<folded id@x>", id="folded"),
    pytest.param(b"bare-id@x ", "bare-id@x", id="no-brackets"),
    pytest.param(b"<never closed", "<never closed", id="unclosed"),
])
def test_eml_folder__message_id_as_written(tmp_path, header, stored):
    (tmp_path / "one.eml").write_bytes(
        b"From: m@evil.example\r\nTo: a@corp.example\r\nMessage-ID: " + header
        + b"\r\nSubject: hi\r\n\r\nbody\r\n")

    [message] = Backend(eml_dir=tmp_path, include_samples=False).mailbox.messages

    assert message.internet_message_id == stored
    assert message.to_json()["internetMessageId"] == stored


def test_eml_folder__message_id_header_keeps_its_text(tmp_path):
    (tmp_path / "one.eml").write_bytes(
        b"To: a@corp.example\r\nMessage-ID: <id with space@x>\r\n\r\nbody\r\n")

    [message] = Backend(eml_dir=tmp_path, include_samples=False).mailbox.messages

    assert ("Message-ID", "<id with space@x>") in message.headers


def test_eml_folder__missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        Backend(eml_dir=tmp_path / "absent")
