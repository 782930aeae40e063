"""Search creation and storage, and each search criterion evaluated on the mailbox.

Expected results are worked out from the stored messages with plain string checks, so
they follow the seeded data instead of restating it.
"""

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vision_emulator.backend.searches import SEARCHABLE_HEADERS, wildcard

from .support import CLIENT_ID, REFERENCE_ID

NAIVE_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6,9}")


def _ids(results: dict) -> list[int]:
    return [message["id"] for message in results["messages"]]


def _expected(backend, predicate) -> list[int]:
    """Ids of the fully ingested messages the predicate accepts, in id order."""
    found = [message.id for message in backend.mailbox.messages
             if not message.partial_ingest and predicate(message)]
    assert found, "the predicate should select some seeded messages"
    assert len(found) < len(backend.mailbox.messages)
    return found


def _attachment_types(message) -> set[str]:
    return {kind for item in message.attachments
            for kind in (item.content_type, item.detected_content_type) if kind}


def _host_in(url: str, domain: str) -> bool:
    host = url.split("/")[2].lower()
    return host == domain or host.endswith(f".{domain}")


def test_create_search(vision):
    criteria = {"subjects": ["test"], "senders": ["abc@example.com", "pqr@example.com"],
                "partialIngest": False}

    first = vision.create_search(**criteria)
    second = vision.create_search(recipient="abc@example.com")

    assert first == {
        **criteria,
        "attachmentHashCriteria": {"type": "ANY"},
        "domainCriteria": {"type": "ANY"},
        "id": 1091,
        "createdBy": CLIENT_ID,
        "createdDate": "2022-08-10T04:25:00.626652",
        "modifiedBy": CLIENT_ID,
        "modifiedDate": "2022-08-10T04:25:00.626652",
    }
    assert second["id"] == 1092


def test_create_search__criteria_stored_as_sent(vision):
    criteria = {
        "attachmentHashCriteria": {"type": "ALL", "attachmentHashes": [
            {"hashType": "MD5", "hashString": "3d0e1d68f12afee22ae3e79e01027c7a"}]},
        "domainCriteria": {"type": "ALL", "domains": ["examp1e.com"],
                           "whiteListUrls": ["https://examp1e.com/ok"]},
        "headers": [{"key": "X-Originating-IP", "values": ["[203.0.113.45]"]}],
        "url": "https://*",
    }

    created = vision.create_search(**criteria)
    fetched = vision.get(f"/api/v4/searches/{created['id']}").json

    assert {key: fetched[key] for key in criteria} == criteria
    assert NAIVE_DATE.fullmatch(fetched["createdDate"])


@pytest.mark.parametrize("sent, reported", [
    pytest.param("2022-07-01T00:00:00Z", "2022-07-01T00:00:00.000000", id="utc"),
    pytest.param("2022-07-01T02:30:00+02:00", "2022-07-01T00:30:00.000000",
                 id="offset"),
    pytest.param("2022-07-01T00:00:00.25", "2022-07-01T00:00:00.250000", id="naive"),
])
def test_create_search__received_dates_reported_as_naive_utc(vision, sent, reported):
    created = vision.create_search(receivedAfterDate=sent, receivedBeforeDate=sent)
    fetched = vision.get(f"/api/v4/searches/{created['id']}").json

    for search in (created, fetched):
        assert search["receivedAfterDate"] == reported
        assert search["receivedBeforeDate"] == reported


def test_create_search__null_partial_ingest_means_false(vision, backend):
    created = vision.create_search(partialIngest=None, subjects=["*"])

    assert "partialIngest" not in created
    assert _ids(vision.search(partialIngest=None)) == _ids(vision.search())


def test_get_search__reference(vision):
    reply = vision.get("/api/v4/searches/700")

    assert reply.json == {
        "attachmentHashCriteria": {"type": "ANY"}, "domainCriteria": {"type": "ANY"},
        "id": 700, "createdBy": "testuser", "createdDate": "2022-08-02T19:05:08.035549",
        "modifiedBy": "testuser", "modifiedDate": "2022-08-02T19:05:08.035549"}


def test_get_search__not_found(vision):
    reply = vision.get("/api/v4/searches/999999")

    assert reply.status_code == 404
    assert reply.json["status"] == "NOT_FOUND"
    assert reply.json["message"] == "Unable to find the requested object"


