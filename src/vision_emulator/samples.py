"""The seeded mailbox: about forty raw RFC 822 messages, the same on every run.

Two reference messages reproduce the command reference's examples, three phishing
campaigns give hunts something to find, and ordinary mail surrounds them. Randomness
comes from one seeded generator and every date from a fixed base, so ids, hashes and
dates repeat exactly. Attachment bytes are small fixed stand-ins, not working documents.
"""

import functools
import io
import random
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from .backend.mailbox import DocumentedHashes

SEED = 20220727
BASE_DATE = datetime(2022, 7, 18, 7, 30, tzinfo=timezone.utc)
ZIP_DATE = (2022, 7, 1, 9, 0, 0)
EXCHANGE_SERVERS = ("EXCH01.example.com", "EXCH02.example.com")
INTERNAL_IP = "[10.20.30.{}]"

MAILBOXES = (
    ("abc", "abc@example.com"),
    ("pqr", "pqr@example.com"),
    ("Alice Nguyen", "alice.nguyen@example.com"),
    ("Bruno Keller", "bruno.keller@example.com"),
    ("Chloe Martin", "chloe.martin@example.com"),
    ("Dev Patel", "dev.patel@example.com"),
    ("Emma Rossi", "emma.rossi@example.com"),
    ("Farid Haddad", "farid.haddad@example.com"),
)

REFERENCE_MESSAGE_ID = "<1216208547.160.1658930322668@6d14a4fa9032>"
REFERENCE_SUBJECT = (
    "craftless plantable desulphurate iodized imbeds invoicing infrangibly prosers "
    "damn halberdiers refinedly unmoaned scatteredly11 time 1658930322646"
)
REFERENCE_DATE = datetime(2022, 7, 27, 13, 58, 43, tzinfo=timezone.utc)
# Name: content type (None: the part has no Content-Type header), documented hashes.
REFERENCE_ATTACHMENTS = {
    "fileNum-Thread[mailer-011,5,main]-text-file-163.txt": (
        "text/plain", DocumentedHashes(
            "3d0e1d68f12afee22ae3e79e01027c7a",
            "ca68f5eecd5822783911ed392fbff3c171d3a1854c0f992364d038ee447f8ac3", 59173)),
    "fileNum-Thread[mailer-011,5,main]-text-file-146.txt.zip": (
        "application/zip", DocumentedHashes(
            "5c602ca45faac3bb128a5ecbf977f9f1",
            "6018b7cc402e6368d4542c0f6c129a99e35c80ae9001ec338e7621df2f8ac51f", 14563)),
    "text-file-146.txt": (None, DocumentedHashes(
        "c5aa88f949574a0a5e75a795dc507da7",
        "d3a070977ae0ae561bae2215526c187d5c46c54dd8899eefb8fe21ed0e6c1303", 27842)),
}


@dataclass(frozen=True)
class Campaign:
    """A phishing campaign: one sender, a subject and body pattern, fixed payloads."""

    count: int
    sender: tuple[str, str]
    subject: str
    url: str
    html: str
    origin_ip: str
    relay: str
    attachment_sets: tuple[tuple[str, ...], ...] = ((),)


