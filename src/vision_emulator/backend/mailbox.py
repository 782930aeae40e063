"""The archive of messages Vision has ingested, built from raw RFC 822 bytes.

Each message keeps its raw bytes, so downloads are byte for byte, and the quarantine
state of every recipient's copy. Ids are handed out in ingest order from fixed starting
points, so the same input always gives the same ids.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import eml
from .clock import offset_iso

FIRST_MESSAGE_ID = 760623
FIRST_SENDER_ID = 760623
FIRST_RECIPIENT_ID = 7606409
FIRST_ATTACHMENT_ID = 1673289
INGEST_DELAY = timedelta(seconds=2, milliseconds=271)
STORAGE_URI = "s3://vision-message-store/{sha256}.eml"


@dataclass(frozen=True)
class DocumentedHashes:
    """Hashes and size recorded for an attachment whose real bytes are unknown."""

    md5: str
    sha256: str
    size: int


@dataclass
class StoredAttachment:
    id: int
    filename: str
    size: int
    content_type: str | None
    detected_content_type: str
    md5: str
    sha256: str
    content: bytes = field(repr=False)

    def to_json(self) -> dict:
        reply = {
            "id": self.id,
            "filename": self.filename,
            "size": self.size,
            "contentType": self.content_type,
            "detectedContentType": self.detected_content_type,
            "md5": self.md5,
            "sha256": self.sha256,
        }
        if self.content_type is None:
            del reply["contentType"]
        return reply


@dataclass
class Participant:
    id: int
    personal: str
    address: str
    recipient_type: str | None = None

    def to_json(self) -> dict:
        reply = {"id": self.id, "personal": self.personal, "address": self.address}
        if self.recipient_type:
            reply["recipientType"] = self.recipient_type
        return reply


@dataclass
class StoredMessage:
    """One ingested message, with every field Vision reports and the raw bytes."""

    id: int
    raw: bytes = field(repr=False)
    internet_message_id: str
    subject: str
    headers: list[tuple[str, str]] = field(repr=False)
    senders: list[Participant]
    recipients: list[Participant]
    text_body: str | None = field(repr=False)
    html_body: str | None = field(repr=False)
    attachments: list[StoredAttachment]
    urls: list[str]
    sent_on: datetime | None
    received_on: datetime
    processed_on: datetime
    partial_ingest: bool = False
    quarantined: set[str] = field(default_factory=set)
    matching_iocs: list[str] = field(default_factory=list)
    matching_sources: list[str] = field(default_factory=list)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.raw).hexdigest()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.raw).hexdigest()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def sender_addresses(self) -> list[str]:
        return [person.address for person in self.senders]

    @property
    def recipient_addresses(self) -> list[str]:
        return [person.address for person in self.recipients]

    @property
    def domains(self) -> set[str]:
        return {domain for domain in map(eml.url_domain, self.urls) if domain}

    def has_recipient(self, address: str) -> bool:
        wanted = address.lower()
        return any(person.address.lower() == wanted for person in self.recipients)

    def visible_recipients(self) -> list[Participant]:
        """The recipients whose copy is still in their mailbox (not quarantined)."""
        return [person for person in self.recipients
                if person.address.lower() not in self.quarantined]

    def to_json(self, *, hide_quarantined: bool = False) -> dict:
        """The Vision message object.

        Args:
            hide_quarantined: leave out recipients whose copy is quarantined, as search
                results do.
        """
        recipients = self.visible_recipients() if hide_quarantined else self.recipients
        return {
            "id": self.id,
            "storageUri": STORAGE_URI.format(sha256=self.sha256),
            "subject": self.subject,
            "receivedOn": offset_iso(self.received_on),
            "sentOn": offset_iso(self.sent_on) if self.sent_on else None,
            "deliveredOn": None,
            "processedOn": offset_iso(self.processed_on),
            "textBody": self.text_body,
            "htmlBody": self.html_body,
            "md5": self.md5,
            "sha1": self.sha1,
            "sha256": self.sha256,
            "internetMessageId": self.internet_message_id,
            "from": [person.to_json() for person in self.senders],
            "recipients": [person.to_json() for person in recipients],
            "headers": [{"name": name, "value": value} for name, value in self.headers],
            "attachments": [item.to_json() for item in self.attachments],
            "matchingIOCs": list(self.matching_iocs),
            "matchingSources": list(self.matching_sources),
            "partialIngest": self.partial_ingest,
        }


class Mailbox:
    """Every ingested message, with look-ups by message id, recipient and hash.

    Args:
        now: when a message carries neither a Received nor a Date header, the moment
            it counts as received.
    """

    def __init__(self, now: datetime):
        self.messages: list[StoredMessage] = []
        self._now = now
        self._sender_ids: dict[str, int] = {}
        self._recipient_ids: dict[str, int] = {}
        self._attachment_ids: dict[tuple[str, str], int] = {}

    def add(self, raw: bytes,
            documented: dict[str, DocumentedHashes] | None = None) -> StoredMessage:
        """Ingests one raw message.

        Args:
            raw: the RFC 822 bytes.
            documented: by attachment file name, hashes to report instead of the hashes
                of the bytes (for reference attachments whose content is unknown).
        """
        parsed = eml.parse(raw)
        received_on = parsed.received_on or parsed.sent_on or self._now
        message = StoredMessage(
            id=FIRST_MESSAGE_ID + len(self.messages),
            raw=raw,
            internet_message_id=parsed.internet_message_id,
            subject=parsed.subject,
            headers=list(parsed.headers),
            senders=[self._participant(self._sender_ids, FIRST_SENDER_ID, person)
                     for person in parsed.senders],
            recipients=[self._participant(self._recipient_ids, FIRST_RECIPIENT_ID,
                                          person, kind)
                        for kind, person in parsed.recipients],
            text_body=parsed.text_body,
            html_body=parsed.html_body,
            attachments=[self._attachment(item, (documented or {}).get(item.filename))
                         for item in parsed.attachments],
            urls=list(parsed.urls),
            sent_on=parsed.sent_on,
            received_on=received_on,
            processed_on=received_on + INGEST_DELAY,
            partial_ingest=parsed.partial_ingest,
        )
        self.messages.append(message)
        return message

    def get(self, message_id: int) -> StoredMessage | None:
        return next((item for item in self.messages if item.id == message_id), None)

    def find(self, internet_message_id: str,
             recipient_address: str) -> StoredMessage | None:
        """The message with this exact message id that this address received."""
        for message in self.messages:
            if (message.internet_message_id == internet_message_id
                    and message.has_recipient(recipient_address)):
                return message
        return None

    def has_mailbox(self, address: str) -> bool:
        """Whether the address is a mailbox that received any archived message."""
        return any(message.has_recipient(address) for message in self.messages)

    def find_attachment(self, md5: str | None = None,
                        sha256: str | None = None) -> StoredAttachment | None:
        """The first attachment whose given hashes all match (case-insensitive)."""
        wanted_md5 = md5.lower() if md5 else None
        wanted_sha256 = sha256.lower() if sha256 else None
        for message in self.messages:
            for attachment in message.attachments:
                if wanted_md5 and attachment.md5 != wanted_md5:
                    continue
                if wanted_sha256 and attachment.sha256 != wanted_sha256:
                    continue
                return attachment
        return None

    @staticmethod
    def _participant(ids: dict[str, int], first_id: int, person: eml.Person,
                     kind: str | None = None) -> Participant:
        key = person.address.lower()
        ids.setdefault(key, first_id + len(ids))
        return Participant(ids[key], person.personal, person.address, kind)

    def _attachment(self, parsed: eml.ParsedAttachment,
                    documented: DocumentedHashes | None) -> StoredAttachment:
        md5, sha256 = parsed.md5, parsed.sha256
        size = len(parsed.content)
        if documented is not None:
            md5, sha256, size = documented.md5, documented.sha256, documented.size

        key = (md5, sha256)
        next_id = FIRST_ATTACHMENT_ID + len(self._attachment_ids)
        self._attachment_ids.setdefault(key, next_id)
        return StoredAttachment(
            id=self._attachment_ids[key],
            filename=parsed.filename,
            size=size,
            content_type=parsed.content_type,
            detected_content_type=parsed.detected_content_type,
            md5=md5,
            sha256=sha256,
            content=parsed.content,
        )
