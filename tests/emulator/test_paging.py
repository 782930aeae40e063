"""Paging and multi-key sorting of search lists and search results."""

import pytest

from vision_emulator.handlers import MAX_PAGE_SIZE


@pytest.fixture
def searches(vision):
    """Three more searches by the test client, created after the seeded ones."""
    for recipient in ("c@example.com", "a@example.com", "b@example.com"):
        vision.create_search(recipient=recipient)
    return vision


def _search_ids(vision, query: str) -> list[int]:
    reply = vision.get(f"/api/v4/searches?{query}")
    assert reply.status_code == 200, reply.json
    return [search["id"] for search in reply.json["searches"]]


def _result_ids(vision, query: str) -> list[int]:
    reply = vision.get(f"/api/v4/searches/700/results?{query}")
    assert reply.status_code == 200, reply.json
    return [message["id"] for message in reply.json["messages"]]


def test_list_searches__default_order_is_id_ascending(searches, backend):
    ids = _search_ids(searches, "")

    assert ids == sorted(search.id for search in backend.searches.searches)


def test_list_searches__pages_until_a_short_page(searches, backend):
    every = sorted(search.id for search in backend.searches.searches)

    pages = [_search_ids(searches, f"page={page}&size=3") for page in range(3)]

    assert [len(page) for page in pages] == [3, 3, len(every) - 6]
    assert sum(pages, []) == every
    assert _search_ids(searches, "page=9&size=3") == []


def test_list_searches__sort_descending(searches, backend):
    ids = _search_ids(searches, "sort=id,desc")

    assert ids == sorted((search.id for search in backend.searches.searches),
                         reverse=True)


def test_list_searches__two_sort_keys(searches, backend):
    ids = _search_ids(searches, "sort=createdBy,desc&sort=id,asc")

    expected = sorted(backend.searches.searches, key=lambda s: s.id)
    expected.sort(key=lambda s: s.created_by, reverse=True)
    assert ids == [search.id for search in expected]
    assert ids[0] > 1000 and ids[-1] == 700


def test_list_searches__missing_values_sort_last(vision):
    vision.create_search(receivedAfterDate="2022-07-20T00:00:00Z")
    vision.create_search(receivedAfterDate="2022-07-10T00:00:00Z")

    ascending = vision.get("/api/v4/searches?sort=receivedAfterDate,asc").json
    descending = vision.get("/api/v4/searches?sort=receivedAfterDate,desc").json

    dates = [s.get("receivedAfterDate") for s in ascending["searches"]]
    assert dates[:2] == ["2022-07-10T00:00:00.000000", "2022-07-20T00:00:00.000000"]
    assert set(dates[2:]) == {None}
    assert [s.get("receivedAfterDate") for s in descending["searches"]][-2:] == [
        "2022-07-20T00:00:00.000000", "2022-07-10T00:00:00.000000"]


def test_list_searches__received_dates_sort_by_moment_not_by_text(vision):
    later = vision.create_search(receivedBeforeDate="2022-07-20T01:00:00+02:00")
    earlier = vision.create_search(receivedBeforeDate="2022-07-20T00:00:00-02:00")

    ids = _search_ids(vision, "sort=receivedBeforeDate,asc")

    assert ids[:2] == [later["id"], earlier["id"]]


def test_search_results__sort_by_subject_then_id(vision, backend):
    ids = _result_ids(vision, "sort=subject,asc&sort=id,desc&size=2000")

    visible = [m for m in backend.mailbox.messages if not m.partial_ingest]
    expected = sorted(visible, key=lambda m: m.id, reverse=True)
    expected.sort(key=lambda m: m.subject)
    assert ids == [message.id for message in expected]


@pytest.mark.parametrize("key", ["id", "subject", "createdOn", "sentOn", "htmlBody",
                                 "md5", "sha1", "sha256", "processedOn"])
def test_search_results__every_documented_sort_key(vision, key):
    ids = _result_ids(vision, f"sort={key},desc&size=5")

    assert len(ids) == 5


def test_search_results__pages(vision):
    every = _result_ids(vision, "size=2000")

    pages = [_result_ids(vision, f"page={page}&size=7") for page in range(6)]

    assert sum(pages, []) == every
    assert len(pages[-1]) < 7


@pytest.mark.parametrize("query, detail", [
    pytest.param("size=0", "size", id="size-zero"),
    pytest.param(f"size={MAX_PAGE_SIZE + 1}", "size", id="size-too-big"),
    pytest.param("size=ten", "size", id="size-not-a-number"),
    pytest.param("page=-1", "page", id="negative-page"),
])
def test_paging__invalid(vision, query, detail):
    for path in ("/api/v4/searches", "/api/v4/searches/700/results"):
        reply = vision.get(f"{path}?{query}")

        assert reply.status_code == 400
        assert reply.json["status"] == "BAD_REQUEST"
        assert reply.json["details"] == [detail]


def test_paging__largest_size_accepted(vision):
    assert vision.get(f"/api/v4/searches?size={MAX_PAGE_SIZE}").status_code == 200


@pytest.mark.parametrize("sort, message", [
    pytest.param("subject,asc", "Unknown sort property: subject", id="wrong-object"),
    pytest.param("id,up", "Unknown sort order: up", id="order"),
])
def test_sort__invalid(vision, sort, message):
    reply = vision.get(f"/api/v4/searches?sort={sort}")

    assert reply.status_code == 400
    assert reply.json["message"] == message
