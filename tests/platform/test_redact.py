"""xsoar_local.redact: secret keys, URL passwords and secrets inside free text."""

import pytest

from xsoar_local import redact


@pytest.mark.parametrize("text, masked", [
    pytest.param("http://user:UrlPw999@127.0.0.1:18931",
                 "http://user:********@127.0.0.1:18931", id="userinfo"),
    pytest.param("see https://u:p%40ss@h/x and ftp://a:b@c now",
                 "see https://u:********@h/x and ftp://a:********@c now",
                 id="two-urls-in-text"),
    pytest.param("http://u:p:w@h:1", "http://u:********@h:1", id="colon-in-password"),
    pytest.param("http://a@b:c@host/p", "http://a@b:********@host/p",
                 id="last-at-ends-userinfo"),
    pytest.param("http://user@h:80/x", "http://user@h:80/x", id="no-password"),
    pytest.param("http://h:80/x@y", "http://h:80/x@y", id="at-in-path"),
    pytest.param("http://user:@h", "http://user:@h", id="empty-password"),
    pytest.param("no url here", "no url here", id="plain-text"),
])
def test_mask_url(text, masked):
    assert redact.mask_url(text) == masked


def test_redact_masks_url_passwords_at_any_depth():
    value = {"url": "http://u:pw@h", "more": [1, ("https://a:b@c",)]}

    assert redact.redact(value) == {
        "url": "http://u:********@h", "more": [1, ["https://a:********@c"]]}


def test_url_passwords_count_as_secrets_in_free_text():
    secrets = redact.secret_values({"url": "http://u:p%40ss-word@h"})

    masked = redact.mask_text("GET http://u:p%40ss-word@h/x; typed p@ss-word", secrets)

    assert secrets == {"p%40ss-word", "p@ss-word"}
    assert masked == f"GET http://u:********@h/x; typed {redact.MASK}"


def test_mask_url_stays_fast_on_long_words():
    word = "a" * 200_000

    assert redact.mask_url(f"{word}:// {word}") == f"{word}:// {word}"