CAMPAIGNS = (
    Campaign(
        count=8,
        sender=("Accounts Payable", "billing@examp1e.com"),
        subject="Action required: invoice INV-2022-{number}",
        url="https://examp1e-payments.com/invoice/INV-2022-{number}/view",
        html=('<html><body><p>Dear {first},</p><p>Invoice INV-2022-{number} is '
              'overdue. Please review it and pay today to avoid a late fee.</p>'
              '<p><a href="{url}">View invoice</a></p><p>Accounts Payable</p>'
              '</body></html>'),
        origin_ip="[203.0.113.45]",
        relay="mail.examp1e.com",
        attachment_sets=(("invoice_html",), ("invoice_zip",),
                         ("invoice_html", "invoice_zip")),
    ),
    Campaign(
        count=5,
        sender=("IT Service Desk", "it-support@examp1e-helpdesk.net"),
        subject="Your mailbox is almost full",
        url="https://mail-quota.examp1e-helpdesk.net/upgrade?user={local}",
        html=('<html><body><p>Hello {first},</p><p>Your mailbox has reached 98% of '
              'its quota. <a href="{url}">Upgrade your storage</a> within 24 hours to '
              'keep receiving mail.</p><p><a href="https://www.example.com/privacy">'
              'Privacy</a></p></body></html>'),
        origin_ip="[198.51.100.23]",
        relay="smtp.examp1e-helpdesk.net",
    ),
    Campaign(
        count=4,
        sender=("Document Share", "no-reply@docs-examp1e.com"),
        subject="Bonus plan 2022 shared with you",
        url="https://docs-examp1e.com/s/{token}",
        html=('<html><body><p>{first}, a document was shared with you: '
              '<b>Bonus_Plan_2022.docm</b>.</p><p><a href="{url}">Open in browser</a>'
              '</p></body></html>'),
        origin_ip="[192.0.2.77]",
        relay="out.docs-examp1e.com",
        attachment_sets=(("bonus_docm",),),
    ),
)

ORDINARY_SUBJECTS = (
    "Weekly status report", "Lunch on Friday?", "Minutes of the planning meeting",
    "Q3 figures for review", "Office move: new floor plan", "Re: travel booking",
    "Team offsite agenda", "Reminder: expense reports due", "Build pipeline is green",
    "Welcome to the team", "Supplier newsletter - July",
)
ORDINARY_LINKS = (
    None, "https://intranet.example.com/news/{number}",
    "https://wiki.example.com/display/TEAM/Page-{number}", None,
    "https://www.example.org/newsletter/2022-07",
)
ORDINARY_ATTACHMENTS = (
    (), ("minutes_txt",), (), ("figures_csv",), ("floorplan_png",), (), ("agenda_pdf",),
)
EXTERNAL_SENDER = ("Supplier News", "news@supplier.example.org")
ORDINARY_COUNT = 21
PARTIAL_INGEST_INDEX = 9


@dataclass(frozen=True)
class SeedMessage:
    """Raw bytes plus, for reference attachments, the hashes Vision is to report."""

    raw: bytes
    documented: dict[str, DocumentedHashes] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def seed_messages() -> tuple[SeedMessage, ...]:
    """Every seeded message in ingest order: references first, then by date."""
    rng = random.Random(SEED)
    dated = _campaign_messages(rng) + _ordinary_messages(rng)
    dated.sort(key=lambda pair: pair[0])
    return tuple(_reference_messages() + [SeedMessage(raw) for _, raw in dated])


def _campaign_messages(rng: random.Random) -> list[tuple[datetime, bytes]]:
    made = []
    for campaign in CAMPAIGNS:
        for index in range(campaign.count):
            sent = BASE_DATE + timedelta(days=2 + index * 2, minutes=rng.randrange(600))
            recipients = _recipients(rng)
            first, address = recipients[0][1]
            number = 4100 + rng.randrange(900)
            url = campaign.url.format(number=number, local=address.split("@")[0],
                                      token=f"{rng.getrandbits(48):012x}")
            html = campaign.html.format(first=first.split()[0], number=number, url=url)
            text = f"{_html_to_text(html)}\n\n{url}\n"
            names = campaign.attachment_sets[index % len(campaign.attachment_sets)]
            attachments = [ATTACHMENT_FACTORIES[name](number) for name in names]
            raw = _compose(
                rng, sender=campaign.sender, recipients=recipients, sent=sent,
                subject=campaign.subject.format(number=number), text=text, html=html,
                attachments=attachments, relay=campaign.relay,
                origin_ip=campaign.origin_ip,
            )
            made.append((sent, raw))
    return made


