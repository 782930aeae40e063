"""Message searches and the searchable-header configuration.

Results hold one message object per matching message (not one per recipient); the
recipients of quarantined copies are left out of it. Not supported: Vision's search
status and asynchronous result building; results are complete as soon as they are read.
"""

from flask import jsonify

from . import current_backend, current_client_id, json_body, parse_paging

# Sortable properties and how to read each from a stored object.
SEARCH_SORT_KEYS = {
    "id": lambda search: search.id,
    "createdBy": lambda search: search.created_by,
    "createdDate": lambda search: search.created_date,
    "modifiedBy": lambda search: search.modified_by,
    "modifiedDate": lambda search: search.modified_date,
    "receivedAfterDate": lambda search: search.matcher.after,
    "receivedBeforeDate": lambda search: search.matcher.before,
}
RESULT_SORT_KEYS = {
    "id": lambda message: message.id,
    "subject": lambda message: message.subject,
    "createdOn": lambda message: message.processed_on,
    "processedOn": lambda message: message.processed_on,
    "receivedOn": lambda message: message.received_on,
    "sentOn": lambda message: message.sent_on,
    "htmlBody": lambda message: message.html_body,
    "md5": lambda message: message.md5,
    "sha1": lambda message: message.sha1,
    "sha256": lambda message: message.sha256,
}


def create_search():
    """POST /api/v4/searches"""
    search = current_backend().searches.create(json_body(), current_client_id())
    return search.to_json()


def list_searches():
    """GET /api/v4/searches?page&size&sort"""
    paging = parse_paging(SEARCH_SORT_KEYS)
    page = paging.apply(current_backend().searches.searches, SEARCH_SORT_KEYS)
    return {"searches": [search.to_json() for search in page]}


def get_search(search_id: int):
    """GET /api/v4/searches/{id}"""
    return current_backend().searches.get(search_id).to_json()


def search_results(search_id: int):
    """GET /api/v4/searches/{id}/results?page&size&sort"""
    paging = parse_paging(RESULT_SORT_KEYS)
    search, messages = current_backend().searches.results(search_id)
    page = paging.apply(messages, RESULT_SORT_KEYS)
    return {
        "search": search.to_json(),
        "messages": [message.to_json(hide_quarantined=True) for message in page],
    }


def searchable_headers():
    """GET /api/v4/config/searchableHeaders"""
    return jsonify(headers=current_backend().searches.searchable_headers)