def test_search_results__reference_search_700(vision):
    reply = vision.get("/api/v4/searches/700/results?size=2")

    assert reply.json["search"]["id"] == 700
    assert [m["internetMessageId"] for m in reply.json["messages"]] == [
        REFERENCE_ID, REFERENCE_ID.replace("9032>", "9033>")]


def test_searchable_headers(vision):
    reply = vision.get("/api/v4/config/searchableHeaders")

    assert reply.json == {"headers": list(SEARCHABLE_HEADERS)}
    assert "X-MS-Exchange-Organization-AuthSource" in reply.json["headers"]


@pytest.mark.parametrize("pattern, check", [
    pytest.param("action REQUIRED: invoice*",
                 lambda s: s.lower().startswith("action required: invoice"),
                 id="prefix"),
    pytest.param("*mailbox*full", lambda s: "mailbox" in s.lower()
                 and s.lower().endswith("full"), id="inner"),
    pytest.param("Your mailbox is almost full",
                 lambda s: s.lower() == "your mailbox is almost full", id="exact"),
])
def test_subjects(vision, backend, pattern, check):
    results = vision.search(subjects=[pattern])

    assert _ids(results) == _expected(backend, lambda m: check(m.subject))


def test_subjects__no_wildcard_means_whole_subject(vision):
    assert _ids(vision.search(subjects=["mailbox"])) == []


def test_subjects__any_listed_value(vision, backend):
    results = vision.search(subjects=["Lunch on Friday?", "Weekly status report"])

    assert _ids(results) == _expected(
        backend, lambda m: m.subject in ("Lunch on Friday?", "Weekly status report"))


def test_senders(vision, backend):
    results = vision.search(senders=["*@EXAMP1E.com"])

    assert _ids(results) == _expected(
        backend, lambda m: any(a.lower().endswith("@examp1e.com")
                               for a in m.sender_addresses))


@pytest.mark.parametrize("pattern, check", [
    pytest.param("bruno.keller@example.com",
                 lambda a: a == "bruno.keller@example.com", id="exact"),
    pytest.param("*.KELLER@*", lambda a: ".keller@" in a, id="wildcards"),
])
def test_recipient(vision, backend, pattern, check):
    results = vision.search(recipient=pattern)

    assert _ids(results) == _expected(
        backend, lambda m: any(check(a.lower()) for a in m.recipient_addresses))


def test_recipient__includes_bcc(vision, backend):
    bcc = next((m, r.address) for m in backend.mailbox.messages for r in m.recipients
               if r.recipient_type == "bcc")

    assert bcc[0].id in _ids(vision.search(recipient=bcc[1]))


def test_attachment_names(vision, backend):
    results = vision.search(attachmentNames=["*.DOCM", "invoice_details.zip"])

    assert _ids(results) == _expected(backend, lambda m: any(
        a.filename.lower().endswith(".docm") or a.filename == "Invoice_details.zip"
        for a in m.attachments))


def test_url(vision, backend):
    results = vision.search(url="https://examp1e-payments.com/invoice/*")

    assert _ids(results) == _expected(backend, lambda m: any(
        u.startswith("https://examp1e-payments.com/invoice/") for u in m.urls))


def test_url__found_inside_attachments(vision, backend):
    results = vision.search(url="https://login.examp1e-payments.com/*")

    assert _ids(results) == _expected(backend, lambda m: any(
        a.filename.endswith(".html") for a in m.attachments))


def test_internet_message_id__exact_and_case_sensitive(vision):
    assert len(vision.search(internetMessageId=REFERENCE_ID)["messages"]) == 1
    assert vision.search(internetMessageId=REFERENCE_ID.upper())["messages"] == []
    assert vision.search(internetMessageId=REFERENCE_ID[:-1] + "*>")["messages"] == []


@pytest.fixture
def two_attachment_message(backend):
    return next(m for m in backend.mailbox.messages
                if len({a.md5 for a in m.attachments}) == 2 and m.id > 760624)


def test_attachment_hashes__any(vision, backend, two_attachment_message):
    first, second = two_attachment_message.attachments
    hashes = [{"hashType": "MD5", "hashString": first.md5},
              {"hashType": "SHA256", "hashString": second.sha256.upper()}]

    results = vision.search(attachmentHashCriteria={"type": "ANY",
                                                    "attachmentHashes": hashes})

    assert _ids(results) == _expected(backend, lambda m: any(
        a.md5 == first.md5 or a.sha256 == second.sha256 for a in m.attachments))


