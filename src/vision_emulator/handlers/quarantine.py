"""Quarantine jobs: filter, create, get, delete, restore, approve and stop.

Not supported: Vision's EXPUNGE runs and its retries of FAILED runs. Behaviour chosen
where Vision's is unknown: unknown filter options and statuses are refused with 400,
and restoring a job whose latest run is unfinished or pending approval gives 422.
"""

from flask import request

from ..errors import BadRequest
from . import (current_backend, current_client_id, empty_reply, flag_arg, json_body,
               parse_paging)

# Sortable properties and how to read each from a stored job.
JOB_SORT_KEYS = {
    "id": lambda job: job.id,
    "createdBy": lambda job: job.created_by,
    "createdDate": lambda job: job.created_date,
    "modifiedBy": lambda job: job.modified_by,
    "modifiedDate": lambda job: job.modified_date,
    "stopRequested": lambda job: job.stop_requested,
}
JOBS = "/api/v4/quarantineJobs"
JOB = f"{JOBS}/<int:job_id>"


def filter_jobs():
    """POST /api/v4/quarantineJobs/filter?page&size&sort&excludeQuarantineEmails"""
    paging = parse_paging(JOB_SORT_KEYS)
    with_emails = not flag_arg("excludeQuarantineEmails")
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")

    store = current_backend().quarantine
    page = paging.apply(store.filter(body.get("filterOptions")), JOB_SORT_KEYS)

    return {"quarantineJobs": [store.job_json(job, with_emails=with_emails)
                               for job in page]}


def create_job():
    """POST /api/v4/quarantineJobs"""
    body = json_body()
    emails = body.get("quarantineEmails") if isinstance(body, dict) else None
    store = current_backend().quarantine
    return store.job_json(store.create(emails, current_client_id()))


def get_job(job_id: int):
    """GET /api/v4/quarantineJobs/{id}"""
    store = current_backend().quarantine
    return store.job_json(store.get(job_id))


def delete_job(job_id: int):
    """DELETE /api/v4/quarantineJobs/{id}; 200 with an empty body."""
    current_backend().quarantine.delete(job_id)
    return empty_reply()


def restore_job(job_id: int):
    """PUT /api/v4/quarantineJobs/{id}/restore; 200 with an empty body."""
    current_backend().quarantine.restore(job_id, current_client_id())
    return empty_reply()


def approve_job(job_id: int):
    """PUT /api/v4/quarantineJobs/{id}/approve[?messageCount=N]; 200, empty body."""
    message_count = _count_arg("messageCount")
    current_backend().quarantine.approve(job_id, current_client_id(), message_count)
    return empty_reply()


def stop_job(job_id: int):
    """PUT /api/v4/quarantineJobs/{id}/stop"""
    store = current_backend().quarantine
    return store.job_json(store.stop(job_id, current_client_id()))


def _count_arg(name: str) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise BadRequest(f"{name} must be a whole number of 1 or more", [name])
    return int(text)


ROUTES = [
    ("POST", f"{JOBS}/filter", filter_jobs),
    ("POST", JOBS, create_job),
    ("GET", JOB, get_job),
    ("DELETE", JOB, delete_job),
    ("PUT", f"{JOB}/restore", restore_job),
    ("PUT", f"{JOB}/approve", approve_job),
    ("PUT", f"{JOB}/stop", stop_job),
]
