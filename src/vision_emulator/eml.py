"""Reads RFC 822 messages: from a folder of ``.eml`` files, and into the parts Vision
indexes (headers, people, bodies, attachments, URLs and dates).

Parsing is lenient like an archive must be: a malformed header or part is skipped, not
fatal. Only URLs with an http or https scheme are extracted; bare domains in prose are
not.
"""

import email
import email.policy
import email.utils
import functools
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

URL_PATTERN = re.compile(r"https?://[^\s\"'<>()\[\]{}]+", re.IGNORECASE)
FOLDING = re.compile(r"\r?\n(?=[ \t])")
URL_TRAILING_PUNCTUATION = ".,;:!?"
MESSAGE_ID_HEADER = "message-id"
RECIPIENT_HEADERS = (("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"))
TEXT_LIKE_TYPES = ("text/", "application/xhtml", "application/json", "application/xml")

# Magic numbers first, then file extensions, decide the detected content type.
MAGIC_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\xd0\xcf\x11\xe0", "application/x-tika-msoffice"),
)
ZIP_MAGIC = b"PK\x03\x04"
ZIP_BASED_EXTENSIONS = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docm": "application/vnd.ms-word.document.macroenabled.12",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroenabled.12",
}
TEXT_EXTENSIONS = {
    ".html": "text/html", ".htm": "text/html", ".csv": "text/csv",
    ".txt": "text/plain", ".ics": "text/calendar", ".json": "application/json",
}


@dataclass
class Person:
    personal: str
    address: str


@dataclass
class ParsedAttachment:
    filename: str
    content: bytes
    content_type: str | None
    detected_content_type: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content).hexdigest()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class ParsedMessage:
    raw: bytes
    headers: list[tuple[str, str]]
    subject: str
    internet_message_id: str
    senders: list[Person]
    recipients: list[tuple[str, Person]]
    text_body: str | None
    html_body: str | None
    attachments: list[ParsedAttachment]
    urls: list[str]
    sent_on: datetime | None
    received_on: datetime | None
    partial_ingest: bool = False
    problems: list[str] = field(default_factory=list)


def load_folder(folder: str | Path) -> list[bytes]:
    """The raw bytes of every ``*.eml`` file in a folder, in file name order.

    Raises:
        FileNotFoundError: when the folder does not exist.
    """
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f"No folder of .eml files at {path}")
    return [item.read_bytes() for item in sorted(path.glob("*.eml"))]


@functools.lru_cache(maxsize=256)
def parse(raw: bytes) -> ParsedMessage:
    """Splits raw RFC 822 bytes into what Vision indexes.

    Results are cached by content, so callers must copy before they change a list.
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = _headers(message)
    text_body, html_body, attachments, problems = _walk(message)

    urls = extract_urls(text_body or "", html_body or "")
    for attachment in attachments:
        urls.extend(extract_urls(*_attachment_texts(attachment)))

    return ParsedMessage(
        raw=raw,
        headers=headers,
        subject=_header_text(message, "Subject"),
        internet_message_id=_message_id(message),
        senders=_people(message, "From"),
        recipients=[(kind, person) for kind, name in RECIPIENT_HEADERS
                    for person in _people(message, name)],
        text_body=text_body,
        html_body=html_body,
        attachments=attachments,
        urls=list(dict.fromkeys(urls)),
        sent_on=_parse_date(_header_text(message, "Date")),
        received_on=_received_date(message),
        partial_ingest=bool(problems),
        problems=problems,
    )


def extract_urls(*texts: str) -> list[str]:
    """Every http(s) URL in the texts, in order of appearance, without duplicates."""
    found = []
    for text in texts:
        for match in URL_PATTERN.findall(text):
            found.append(match.rstrip(URL_TRAILING_PUNCTUATION))
    return list(dict.fromkeys(found))


def url_domain(url: str) -> str | None:
    """The lower-cased host name of a URL, or None when it has none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def detect_content_type(filename: str, content: bytes) -> str:
    """A content type judged from the bytes first and the file name second."""
    for magic, content_type in MAGIC_TYPES:
        if content.startswith(magic):
            return content_type

    extension = Path(filename).suffix.lower()
    if content.startswith(ZIP_MAGIC):
        return ZIP_BASED_EXTENSIONS.get(extension, "application/zip")
    if extension in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[extension]
    if b"<html" in content[:512].lower():
        return "text/html"
    if _looks_like_text(content):
        return "text/plain"
    return "application/octet-stream"