def test_attachment_hashes__all(vision, backend, two_attachment_message):
    first, second = two_attachment_message.attachments
    hashes = [{"hashType": "MD5", "hashString": first.md5},
              {"hashType": "SHA256", "hashString": second.sha256}]

    results = vision.search(attachmentHashCriteria={"type": "ALL",
                                                    "attachmentHashes": hashes})

    assert _ids(results) == _expected(backend, lambda m: (
        first.md5 in {a.md5 for a in m.attachments}
        and second.sha256 in {a.sha256 for a in m.attachments}))
    assert two_attachment_message.id in _ids(results)


def test_attachment_hashes__reference_md5(vision):
    hashes = [{"hashType": "MD5", "hashString": "c5aa88f949574a0a5e75a795dc507da7"}]

    results = vision.search(attachmentHashCriteria={"attachmentHashes": hashes})

    assert _ids(results) == [760623, 760624]


@pytest.mark.parametrize("kind, check", [
    pytest.param("ANY", any, id="any"), pytest.param("ALL", all, id="all")])
def test_domains(vision, backend, kind, check):
    domains = ["examp1e-helpdesk.net", "example.com"]

    results = vision.search(domainCriteria={"type": kind, "domains": domains})

    assert _ids(results) == _expected(backend, lambda m: check(
        any(_host_in(u, d) for u in m.urls) for d in domains))


def test_domains__whitelisted_urls_do_not_count(vision, backend):
    whitelist = ["https://www.example.com/privacy"]

    results = vision.search(domainCriteria={"domains": ["example.com"],
                                            "whiteListUrls": whitelist})

    expected = _expected(backend, lambda m: any(
        _host_in(u, "example.com") for u in m.urls if u not in whitelist))
    without_whitelist = _ids(vision.search(domainCriteria={"domains": ["example.com"]}))
    assert _ids(results) == expected
    assert set(expected) < set(without_whitelist)


def test_attachment_mime_types__include(vision, backend):
    results = vision.search(attachmentMimeTypes=["image/png", "application/PDF"])

    assert _ids(results) == _expected(backend, lambda m: _attachment_types(m) & {
        "image/png", "application/pdf"})


def test_attachment_mime_types__exclude(vision, backend):
    results = vision.search(attachmentExcludeMimeTypes=["application/zip"])

    assert _ids(results) == _expected(
        backend, lambda m: "application/zip" not in _attachment_types(m))


def test_attachment_mime_types__wildcard(vision, backend):
    results = vision.search(attachmentMimeTypes=["text/*"])

    assert _ids(results) == _expected(backend, lambda m: any(
        kind.startswith("text/") for kind in _attachment_types(m)))


def test_headers(vision, backend):
    results = vision.search(headers=[{"key": "x-originating-ip",
                                      "values": ["[203.0.113.*]", "[192.0.2.77]"]}])

    assert _ids(results) == _expected(backend, lambda m: any(
        name == "X-Originating-IP" and (value.startswith("[203.0.113.")
                                        or value == "[192.0.2.77]")
        for name, value in m.headers))


def test_headers__two_headers_must_both_match(vision, backend):
    results = vision.search(headers=[
        {"key": "X-Originating-IP", "values": ["[203.0.113.45]"]},
        {"key": "X-MS-Exchange-Organization-AuthSource", "values": ["EXCH01*"]}])

    origin = ("X-Originating-IP", "[203.0.113.45]")
    server = ("X-MS-Exchange-Organization-AuthSource", "EXCH01.example.com")
    assert _ids(results) == _expected(
        backend, lambda m: origin in m.headers and server in m.headers)


def test_headers__not_searchable(vision):
    reply = vision.post("/api/v4/searches", json={
        "headers": [{"key": "Subject", "values": ["hello"]}]})

    assert reply.status_code == 422
    assert reply.json == {
        "status": "UNPROCESSABLE_ENTITY",
        "message": "Header Subject is not a searchable header",
        "details": [f"Searchable headers: {', '.join(SEARCHABLE_HEADERS)}"],
    }


def test_received_dates__inclusive_bounds(vision, backend):
    messages = sorted(backend.mailbox.messages[2:], key=lambda m: m.received_on)
    low, high = messages[3].received_on, messages[8].received_on

    results = vision.search(
        receivedAfterDate=low.strftime("%Y-%m-%dT%H:%M:%SZ"),
        receivedBeforeDate=high.strftime("%Y-%m-%dT%H:%M:%SZ"))

    expected = _expected(backend, lambda m: low <= m.received_on <= high)
    assert _ids(results) == expected
    assert {messages[3].id, messages[8].id} <= set(expected)


