"""No secret reaches what an analyst sees or what the logs keep.

The session-wide collector of tests/conftest.py gathers War Room output, run results,
log lines and log files of every test, and the secrets in play (client secrets, every
token the emulator issued, zip passwords); the session fails at its end if any secret
was shown. These tests prove the scanner finds a planted secret, that the collector
sees the emulator's tokens and the War Room's output, and run the secret-heavy paths.
"""

import pyzipper

from vision_emulator import Backend

from .exposure import ExposureLog, Finding, find_secrets

LEAKED_TOKEN = "leaked-bearer-token-0123456789"
ZIP_PASSWORD = "Zip-Pa55word-Reliability"
MESSAGE_ID = "<1216208547.160.1658930322668@6d14a4fa9032>"


def test_scanner_finds_a_secret_logged_on_purpose(tmp_path):
    polluted = ExposureLog()
    polluted.add_secret(LEAKED_TOKEN)
    polluted.add_text("demisto.debug", f"Calling Vision with Bearer {LEAKED_TOKEN} now")
    log_file = tmp_path / "warroom.log"
    log_file.write_text("fine line\n", encoding="utf-8")
    polluted.add_log_file(log_file)

    findings = polluted.scan()

    expected = Finding("demisto.debug", "Calling Vision with Bearer <secret> now")
    assert findings == [expected]


def test_scanner_reads_log_files_when_scanning(tmp_path):
    log_file = tmp_path / "warroom.log"
    polluted = ExposureLog()
    polluted.add_secret(ZIP_PASSWORD)
    polluted.add_log_file(log_file)
    log_file.write_text(f"zip password is {ZIP_PASSWORD}\n", encoding="utf-8")

    findings = polluted.scan()

    assert findings == [Finding(str(log_file), "zip password is <secret>\n")]


def test_scanner_ignores_short_values_and_clean_texts():
    sample = ExposureLog()
    sample.add_secret("abc")
    sample.add_secret(ZIP_PASSWORD)
    sample.add_text("readable", "abc is a common word; the password was masked")

    assert sample.secrets == {ZIP_PASSWORD}
    assert sample.scan() == []


def test_find_secrets_reports_every_text_and_secret():
    texts = [("one", f"a {LEAKED_TOKEN}"), ("two", f"{ZIP_PASSWORD} b")]

    findings = find_secrets(texts, [LEAKED_TOKEN, ZIP_PASSWORD])

    assert findings == [Finding("one", "a <secret>"), Finding("two", "<secret> b")]


def test_collector_knows_every_token_the_emulator_issues(exposure):
    backend = Backend()

    token = backend.auth.issue(backend.client_id, backend.client_secret)

    assert token.value in exposure.secrets
    assert backend.client_secret in exposure.secrets


def test_collector_gathers_war_room_output_and_its_log(exposure, vision, war_room,
                                                      home):
    before = len(exposure.texts)

    outcome = war_room().run("!cofense-message-search-get id=700")

    assert outcome.error is None
    gathered = [text for _, text in exposure.texts[before:]]
    assert outcome.readable in gathered
    assert home / "warroom.log" in exposure.log_files
    assert set(vision.issued_tokens()) <= exposure.secrets


def test_zip_password_download_shows_neither_password_nor_token(exposure, vision,
                                                               war_room, tmp_path):
    room = war_room()

    issued = room.run(f'!cofense-message-token-get internet_message_id="{MESSAGE_ID}" '
                      f"recipient_address=pqr@example.com password={ZIP_PASSWORD}")
    download_token = issued.entries[0]["Contents"]["token"]
    downloaded = room.run(f"!cofense-message-get token={download_token}")

    assert issued.error is None and downloaded.error is None
    with pyzipper.AESZipFile(downloaded.files[0].path) as archive:
        archive.setpassword(ZIP_PASSWORD.encode())
        assert archive.read(archive.namelist()[0]).startswith(b"")
    assert ZIP_PASSWORD in exposure.secrets
    assert exposure.scan() == []


def test_bad_secret_is_not_shown(exposure, vision, war_room):
    wrong = {"identifier": vision.server.client_id, "password": "Wrong-Secret-Shown?"}

    outcome = war_room(credentials=wrong).run("!cofense-searchable-headers-get")

    assert outcome.error is not None
    assert "Wrong-Secret-Shown?" in exposure.secrets
    assert exposure.scan() == []


def test_nothing_gathered_so_far_shows_a_secret(exposure):
    assert exposure.secrets
    assert exposure.scan() == []
