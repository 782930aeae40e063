"""Faults of the network and of Vision, driven through the War Room at the emulator.

Each test counts the attempts in the emulator's request log, checks what the emulator
holds afterwards and reads the one sentence the analyst sees. Nothing here measures
time: slow replies are held by an event and released when the test is done with them.
"""

import json

import pytest
import requests

from vision_emulator.errors import InternalServerError
from vision_emulator.faults import ConnectionDropped, TooManyRequests, _close_socket

from .support import context_file, read_context, write_context

SEARCH_GET = "!cofense-message-search-get id=700"
SEARCH_PATH = "/api/v4/searches/700"
SEARCH_CREATE = '!cofense-message-search-create subjects="Bonus plan 2022*"'
SEARCHES_PATH = "/api/v4/searches"
JOBS_PATH = "/api/v4/quarantineJobs"
JOB_CREATE = ('!cofense-quarantine-job-create polling=false quarantine_emails='
              '"<1216208547.160.1658930322668@6d14a4fa9032>:pqr@example.com"')
SERVER_ADVICE = "Vision or a proxy in front of it failed; retry later."
FAR_FUTURE_EPOCH = 4_102_444_800  # 2100-01-01


def assert_one_clean_line(error: str | None) -> str:
    """The error shown is one line of prose: no traceback, no markup dumped."""
    assert error
    assert "\n" not in error.strip()
    assert "Traceback" not in error
    assert "<html" not in error.lower() and "</" not in error
    return error


def assert_search_700_shown(outcome) -> None:
    assert outcome.error is None
    assert "700" in outcome.readable


def searches_count(vision) -> int:
    return len(vision.backend.searches.searches)


def drop_after_processing(vision, method: str, path: str, times: int = -1) -> None:
    """Lets the emulator handle the request, then closes the socket without a reply;
    the first `times` such requests only, or every one when times is negative."""
    pipeline = vision.server.app.wsgi_app
    dropped = []

    def wsgi(environ, start_response):
        if ((environ["REQUEST_METHOD"], environ["PATH_INFO"]) != (method, path)
                or len(dropped) == times):
            return pipeline(environ, start_response)
        dropped.append(path)
        b"".join(pipeline(environ, lambda status, headers, exc_info=None: None))
        _close_socket(environ)
        raise ConnectionDropped("dropped after the request was handled")

    vision.server.app.wsgi_app = wsgi


# Transient statuses ------------------------------------------------------------------


def test_429_with_retry_after_is_retried_and_succeeds(vision, war_room):
    vision.fault(f"GET {SEARCH_PATH}", "429", count=1, retryAfter=1)

    outcome = war_room().run(SEARCH_GET)

    assert vision.attempts("GET", SEARCH_PATH) == [429, 200]
    assert_search_700_shown(outcome)


def test_429_without_retry_after_is_retried_and_succeeds(vision, war_room):
    vision.fault(f"GET {SEARCH_PATH}", "429", count=2)

    outcome = war_room().run(SEARCH_GET)

    assert vision.attempts("GET", SEARCH_PATH) == [429, 429, 200]
    assert_search_700_shown(outcome)


def test_429_on_a_creating_post_is_not_retried(vision, war_room):
    vision.fault(f"POST {SEARCHES_PATH}", "429", count=1)
    before = searches_count(vision)

    error = assert_one_clean_line(war_room().run(SEARCH_CREATE).error)

    assert vision.attempts("POST", SEARCHES_PATH) == [429]
    assert searches_count(vision) == before
    assert error.endswith(f"HTTP 429 {TooManyRequests.status}: "
                          f"{TooManyRequests.default_message}. "
                          "Vision is rate limiting this client; retry later.")


@pytest.mark.parametrize("status", ["502", "503", "504"])
def test_gateway_statuses_are_retried_and_succeed(vision, war_room, status):
    vision.fault(f"GET {SEARCH_PATH}", status, count=2)

    outcome = war_room().run(SEARCH_GET)

    assert vision.attempts("GET", SEARCH_PATH) == [int(status), int(status), 200]
    assert_search_700_shown(outcome)


def test_gateway_status_beyond_the_retries_gives_one_sentence(vision, war_room):
    vision.fault(f"GET {SEARCH_PATH}", "503", count=10)

    error = assert_one_clean_line(war_room().run(SEARCH_GET).error)

    assert vision.attempts("GET", SEARCH_PATH) == [503] * 4
    assert error.endswith("Cofense Vision answered HTTP 503 with an HTML error page "
                          f"(often a proxy or load balancer). {SERVER_ADVICE}")


# Errors that are not retried ----------------------------------------------------------


@pytest.mark.parametrize("fault, options, described", [
    pytest.param("500", {"count": 3},
                 f"HTTP 500 {InternalServerError.status}: "
                 f"{InternalServerError.default_message}", id="vision-500"),
    pytest.param("html", {"count": 3},
                 "HTTP 500 with an HTML error page (often a proxy or load balancer)",
                 id="html-page"),
    pytest.param("empty", {"status": 500}, "HTTP 500 with an empty body",
                 id="empty-body"),
])
def test_server_error_is_not_retried_and_gives_one_sentence(vision, war_room, fault,
                                                            options, described):
    vision.fault(f"GET {SEARCH_PATH}", fault, **options)

    error = assert_one_clean_line(war_room().run(SEARCH_GET).error)

    assert vision.attempts("GET", SEARCH_PATH) == [500]
    assert "nginx" not in error
    assert error == ("Failed to execute cofense-message-search-get command. Cofense "
                     f"Vision answered {described}. {SERVER_ADVICE}")


