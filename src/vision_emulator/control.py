"""The control plane under ``/_emulator/``: reset, clock, settings, faults, request log.

These paths are not Vision's and need no token. They exist for tests and demos, and are
served on loopback only like the rest of the emulator.
"""

from flask import Blueprint, current_app, jsonify, request

from .backend.clock import offset_iso
from .errors import BadRequest, NotFound
from .faults import rule_from_json

PREFIX = "/_emulator"
SETTING_TYPES = {"tokenLifetime": int, "autoQuarantine": bool,
                 "autoQuarantineApproval": bool}

blueprint = Blueprint("emulator_control", __name__, url_prefix=PREFIX)


def _state():
    return current_app.extensions["vision_emulator"]


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    return body


@blueprint.post("/reset")
def reset():
    state = _state()
    state.backend.reset()
    state.faults.clear()
    state.requests.clear()
    return {"reset": True}


@blueprint.get("/clock")
def clock():
    return {"now": offset_iso(_state().backend.clock.now())}


@blueprint.post("/clock/advance")
def advance_clock():
    seconds = _body().get("seconds")
    is_number = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
    if not is_number or seconds < 0:
        raise BadRequest("seconds must be a number of 0 or more", ["seconds"])
    backend = _state().backend
    with backend.lock:
        moment = backend.clock.advance(seconds)
    return {"now": offset_iso(moment)}


@blueprint.get("/settings")
def get_settings():
    return dict(_state().backend.settings)


@blueprint.post("/settings")
def change_settings():
    body = _body()
    unknown = sorted(set(body) - set(SETTING_TYPES))
    if unknown:
        raise BadRequest("Unknown settings", unknown)
    for name, value in body.items():
        kind = SETTING_TYPES[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise BadRequest(f"{name} must be of type {kind.__name__}", [name])
        if name == "tokenLifetime" and value < 1:
            raise BadRequest("tokenLifetime must be 1 or more", [name])
    backend = _state().backend
    with backend.lock:
        backend.settings.update(body)
    return dict(backend.settings)


@blueprint.post("/faults")
def add_fault():
    try:
        rule = rule_from_json(_body())
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    _state().faults.add(rule)
    return rule.to_json()


@blueprint.get("/faults")
def list_faults():
    return jsonify([rule.to_json() for rule in _state().faults.rules])


@blueprint.delete("/faults")
def clear_faults():
    _state().faults.clear()
    return {"cleared": True}


@blueprint.get("/requests")
def request_log():
    return jsonify(list(_state().requests))


@blueprint.delete("/requests")
def clear_request_log():
    _state().requests.clear()
    return {"cleared": True}


@blueprint.post("/tokens/expire")
def expire_tokens():
    backend = _state().backend
    with backend.lock:
        count = backend.auth.expire_all()
    return {"expired": count}


@blueprint.post("/quarantine-jobs/pending")
def pending_quarantine_job():
    """Creates a PENDING_APPROVAL auto-quarantine job through the quarantine part."""
    backend = _state().backend
    if backend.quarantine is None:
        raise NotFound("The quarantine part of the emulator is not installed")
    emails = _body().get("quarantineEmails")
    if not isinstance(emails, list) or not emails:
        raise BadRequest("quarantineEmails must be a non-empty list",
                         ["quarantineEmails"])
    with backend.lock:
        job = backend.quarantine.create_pending_job(emails)
    return job.to_json() if hasattr(job, "to_json") else job