def _ordinary_messages(rng: random.Random) -> list[tuple[datetime, bytes]]:
    made = []
    for index in range(ORDINARY_COUNT):
        sent = BASE_DATE + timedelta(hours=index * 20, minutes=rng.randrange(300))
        recipients = _recipients(rng)
        sender = EXTERNAL_SENDER if index % 5 == 4 else rng.choice(MAILBOXES)
        subject = ORDINARY_SUBJECTS[index % len(ORDINARY_SUBJECTS)]
        link = ORDINARY_LINKS[index % len(ORDINARY_LINKS)]
        first = recipients[0][1][0].split()[0]
        text = f"Hi {first},\n\n{subject} - details below.\n"
        if link:
            text += f"\nMore at {link.format(number=100 + index)}\n"
        names = ORDINARY_ATTACHMENTS[index % len(ORDINARY_ATTACHMENTS)]
        raw = _compose(
            rng, sender=sender, recipients=recipients, sent=sent, subject=subject,
            text=f"{text}\n{sender[0]}\n",
            attachments=[ATTACHMENT_FACTORIES[name](index) for name in names],
            relay="mail.example.com", origin_ip=INTERNAL_IP.format(10 + index),
            unknown_charset=index == PARTIAL_INGEST_INDEX,
        )
        made.append((sent, raw))
    return made


def _recipients(rng: random.Random) -> list[tuple[str, tuple[str, str]]]:
    """One to three mailboxes; the first is always To, the others To, Cc or Bcc."""
    chosen = rng.sample(MAILBOXES, rng.randint(1, 3))
    kinds = ["To"] + [rng.choice(("To", "Cc", "Bcc")) for _ in chosen[1:]]
    return list(zip(kinds, chosen))


def _compose(rng: random.Random, *, sender, recipients, sent: datetime, subject: str,
             text: str, html: str | None = None, attachments=(), relay: str,
             origin_ip: str, unknown_charset: bool = False) -> bytes:
    received = sent + timedelta(seconds=1 + rng.randrange(20))
    server = rng.choice(EXCHANGE_SERVERS)
    message = EmailMessage(policy=policy.SMTP)
    message["Received"] = (f"from {relay} ({relay} {origin_ip}) by {server} with "
                           f"ESMTPS; {format_datetime(received)}")
    message["From"] = _address(*sender)
    for kind in ("To", "Cc", "Bcc"):
        people = [_address(*person) for each, person in recipients if each == kind]
        if people:
            message[kind] = ", ".join(people)
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    epoch_ms = int(sent.timestamp() * 1000)
    message["Message-ID"] = (f"<{rng.randrange(10**9, 2 * 10**9)}."
                             f"{rng.randrange(1000)}.{epoch_ms}@{relay}>")
    message["X-MS-Exchange-Organization-AuthSource"] = server
    message["X-Originating-IP"] = origin_ip

    message.set_content(text)
    if unknown_charset:
        message.replace_header("Content-Type", 'text/plain; charset="x-unknown-2022"')
    if html:
        message.add_alternative(html, subtype="html")
    for filename, maintype, subtype, content in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype,
                               filename=filename)
    return _serialise(message)


def _reference_messages() -> list[SeedMessage]:
    """The two messages of the command reference's metadata and results examples."""
    contents = {
        name: _reference_content(name, documented.size)
        for name, (_, documented) in REFERENCE_ATTACHMENTS.items()
    }
    first = _reference_message(REFERENCE_MESSAGE_ID, list(REFERENCE_ATTACHMENTS),
                               contents)
    second = _reference_message(REFERENCE_MESSAGE_ID.replace("9032>", "9033>"),
                                ["text-file-146.txt"], contents)
    documented = {name: hashes for name, (_, hashes) in REFERENCE_ATTACHMENTS.items()}
    return [SeedMessage(first, documented), SeedMessage(second, documented)]


