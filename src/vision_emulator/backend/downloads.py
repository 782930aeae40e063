"""One-time message download tokens and the zip files they unlock.

A token names one recipient's copy of a message. Redeeming it once returns a zip holding
the raw ``.eml`` byte for byte, AES-encrypted when a password was given; the token is
then spent. Tokens do not expire with time, since Vision's token lifetime is unknown.
"""

import io
import uuid
import zipfile
from dataclasses import dataclass, field

import pyzipper

from ..errors import BadRequest, NotFound
from .mailbox import Mailbox, StoredMessage

# The token of the command reference's cofense-message-get example.
SEEDED_TOKEN = "fbbeff70-2c17-4d67-a741-3d8a7e394005"
SEEDED_TOKEN_MESSAGE = ("<1216208547.160.1658930322668@6d14a4fa9032>",
                        "abc@example.com")


@dataclass
class DownloadGrant:
    message: StoredMessage
    recipient_address: str
    password: str | None = field(default=None, repr=False)


class DownloadStore:
    """Issues and redeems one-time download tokens."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self._grants: dict[str, DownloadGrant] = {}
        seeded = mailbox.find(*SEEDED_TOKEN_MESSAGE)
        if seeded is not None:
            self._grants[SEEDED_TOKEN] = DownloadGrant(seeded, SEEDED_TOKEN_MESSAGE[1])

    def issue(self, internet_message_id: str, recipient_address: str,
              password: str | None = None) -> str:
        """A new token for one recipient's copy of a message.

        Raises:
            NotFound: when that recipient did not receive that message.
        """
        message = self.mailbox.find(internet_message_id, recipient_address)
        if message is None:
            raise NotFound()
        token = str(uuid.uuid4())
        self._grants[token] = DownloadGrant(message, recipient_address,
                                            password or None)
        return token

    def redeem(self, token: str | None) -> tuple[StoredMessage, bytes]:
        """Spends a token and returns its message and the zip holding it.

        Raises:
            BadRequest: when the token is missing, unknown or already used.
        """
        if not token:
            raise BadRequest("A download token is required", ["token"])
        grant = self._grants.pop(token, None)
        if grant is None:
            raise BadRequest("The download token is invalid or was already used",
                             ["token"])
        return grant.message, zip_message(grant.message, grant.password)


def zip_message(message: StoredMessage, password: str | None = None) -> bytes:
    """A zip of ``<message id>.eml``, AES-256 encrypted when there is a password."""
    buffer = io.BytesIO()
    member = f"{message.id}.eml"
    if password:
        with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED,
                                 encryption=pyzipper.WZ_AES) as archive:
            archive.setpassword(password.encode())
            archive.writestr(member, message.raw)
    else:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, message.raw)
    return buffer.getvalue()