def _headers(message) -> list[tuple[str, str]]:
    """Every header in order, unfolded and with encoded words decoded.

    A Message-ID stays as written, since Python's parser cuts it at a space.
    """
    pairs = []
    for name, value in message.raw_items():
        if name.lower() == MESSAGE_ID_HEADER:
            pairs.append((name, _unfolded_raw(value)))
            continue
        try:
            text = str(message.policy.header_factory(name, value))
        except Exception:  # noqa: BLE001 - a header Python cannot decode stays raw
            text = str(value)
        pairs.append((name, FOLDING.sub("", text).strip()))
    return pairs


def _unfolded_raw(value) -> str:
    """A raw header value unfolded and stripped, its undecodable bytes replaced."""
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return FOLDING.sub("", text).strip()


def _message_id(message) -> str:
    """The first Message-ID from `<` to its matching `>`; without one, its text."""
    raw = next((value for name, value in message.raw_items()
                if name.lower() == MESSAGE_ID_HEADER), None)
    if raw is None:
        return ""
    text = _unfolded_raw(raw)
    start = text.find("<")
    if start < 0:
        return text
    depth = 0
    for index, char in enumerate(text[start:], start):
        depth += (char == "<") - (char == ">")
        if depth == 0:
            return text[start:index + 1]
    return text


def _header_text(message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001
        return ""
    return str(value).strip() if value is not None else ""


def _people(message, name: str) -> list[Person]:
    values = message.get_all(name) or []
    people = []
    for personal, address in email.utils.getaddresses([str(value) for value in values]):
        if "@" not in address:
            continue
        people.append(Person(personal=personal or address.split("@")[0],
                             address=address))
    return people


def _walk(message):
    text_body = html_body = None
    attachments, problems = [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        content_type = part.get_content_type()
        is_attachment = filename is not None or part.is_attachment()

        if not is_attachment and content_type in ("text/plain", "text/html"):
            text = _part_text(part, problems)
            if content_type == "text/plain" and text_body is None:
                text_body = text
            elif content_type == "text/html" and html_body is None:
                html_body = text
            continue
        if not is_attachment:
            continue

        content = part.get_payload(decode=True) or b""
        name = filename or "attachment"
        attachments.append(ParsedAttachment(
            filename=name,
            content=content,
            content_type=content_type if part.get("Content-Type") else None,
            detected_content_type=detect_content_type(name, content),
        ))
    return text_body, html_body, attachments, problems


def _part_text(part, problems: list[str]) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError) as exc:
        problems.append(f"PARSE: {exc.__class__.__name__}")
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _attachment_texts(attachment: ParsedAttachment) -> list[str]:
    """Text to look for URLs in: the attachment itself, or the text members of a zip."""
    content = attachment.content
    if content.startswith(ZIP_MAGIC):
        return _zip_texts(content)
    kind = attachment.detected_content_type
    if kind.startswith(TEXT_LIKE_TYPES):
        return [content.decode("utf-8", errors="replace")]
    return []


def _zip_texts(content: bytes) -> list[str]:
    texts = []
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.infolist():
                data = archive.read(member)
                if _looks_like_text(data):
                    texts.append(data.decode("utf-8", errors="replace"))
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return []
    return texts


def _looks_like_text(content: bytes) -> bool:
    sample = content[:1024]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _received_date(message) -> datetime | None:
    """The date the last hop stamped on the top-most Received header."""
    for value in message.get_all("Received") or []:
        _, _, stamp = str(value).rpartition(";")
        moment = _parse_date(stamp.strip())
        if moment is not None:
            return moment
    return None