def test_empty_success_body_gives_a_result_or_one_clean_line(vision, war_room):
    vision.fault(f"GET {SEARCH_PATH}", "empty")

    outcome = war_room().run(SEARCH_GET)

    assert vision.attempts("GET", SEARCH_PATH) == [200]
    if outcome.error is not None:
        assert_one_clean_line(outcome.error)
    else:
        assert outcome.entries


# Slow and broken connections ----------------------------------------------------------


def test_slow_get_is_retried_then_names_the_timeout(vision, war_room, slow_release):
    vision.fault(f"GET {SEARCH_PATH}", "slow", count=10, delay=30)
    rule = vision.server.faults.rules[0]

    error = assert_one_clean_line(war_room(timeout="1").run(SEARCH_GET).error)
    slow_release.set()

    assert 10 - rule.count == 4
    assert error.endswith(f"Cofense Vision did not answer GET {SEARCH_PATH} within the "
                          "HTTP timeout, even after retries; retry later or raise the "
                          "timeout of the instance.")


def test_dropped_connection_on_get_is_retried(vision, war_room):
    vision.fault(f"GET {SEARCH_PATH}", "drop", count=2)

    outcome = war_room().run(SEARCH_GET)

    assert vision.attempts("GET", SEARCH_PATH) == [None, None, 200]
    assert_search_700_shown(outcome)


def test_dropped_search_create_is_sent_once_and_says_check_the_list(vision, war_room):
    drop_after_processing(vision, "POST", SEARCHES_PATH)
    before = searches_count(vision)

    error = assert_one_clean_line(war_room().run(SEARCH_CREATE).error)

    assert len(vision.attempts("POST", SEARCHES_PATH)) == 1
    assert searches_count(vision) == before + 1
    assert error.endswith(f"The connection to Cofense Vision failed after POST "
                          f"{SEARCHES_PATH} was sent, so the search may have been "
                          "created; check cofense-message-searches-list.")


def test_slow_search_create_is_sent_once(vision, war_room, slow_release):
    vision.fault(f"POST {SEARCHES_PATH}", "slow", count=5, delay=30)
    rule = vision.server.faults.rules[0]
    before = searches_count(vision)

    error = assert_one_clean_line(war_room(timeout="1").run(SEARCH_CREATE).error)
    slow_release.set()

    assert 5 - rule.count == 1
    assert "the search may have been created" in error
    assert "cofense-message-searches-list" in error
    assert searches_count(vision) in (before, before + 1)


@pytest.fixture
def quarantine(vision):
    if vision.backend.quarantine is None:
        pytest.skip("the emulator's quarantine part is not there")
    return vision.backend.quarantine


def test_dropped_job_create_is_sent_once_and_one_job_exists(vision, war_room,
                                                             quarantine):
    drop_after_processing(vision, "POST", JOBS_PATH)
    before = len(quarantine.jobs)

    error = assert_one_clean_line(war_room().run(JOB_CREATE).error)

    assert len(vision.attempts("POST", JOBS_PATH)) == 1
    assert len(quarantine.jobs) == before + 1
    assert error.endswith("The connection to Cofense Vision failed after POST "
                          f"{JOBS_PATH} was sent, so the job may have been created; "
                          "check cofense-quarantine-jobs-list.")


def test_a_delete_whose_reply_was_lost_says_it_most_likely_happened(vision, war_room,
                                                                   quarantine):
    drop_after_processing(vision, "DELETE", f"{JOBS_PATH}/266", times=1)

    error = assert_one_clean_line(
        war_room().run("!cofense-quarantine-job-delete id=266").error
    )

    assert vision.attempts("DELETE", f"{JOBS_PATH}/266")[-1] == 404
    assert 266 not in [job.id for job in quarantine.jobs]
    assert error.endswith(f"Cofense Vision answered HTTP 404 to DELETE {JOBS_PATH}/266 "
                          "when it was sent again after a lost reply, so the first "
                          "attempt has most likely deleted it.")


def test_dropped_job_create_before_vision_handles_it_creates_none(vision, war_room,
                                                                  quarantine):
    vision.fault(f"POST {JOBS_PATH}", "drop", count=3)
    before = len(quarantine.jobs)

    error = assert_one_clean_line(war_room().run(JOB_CREATE).error)

    assert vision.attempts("POST", JOBS_PATH) == [None]
    assert len(quarantine.jobs) == before
    assert "the job may have been created; check cofense-quarantine-jobs-list" in error


# Tokens -------------------------------------------------------------------------------


def test_two_commands_fetch_one_token(vision, war_room):
    room = war_room()

    first, second = room.run(SEARCH_GET), room.run("!cofense-searchable-headers-get")

    assert first.error is None and second.error is None
    assert vision.token_requests() == 1