def test_partial_ingest(vision, backend):
    partial = [m.id for m in backend.mailbox.messages if m.partial_ingest]

    without = _ids(vision.search())
    with_partial = _ids(vision.search(partialIngest=True))

    assert partial and not set(partial) & set(without)
    assert set(partial) <= set(with_partial)


def test_criteria_combine_with_and(vision, backend):
    results = vision.search(subjects=["Action required*"], attachmentNames=["*.zip"])

    assert _ids(results) == _expected(backend, lambda m: (
        m.subject.startswith("Action required")
        and any(a.filename.endswith(".zip") for a in m.attachments)))


def test_quarantined_copies_are_not_found(vision, backend):
    message = next(m for m in backend.mailbox.messages if len(m.recipients) >= 2)
    hidden, kept = message.recipients[0].address, message.recipients[1].address

    message.quarantined.add(hidden.lower())
    partly = vision.search(internetMessageId=message.internet_message_id)
    by_hidden = vision.search(internetMessageId=message.internet_message_id,
                              recipient=hidden)
    message.quarantined.update(a.lower() for a in message.recipient_addresses)
    fully = vision.search(internetMessageId=message.internet_message_id)

    addresses = [r["address"] for r in partly["messages"][0]["recipients"]]
    assert hidden not in addresses and kept in addresses
    assert by_hidden["messages"] == [] and fully["messages"] == []
    metadata = vision.get("/api/v4/messages/metadata", query_string={
        "internetMessageId": message.internet_message_id, "recipientAddress": hidden})
    assert metadata.status_code == 200


@pytest.mark.parametrize("criteria, detail", [
    pytest.param({"subjects": ["a", "b", "c", "d"]}, "subjects", id="four-subjects"),
    pytest.param({"subjects": "not a list"}, "subjects", id="subjects-string"),
    pytest.param({"recipient": ["a"]}, "recipient", id="recipient-list"),
    pytest.param({"domainCriteria": {"domains": ["a", "b", "c", "d"]}}, "domains",
                 id="four-domains"),
    pytest.param({"domainCriteria": {"type": "SOME", "domains": ["a"]}},
                 "domainCriteria.type", id="match-type"),
    pytest.param({"attachmentHashCriteria": {"attachmentHashes": [
        {"hashType": "SHA1", "hashString": "a" * 40}]}},
        "attachmentHashCriteria.attachmentHashes", id="hash-type"),
    pytest.param({"attachmentHashCriteria": {"attachmentHashes": [
        {"hashType": "MD5", "hashString": "xyz"}]}},
        "attachmentHashCriteria.attachmentHashes", id="hash-value"),
    pytest.param({"headers": [{"key": "X-Originating-IP", "values": list("abcd")}]},
                 "values", id="four-header-values"),
    pytest.param({"receivedAfterDate": "last tuesday"}, "receivedAfterDate",
                 id="date"),
    pytest.param({"partialIngest": "yes"}, "partialIngest", id="partial-ingest"),
])
def test_create_search__invalid(vision, criteria, detail):
    reply = vision.post("/api/v4/searches", json=criteria)

    assert reply.status_code == 400
    assert reply.json["status"] == "BAD_REQUEST"
    assert reply.json["details"] == [detail]


def test_create_search__body_must_be_an_object(vision):
    reply = vision.post("/api/v4/searches", json=["subjects"])

    assert reply.status_code == 400
    assert reply.json["message"] == "The search criteria must be a JSON object"


def test_create_search__body_must_be_json(vision):
    reply = vision.post("/api/v4/searches", data="subjects=x")

    assert reply.status_code == 415
    assert reply.json["status"] == "UNSUPPORTED_MEDIA_TYPE"


@given(text=st.text(alphabet=string.ascii_letters + string.punctuation + " ",
                    max_size=30),
       cut=st.tuples(st.integers(0, 30), st.integers(0, 30)))
def test_wildcard__star_stands_for_any_run(text, cut):
    start, end = sorted(cut)
    pattern = f"{text[:start]}*{text[end:]}".swapcase()

    assert wildcard(pattern).fullmatch(text)


@given(text=st.text(alphabet=string.ascii_letters + string.punctuation + " ",
                    max_size=30).filter(lambda text: "*" not in text))
def test_wildcard__other_characters_are_literal(text):
    assert wildcard(text).fullmatch(text.upper())
    assert not wildcard(text).fullmatch(f"{text}x")
