"""Message metadata, one-time download tokens, message and attachment downloads.

Not supported: Vision refuses shared mailboxes and distribution lists as recipients; the
emulator knows no such mailboxes, so every archived recipient is accepted.
"""

from flask import Response, request

from ..errors import BadRequest, NotFound
from . import current_backend, json_body, required_arg


def message_metadata():
    """GET /api/v4/messages/metadata?internetMessageId=&recipientAddress="""
    message_id = required_arg("internetMessageId")
    recipient = required_arg("recipientAddress")
    message = current_backend().mailbox.find(message_id, recipient)
    if message is None:
        raise NotFound()
    return message.to_json()


def message_token():
    """POST /api/v4/messages; replies with the token as plain text."""
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    fields = {name: body.get(name) for name in
              ("internetMessageId", "recipientAddress", "password")}
    for name in ("internetMessageId", "recipientAddress"):
        if not isinstance(fields[name], str) or not fields[name].strip():
            raise BadRequest(f"{name} is required", [name])
    if fields["password"] is not None and not isinstance(fields["password"], str):
        raise BadRequest("password must be a string", ["password"])

    token = current_backend().downloads.issue(
        fields["internetMessageId"].strip(), fields["recipientAddress"].strip(),
        fields["password"])
    return Response(token, mimetype="text/plain")


def message_download():
    """GET /api/v4/messages?token= ; a zip holding the raw message."""
    message, archive = current_backend().downloads.redeem(request.args.get("token"))
    return _binary(archive, f"{message.id}.zip", "application/zip")


def attachment_download():
    """GET /api/v4/attachment?md5=&sha256= ; either hash, or both, must be given."""
    md5 = request.args.get("md5", "").strip()
    sha256 = request.args.get("sha256", "").strip()
    if not md5 and not sha256:
        raise BadRequest("Give the attachment's md5, sha256 or both", ["md5", "sha256"])
    attachment = current_backend().mailbox.find_attachment(md5 or None, sha256 or None)
    if attachment is None:
        raise NotFound()
    return _binary(attachment.content, attachment.filename, "application/octet-stream")


def _binary(content: bytes, filename: str, mimetype: str) -> Response:
    reply = Response(content, mimetype=mimetype)
    reply.headers.set("Content-Disposition", "attachment", filename=filename)
    return reply
