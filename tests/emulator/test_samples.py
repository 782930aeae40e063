"""The seeded mailbox: deterministic, varied enough to hunt in, parsed faithfully."""

import email
import email.policy
import hashlib

from vision_emulator import Backend
from vision_emulator.backend.searches import SEARCHABLE_HEADERS
from vision_emulator.eml import detect_content_type, extract_urls
from vision_emulator.samples import CAMPAIGNS, MAILBOXES, seed_messages


def test_seed_messages__same_bytes_every_time():
    first = [seed.raw for seed in seed_messages()]
    seed_messages.cache_clear()

    second = [seed.raw for seed in seed_messages()]

    assert first == second
    assert 35 <= len(first) <= 45


def test_backends__same_ids_and_hashes():
    one, two = Backend(), Backend()

    assert [(m.id, m.sha256) for m in one.mailbox.messages] == [
        (m.id, m.sha256) for m in two.mailbox.messages]


def test_mailbox__recipients_spread_over_every_mailbox(backend):
    received = {r.address for m in backend.mailbox.messages for r in m.recipients}
    kinds = {r.recipient_type for m in backend.mailbox.messages for r in m.recipients}

    assert received == {address for _, address in MAILBOXES}
    assert kinds == {"to", "cc", "bcc"}


def test_mailbox__campaigns_present(backend):
    for campaign in CAMPAIGNS:
        sender = campaign.sender[1]
        found = [m for m in backend.mailbox.messages if sender in m.sender_addresses]
        assert len(found) == campaign.count


def test_mailbox__searchable_headers_on_generated_mail(backend):
    for message in backend.mailbox.messages[2:]:
        names = {name for name, _ in message.headers}
        assert set(SEARCHABLE_HEADERS) <= names


def test_mailbox__generated_attachments_hash_their_bytes(backend):
    attachments = [a for m in backend.mailbox.messages[2:] for a in m.attachments]

    assert attachments
    for attachment in attachments:
        assert attachment.md5 == hashlib.md5(attachment.content).hexdigest()
        assert attachment.sha256 == hashlib.sha256(attachment.content).hexdigest()
        assert attachment.size == len(attachment.content)


def test_mailbox__attachment_bytes_match_the_raw_message(backend):
    message = next(m for m in backend.mailbox.messages[2:] if m.attachments)
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)

    decoded = [part.get_payload(decode=True) for part in parsed.iter_attachments()]

    assert decoded == [a.content for a in message.attachments]


def test_mailbox__same_file_keeps_one_attachment_id(backend):
    by_hash = {}
    for message in backend.mailbox.messages:
        for attachment in message.attachments:
            by_hash.setdefault((attachment.md5, attachment.sha256), set()).add(
                attachment.id)

    assert all(len(ids) == 1 for ids in by_hash.values())
    assert len({next(iter(ids)) for ids in by_hash.values()}) == len(by_hash)


def test_mailbox__one_partly_ingested_message(backend):
    partial = [m for m in backend.mailbox.messages if m.partial_ingest]

    assert len(partial) == 1
    assert partial[0].to_json()["partialIngest"] is True


def test_detect_content_type():
    assert detect_content_type("a.bin", b"%PDF-1.7 ...") == "application/pdf"
    assert detect_content_type("a.docm", b"PK\x03\x04rest") == (
        "application/vnd.ms-word.document.macroenabled.12")
    assert detect_content_type("a.zip", b"PK\x03\x04rest") == "application/zip"
    assert detect_content_type("a.dat", b"<HTML><body>") == "text/html"
    assert detect_content_type("a.dat", b"plain words") == "text/plain"
    assert detect_content_type("a.dat", b"\x00\x01\x02") == "application/octet-stream"


def test_extract_urls():
    text = ('Go to https://a.example/x?y=1, then <a href="http://B.example/">here</a>.'
            " Again: https://a.example/x?y=1.")

    assert extract_urls(text) == ["https://a.example/x?y=1", "http://B.example/"]