def _reference_message(message_id: str, names: list[str],
                       contents: dict[str, bytes]) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["Received"] = ("from 6d14a4fa9032 by EXCH01.example.com with ESMTP; "
                           f"{format_datetime(REFERENCE_DATE + timedelta(seconds=1))}")
    message["From"] = "abc@example.com"
    message["To"] = "pqr@example.com"
    message["CC"] = "abc@example.com"
    message["Subject"] = REFERENCE_SUBJECT
    message["Thread-Topic"] = REFERENCE_SUBJECT
    message["Thread-Index"] = "AQHYocD7Ut113z4F00uSjzqlEM2clw=="
    message["Date"] = format_datetime(REFERENCE_DATE)
    message["Message-ID"] = message_id
    message["X-MS-Exchange-Organization-AuthSource"] = EXCHANGE_SERVERS[0]
    message.set_content("Generated load-test message 11.\n")

    for name in names:
        content_type, _ = REFERENCE_ATTACHMENTS[name]
        maintype, subtype = (content_type or "text/plain").split("/")
        message.add_attachment(contents[name], maintype=maintype, subtype=subtype,
                               filename=name)
        if content_type is None:
            del message.get_payload()[-1]["Content-Type"]
    return _serialise(message)


def _reference_content(name: str, size: int) -> bytes:
    """Stand-in bytes of the documented size; they hash differently."""
    if name.endswith(".zip"):
        member = "text-file-146.txt"
        overhead = len(_stored_zip({member: b""}))
        return _stored_zip({member: _filler_text(member, size - overhead)})
    return _filler_text(name, size)


def _filler_text(label: str, size: int) -> bytes:
    line = f"{label}: stand-in content for a reference attachment.\r\n".encode()
    return (line * (size // len(line) + 1))[:size]


def _stored_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_DATE), data)
    return buffer.getvalue()


def _docm(body_text: str) -> bytes:
    return _stored_zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": f"<w:document><w:t>{body_text}</w:t></w:document>"
                             .encode(),
        "word/vbaProject.bin": bytes(range(256)) * 4,
    })


# Each factory takes a number (invoice or message index) and returns
# (file name, main type, subtype, bytes).
ATTACHMENT_FACTORIES = {
    "invoice_html": lambda number: (
        f"invoice_INV-2022-{number}.html", "text", "html",
        ('<html><body><form action="https://login.examp1e-payments.com/session" '
         f'method="post"><p>Sign in to view invoice INV-2022-{number}</p>'
         '<input name="password" type="password"></form></body></html>').encode()),
    "invoice_zip": lambda number: (
        "Invoice_details.zip", "application", "zip",
        _stored_zip({"Invoice_details.docm": _docm("Enable editing to see it")})),
    "bonus_docm": lambda number: (
        "Bonus_Plan_2022.docm", "application",
        "vnd.ms-word.document.macroEnabled.12",
        _docm("Enable content to view the bonus plan")),
    "minutes_txt": lambda number: (
        "minutes.txt", "text", "plain",
        b"Minutes\r\n- budget approved\r\n- next meeting in two weeks\r\n"),
    "figures_csv": lambda number: (
        "q3-figures.csv", "text", "csv",
        b"region,revenue\r\nnorth,1200\r\nsouth,980\r\n"),
    "floorplan_png": lambda number: (
        "floorplan.png", "image", "png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    "agenda_pdf": lambda number: (
        "agenda.pdf", "application", "pdf", b"%PDF-1.4\n% offsite agenda\n%%EOF\n"),
}


def _address(personal: str, address: str) -> str:
    return f"{personal} <{address}>" if personal != address.split("@")[0] else address


def _html_to_text(html: str) -> str:
    text = html.replace("</p>", "\n")
    while "<" in text:
        start = text.index("<")
        text = text[:start] + text[text.index(">", start) + 1:]
    return text.strip()


def _serialise(message: EmailMessage) -> bytes:
    """The message's bytes with numbered MIME boundaries, so output never varies."""
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_vision_emulator_part_{number}")
    return message.as_bytes()