def test_two_war_rooms_on_one_home_share_the_token(vision, war_room, home):
    war_room().run(SEARCH_GET)
    war_room().run(SEARCH_GET)

    assert vision.token_requests() == 1
    assert read_context(home)["token"]["url"] == vision.url


def test_expired_token_mid_run_fetches_one_more_token(vision, war_room):
    room = war_room()
    room.run(SEARCH_GET)
    requests.post(f"{vision.url}/_emulator/tokens/expire", timeout=5).raise_for_status()
    vision.clear_log()

    outcome = room.run(SEARCH_GET)

    assert_search_700_shown(outcome)
    assert vision.token_requests() == 1
    assert vision.attempts("GET", SEARCH_PATH) == [401, 200]


def test_bad_credentials_give_one_sentence(vision, war_room):
    wrong = {"identifier": vision.server.client_id, "password": "not-the-secret-4711"}

    error = assert_one_clean_line(war_room(credentials=wrong).run(SEARCH_GET).error)

    assert vision.token_requests() == 1
    assert vision.attempts("GET", SEARCH_PATH) == []
    assert "not-the-secret-4711" not in error
    assert error.endswith("Authentication failed: Cofense Vision rejected the Client "
                          "ID or Client Secret (HTTP 401). Check both in the instance "
                          "settings.")


def planted_token(vision, *, url: str, client_id: str) -> str:
    """A valid token in the integration context, cached for the given url and client."""
    token = vision.backend.auth.issue(vision.server.client_id,
                                      vision.server.client_secret).value
    return json.dumps({"token": {"access_token": token, "expires_at": FAR_FUTURE_EPOCH,
                                 "url": url, "client_id": client_id}})


def test_cached_token_of_same_url_and_client_is_reused(vision, war_room, home):
    write_context(home, planted_token(vision, url=vision.url,
                                      client_id=vision.server.client_id))

    outcome = war_room().run(SEARCH_GET)

    assert_search_700_shown(outcome)
    assert vision.token_requests() == 0


@pytest.mark.parametrize("cached_for", [
    pytest.param({"url": "http://127.0.0.1:9"}, id="other-url"),
    pytest.param({"client_id": "another-client"}, id="other-client-id"),
])
def test_cached_token_of_other_url_or_client_is_not_used(vision, war_room, home,
                                                         cached_for):
    owner = {"url": vision.url, "client_id": vision.server.client_id, **cached_for}
    write_context(home, planted_token(vision, **owner))

    outcome = war_room().run(SEARCH_GET)

    assert_search_700_shown(outcome)
    assert vision.token_requests() == 1
    cached = read_context(home)["token"]
    assert (cached["url"], cached["client_id"]) == (vision.url, vision.server.client_id)


def test_corrupt_integration_context_is_ignored_and_replaced(vision, war_room, home):
    write_context(home, '{"token": {"access_token": ')

    outcome = war_room().run(SEARCH_GET)

    assert_search_700_shown(outcome)
    assert vision.token_requests() == 1
    assert read_context(home)["token"]["access_token"] in vision.issued_tokens()
    assert context_file(home).is_file()


# Partial IOC uploads ------------------------------------------------------------------


def fail_nth_call(vision, method: str, path: str, nth: int) -> None:
    """Answers the nth request to method and path with a 500, the others normally."""
    pipeline = vision.server.app.wsgi_app
    seen = []

    def wsgi(environ, start_response):
        if (environ["REQUEST_METHOD"], environ["PATH_INFO"]) == (method, path):
            seen.append(path)
            if len(seen) == nth:
                return InternalServerError("batch refused")(environ, start_response)
        return pipeline(environ, start_response)

    vision.server.app.wsgi_app = wsgi


def test_a_failed_ioc_batch_keeps_the_others_and_ends_in_an_error(vision, war_room):
    fail_nth_call(vision, "PUT", "/iocrepository/v1/iocs", 2)
    items = [
        {"threat_type": "Domain", "threat_value": f"d{number}.example",
         "threat_level": "High", "created_at": "2022-08-01", "source_id": str(number)}
        for number in range(1200)
    ]

    outcome = war_room().run(
        f"!cofense-iocs-update source=Feed-7 iocs_json='{json.dumps(items)}'"
    )

    # The refused batch is answered before the emulator's request log sees it.
    assert vision.attempts("PUT", "/iocrepository/v1/iocs") == [200, 200]
    stored = [ioc for ioc in vision.backend.iocs.iocs if "Feed-7" in ioc.sources]
    assert len(stored) == 700
    assert outcome.readable.startswith(
        "### 700 of 1200 IOCs updated; 1 of 3 batches were not stored (see the error "
        "entry).\n"
    )
    assert len(outcome.context["Cofense.IOC(val.id && val.id == obj.id)"]) == 700
    error = assert_one_clean_line(outcome.error)
    assert error.startswith("Failed to execute cofense-iocs-update command. Batch 2 "
                            "of 3 (items 500–999) failed: Cofense Vision answered "
                            "HTTP 500")
