"""CommandResults, indicators, return functions, files and integration context.

Each test records what reaches `demisto.results` by patching it, as integration unit
tests do; the stand-in runs without an active command (xsoar-platform.md B.5-B.10).
"""

import os

import pytest

import CommonServerPython as csp
import demistomock as demisto
from CommonServerPython import Common, CommandResults, DBotScoreType, ScheduledCommand

DBOT_PATH = Common.DBotScore.CONTEXT_PATH


@pytest.fixture
def sent(monkeypatch) -> list:
    """Everything passed to demisto.results, in call order."""
    calls: list = []
    monkeypatch.setattr(demisto, "results", calls.append)
    return calls


def dbot(indicator, kind, score, **options):
    return Common.DBotScore(indicator, kind, "Vision", score, **options)


# CommandResults -----------------------------------------------------------------------


def test_command_results_to_context__worked_example():
    results = CommandResults(
        outputs_prefix="Cofense.Message",
        outputs_key_field="id",
        outputs={"id": 5, "subject": "hi"},
    )

    assert results.to_context() == {
        "Type": 1,
        "ContentsFormat": "json",
        "Contents": {"id": 5, "subject": "hi"},
        "HumanReadable": "### Results\n|id|subject|\n|---|---|\n| 5 | hi |\n",
        "EntryContext": {
            "Cofense.Message(val.id && val.id == obj.id)": {"id": 5, "subject": "hi"}
        },
        "IndicatorTimeline": [],
        "IgnoreAutoExtract": False,
        "Note": False,
        "Relationships": [],
    }


def test_command_results__several_key_fields_and_prefix_only():
    keyed = CommandResults(
        outputs_prefix="A.B",
        outputs_key_field=["x", "y"],
        outputs=[{"x": 1, "y": 2}],
        readable_output="shown",
    )
    plain = CommandResults(outputs_prefix="A.B", outputs=[1, 2], readable_output="r")

    assert keyed.to_context()["EntryContext"] == {
        "A.B(val.x && val.x == obj.x && val.y && val.y == obj.y)": [{"x": 1, "y": 2}]
    }
    assert keyed.to_context()["HumanReadable"] == "shown"
    assert keyed.outputs_key_field == ["x", "y"]
    assert plain.to_context()["EntryContext"] == {"A.B": [1, 2]}


def test_command_results__dict_outputs_without_prefix_merge_into_the_context():
    entry = CommandResults(outputs={"Plain.Key": 3}).to_context()

    assert entry["EntryContext"] == {"Plain.Key": 3}


def test_command_results__scalar_outputs_are_their_own_readable_text():
    entry = CommandResults(outputs_prefix="Count", outputs=7).to_context()

    assert (entry["HumanReadable"], entry["ContentsFormat"]) == (7, "text")


def test_command_results__empty_list_outputs_leave_no_context():
    entry = CommandResults(outputs_prefix="A", outputs=[]).to_context()

    assert (entry["EntryContext"], entry["HumanReadable"]) == ({}, None)


def test_command_results__raw_response_and_content_format():
    text = CommandResults(readable_output="r", raw_response="raw").to_context()
    explicit = CommandResults(
        readable_output="r", content_format="markdown"
    ).to_context()

    assert (text["Contents"], text["ContentsFormat"]) == ("raw", "text")
    assert (explicit["Contents"], explicit["ContentsFormat"]) == (None, "markdown")


def test_command_results__replace_existing():
    entry = CommandResults(
        outputs_prefix="Cofense.Search.Results",
        outputs=[1],
        readable_output="r",
        replace_existing=True,
    ).to_context()

    assert entry["EntryContext"] == {"Cofense.Search(true)": {"Results": [1]}}
    with pytest.raises(
        csp.DemistoException, match="outputs_prefix must be a nested path"
    ):
        CommandResults(
            outputs_prefix="Top", outputs={"a": 1}, replace_existing=True
        ).to_context()


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        pytest.param(
            {"outputs": [1]}, ValueError, "outputs_prefix is missing", id="no-prefix"
        ),
        pytest.param(
            {"outputs_prefix": ".", "outputs": {}},
            ValueError,
            "outputs_prefix cannot be a period.",
            id="period",
        ),
        pytest.param(
            {"indicators": [1], "indicator": 1},
            ValueError,
            "indicators is DEPRECATED, use only indicator",
            id="both-indicators",
        ),
        pytest.param(
            {"outputs_key_field": 5},
            TypeError,
            "outputs_key_field must be of type str or list",
            id="key-field",
        ),
        pytest.param(
            {"content_format": "pdf"},
            TypeError,
            "content_format pdf is invalid, see CommonServerPython.EntryFormat",
            id="format",
        ),
    ],
)
def test_command_results__refuses(options, error, message):
    with pytest.raises(error) as raised:
        CommandResults(**options)

    assert str(raised.value) == message


def test_command_results__tags_note_and_scheduled_command():
    scheduled = ScheduledCommand(
        "cofense-x", 30, args={"id": "1"}, timeout_in_seconds=600
    )

    entry = CommandResults(
        readable_output="wait",
        tags=["t"],
        mark_as_note=True,
        scheduled_command=scheduled,
    ).to_context()

    assert entry["Tags"] == ["t"] and entry["Note"] is True
    assert {
        key: entry[key]
        for key in (
            "PollingCommand",
            "NextRun",
            "PollingArgs",
            "Timeout",
            "PollingItemsRemaining",
        )
    } == {
        "PollingCommand": "cofense-x",
        "NextRun": "30",
        "PollingArgs": {"id": "1"},
        "Timeout": "600",
        "PollingItemsRemaining": 0,
    }


def test_scheduled_command__short_intervals_are_raised_to_ten_seconds():
    results = ScheduledCommand("cmd", 2).to_results()

    assert results == {
        "PollingCommand": "cmd",
        "NextRun": "10",
        "PollingItemsRemaining": 0,
    }


def test_command_results__indicators_become_lists_per_key():
    domains = [
        Common.Domain(name, dbot(name, DBotScoreType.DOMAIN, 1))
        for name in ("a.example", "b.example")
    ]

    context = CommandResults(readable_output="x", indicators=domains).to_context()

    assert context["EntryContext"][Common.Domain.CONTEXT_PATH] == [
        {"Name": "a.example"},
        {"Name": "b.example"},
    ]
    assert [score["Indicator"] for score in context["EntryContext"][DBOT_PATH]] == [
        "a.example",
        "b.example",
    ]


def test_command_results__metrics_entry():
    entry = CommandResults(
        execution_metrics=[{"Type": "Successful", "APICallsCount": 2}]
    ).to_context()

    assert (entry["Type"], entry["Contents"], entry["ContentsFormat"]) == (
        19,
        "Metrics reported successfully.",
        "text",
    )
    assert entry["APIExecutionMetrics"] == [{"Type": "Successful", "APICallsCount": 2}]


# Indicators ---------------------------------------------------------------------------


def test_dbot_score_uses_the_calling_integration_brand_as_vendor():
    score = Common.DBotScore(
        "a.example",
        DBotScoreType.DOMAIN,
        "Given",
        2,
        reliability=csp.DBotScoreReliability.B,
        message="m",
    )

    assert score.to_context() == {
        DBOT_PATH: {
            "Indicator": "a.example",
            "Type": "domain",
            "Vendor": "Cofense Vision",
            "Score": 2,
            "Reliability": "B - Usually reliable",
            "Message": "m",
        }
    }
    assert score.to_readable() == "Suspicious"


def test_dbot_score_falls_back_to_the_given_name_outside_an_integration(monkeypatch):
    monkeypatch.setattr(
        demisto, "callingContext", {"integration": False}, raising=False
    )

    assert (
        Common.DBotScore("x", DBotScoreType.URL, "Given", 0).integration_name == "Given"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("x", "ipv9", "V", 1),
            "indicator_type must be of type DBotScoreType enum",
            id="type",
        ),
        pytest.param(
            ("x", "ip", "V"),
            "indicator `score` must be of type DBotScore enum",
            id="no-score",
        ),
        pytest.param(
            ("x", "ip", "V", 4),
            "indicator `score` must be of type DBotScore enum",
            id="score",
        ),
    ],
)
def test_dbot_score__refuses(args, message):
    with pytest.raises(TypeError) as error:
        Common.DBotScore(*args)

    assert str(error.value) == message


def test_dbot_score__refuses_unknown_reliability():
    with pytest.raises(TypeError, match="^reliability must be of type"):
        Common.DBotScore("x", "ip", "V", 1, reliability="Z")


@pytest.mark.parametrize("score", [0, 1, 2, 3])
def test_domain_context__malicious_only_at_score_three(score):
    domain = Common.Domain(
        "bad.example",
        dbot("bad.example", "domain", score, malicious_description="phish"),
        tags=["t"],
        positive_detections=0,
        organization="",
    )

    context = domain.to_context()[Common.Domain.CONTEXT_PATH]

    expected = {"Name": "bad.example", "Tags": ["t"], "PositiveDetections": 0}
    if score == 3:
        expected["Malicious"] = {"Vendor": "Cofense Vision", "Description": "phish"}
    assert context == expected


def test_domain_context__registrar_and_whois_groups():
    domain = Common.Domain(
        "d.example",
        dbot("d.example", "domain", 1),
        registrar_name="Reg",
        creation_date="2020",
        blocked=True,
    )

    context = domain.to_context()[Common.Domain.CONTEXT_PATH]

    registrar = {"Name": "Reg", "AbuseEmail": None, "AbusePhone": None}
    assert context == {
        "Name": "d.example",
        "Registrar": registrar,
        "CreationDate": "2020",
        "WHOIS": {"Registrar": registrar, "CreationDate": "2020"},
    }


def test_url_context():
    url = Common.URL(
        "https://a.example/x",
        dbot("https://a.example/x", "url", 3),
        detection_engines=0,
        geo_country="NL",
        tags=["phish"],
    )

    context = url.to_context()

    assert context[Common.URL.CONTEXT_PATH] == {
        "Data": "https://a.example/x",
        "DetectionEngines": 0,
        "Tags": ["phish"],
        "Geo": {"Country": "NL"},
        "Malicious": {"Vendor": "Cofense Vision", "Description": None},
    }
    assert context[DBOT_PATH]["Type"] == "url"


def test_file_context__hashes_list_and_path():
    file = Common.File(
        dbot("abc", "file", 2), name="a.doc", md5="m" * 32, sha256="s" * 64, size=10
    )

    context = file.to_context()

    assert Common.File.CONTEXT_PATH.startswith("File(val.MD5 && val.MD5 == obj.MD5 || ")
    assert context[Common.File.CONTEXT_PATH] == {
        "Hashes": [
            {"type": "MD5", "value": "m" * 32},
            {"type": "SHA256", "value": "s" * 64},
        ],
        "Name": "a.doc",
        "Size": 10,
        "MD5": "m" * 32,
        "SHA256": "s" * 64,
    }


def test_file_context__hashes_is_present_without_any_hash():
    file = Common.File(None, name="x")

    assert file.to_context() == {Common.File.CONTEXT_PATH: {"Hashes": [], "Name": "x"}}


def test_email_context_never_has_malicious():
    email = Common.EMAIL(
        "a@b.example", dbot("a@b.example", "email", 3), domain="b.example"
    )

    context = email.to_context()

    assert context[Common.EMAIL.CONTEXT_PATH] == {
        "Email": {"Address": "a@b.example"},
        "Domain": "b.example",
    }
    assert Common.EMAIL.CONTEXT_PATH == (
        "Account(val.Email.Address && val.Email.Address == obj.Email.Address)"
    )


def test_ip_context_and_type_check():
    ip = Common.IP(
        "10.0.0.1",
        dbot("10.0.0.1", "ip", 3),
        geo_latitude="1",
        geo_longitude="2",
        positive_engines=0,
    )

    context = ip.to_context()["IP(val.Address && val.Address == obj.Address)"]

    assert context["Geo"] == {"Location": "1:2", "Country": None, "Description": None}
    assert context["PositiveDetections"] == 0 and "Malicious" in context
    with pytest.raises(ValueError, match="^dbot_score must be of type DBotScore$"):
        Common.IP("10.0.0.1", None)


def test_ip_context__registrar_abuse_and_organization_groups():
    ip = Common.IP(
        "10.0.0.2",
        dbot("10.0.0.2", "ip", 1),
        registrar_abuse_email="abuse@isp.example",
        organization_type="ISP",
    )

    context = ip.to_context()[Common.IP.CONTEXT_PATH]

    assert context["Registrar"]["Abuse"]["Email"] == "abuse@isp.example"
    assert context["Registrar"]["Abuse"]["Name"] is None
    assert context["Organization"] == {"Name": None, "Type": "ISP"}


def test_domain_blocked_is_written_only_with_a_stix_id():
    score = dbot("d.example", "domain", 0)

    plain = Common.Domain("d.example", score, blocked=True).to_context()
    with_stix = Common.Domain(
        "d.example", score, blocked=True, stix_id="x"
    ).to_context()

    assert "Blocked" not in plain[Common.Domain.CONTEXT_PATH]
    assert with_stix[Common.Domain.CONTEXT_PATH]["Blocked"] is True


def test_file_context__digital_signature_and_helper_lists():
    file = Common.File(
        None,
        digital_signature__publisher="Vendor",
        hashes=[Common.Hash("SHA1", "a" * 40)],
        threat_types=[Common.ThreatTypes("phishing", 90)],
    )

    context = file.to_context()[Common.File.CONTEXT_PATH]

    assert context == {
        "Hashes": [{"type": "SHA1", "value": "a" * 40}],
        "DigitalSignature": {"Published": "Vendor"},
        "ThreatTypes": [{"threatcategory": "phishing", "threatcategoryconfidence": 90}],
    }


def test_custom_indicator(monkeypatch):
    monkeypatch.setitem(csp.INDICATOR_TYPE_TO_CONTEXT_KEY, "placeholder", "x")
    score = dbot("v1", DBotScoreType.CUSTOM, 1)

    indicator = Common.CustomIndicator(
        "Subject Line", "v1", score, {"Extra": 1}, "Cofense.Subject"
    )

    assert indicator.to_context() == {
        "Cofense.Subject(val.value && val.value == obj.value)": {
            "value": "v1",
            "Extra": 1,
        },
        DBOT_PATH: {
            "Indicator": "v1",
            "Type": "Subject Line",
            "Vendor": "Cofense Vision",
            "Score": 1,
        },
    }
    assert indicator.Extra == 1
    assert csp.INDICATOR_TYPE_TO_CONTEXT_KEY.pop("subject line") == "Subject line"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("IP", "v", None, {}, "P"),
            "Creating a custom indicator type with an existing type name is not "
            "allowed",
        ),
        (("T", "", None, {}, "P"), "value is mandatory for creating the indicator"),
        (
            ("T", "v", None, {}, ""),
            "context_prefix is mandatory for creating the indicator",
        ),
        (("T", "v", None, {}, "P"), "dbot_score must be of type DBotScore"),
    ],
)
def test_custom_indicator__refuses(args, message):
    with pytest.raises(ValueError) as error:
        Common.CustomIndicator(*args)

    assert str(error.value) == message


def test_output_paths():
    assert csp.outputPaths["domain"] == "Domain(val.Name && val.Name == obj.Name)"
    assert csp.outputPaths["email"] == (
        "Account.Email(val.Address && val.Address == obj.Address)"
    )


# return_results, return_error, return_warning -----------------------------------------


def test_return_results__command_results_and_plain_values(sent):
    csp.return_results(CommandResults(readable_output="a"))
    csp.return_results("ok")
    csp.return_results(None)
    csp.return_results([])

    assert sent[0]["HumanReadable"] == "a"
    assert sent[1:] == ["ok", None, []]


def test_return_results__mixed_list_sends_objects_first_then_plain_entries(sent):
    csp.return_results([{"Type": 1}, CommandResults(readable_output="b"), "text"])

    assert len(sent) == 2
    assert sent[0]["HumanReadable"] == "b"
    assert sent[1] == [{"Type": 1}, "text"]


def test_return_error__sends_one_error_entry_then_exits(sent, monkeypatch):
    monkeypatch.setattr(demisto, "command", lambda: "cofense-x")

    with pytest.raises(SystemExit) as ended:
        csp.return_error("Failed: bad input", outputs={"A": 1})

    assert ended.value.code == 0
    assert sent == [
        {
            "Type": 4,
            "ContentsFormat": "text",
            "Contents": "Failed: bad input",
            "EntryContext": {"A": 1},
        }
    ]


def test_return_error__raises_for_fetch_commands(sent, monkeypatch):
    monkeypatch.setattr(demisto, "command", lambda: "fetch-incidents")

    with pytest.raises(Exception, match="^Failed to fetch$"):
        csp.return_error("Failed to fetch")

    assert sent == []


def test_return_error__long_messages_are_cut_in_the_middle(sent, monkeypatch):
    monkeypatch.setattr(demisto, "command", lambda: "cofense-x")
    message = "a" * 30000 + "b" * 30000

    with pytest.raises(SystemExit):
        csp.return_error(message)

    contents = sent[0]["Contents"]
    assert contents == "a" * 25000 + "...This error body was truncated..." + "b" * 25000


def test_return_error__logs_the_message_and_traceback_masked(sent, monkeypatch):
    monkeypatch.setattr(demisto, "command", lambda: "cofense-x")
    monkeypatch.setattr(demisto, "params", lambda: {"password": "hunter22"})
    logged = []
    monkeypatch.setattr(demisto, "info", logged.append)

    with pytest.raises(SystemExit):
        try:
            raise RuntimeError("boom hunter22")
        except RuntimeError:
            csp.return_error("Failed with hunter22")

    assert sent[0]["Contents"] == "Failed with hunter22"
    assert logged[0].startswith("Failed with <XX_REPLACED>\nTraceback")
    assert "RuntimeError: boom <XX_REPLACED>" in logged[0]


def test_return_warning(sent):
    csp.return_warning("careful", outputs={"A": 1})
    with pytest.raises(SystemExit):
        csp.return_warning("stop", exit=True)

    assert sent[0] == {
        "Type": 11,
        "ContentsFormat": "text",
        "IgnoreAutoExtract": False,
        "Contents": "careful",
        "EntryContext": {"A": 1},
    }
    assert sent[1]["Contents"] == "stop"


# polling_function ---------------------------------------------------------------------


def test_polling_function__schedules_the_next_run_until_done():
    @csp.polling_function("cofense-job", interval=20, timeout=100)
    def job(args):
        done = args.get("round") == "2"
        return csp.PollResult(
            response=CommandResults(readable_output="done"),
            continue_to_poll=not done,
            args_for_next_run={**args, "round": "2"},
        )

    waiting = job({"polling": "true"}).to_context()
    finished = job({"polling": "true", "round": "2"})

    assert (waiting["HumanReadable"], waiting["PollingCommand"]) == (
        "Fetching Results:",
        "cofense-job",
    )
    assert (waiting["NextRun"], waiting["Timeout"]) == ("20", "100")
    assert waiting["PollingArgs"] == {"polling": "true", "round": "2"}
    assert finished.readable_output == "done"


def test_polling_function__without_polling_arg_returns_the_response_at_once():
    @csp.polling_function("cofense-job")
    def job(args):
        return csp.PollResult(response="first", continue_to_poll=True)

    assert job({"polling": "false"}) == "first"


# Files --------------------------------------------------------------------------------


def test_file_result_writes_investigation_prefixed_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demisto, "uniqueFile", lambda: "u-1")

    entry = csp.fileResult("../../etc/report.txt", "héllo")

    assert entry == {
        "Contents": "",
        "ContentsFormat": "text",
        "Type": 3,
        "File": "etc/report.txt",
        "FileID": "u-1",
    }
    assert (tmp_path / "1_u-1").read_bytes() == "héllo".encode("utf-8")


def test_file_result__bytes_and_info_file_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    entry = csp.fileResult(
        "a.bin", b"\x00\x01", file_type=csp.EntryType.ENTRY_INFO_FILE
    )

    assert entry["Type"] == 9
    assert (tmp_path / f"1_{entry['FileID']}").read_bytes() == b"\x00\x01"


def test_file_result_existing_file_renames(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "made.txt").write_text("x")

    entry = csp.file_result_existing_file("made.txt", "shown.txt")

    assert entry["File"] == "shown.txt"
    assert os.listdir(tmp_path) == [f"1_{entry['FileID']}"]


# Integration context ------------------------------------------------------------------


def test_integration_context__versioned_path():
    csp.set_integration_context({"token": {"access_token": "t"}})

    stored = csp.get_integration_context(with_version=True)

    assert stored["context"] == {"token": {"access_token": "t"}}
    assert csp.get_integration_context() == {"token": {"access_token": "t"}}
    assert csp.get_integration_context_with_version() == (
        stored["context"],
        stored["version"],
    )
    with pytest.raises(ValueError, match="is stale"):
        csp.set_integration_context({}, version=stored["version"] + 5)


def test_integration_context__unversioned_path_on_old_platforms(monkeypatch):
    monkeypatch.setattr(
        demisto, "demistoVersion", lambda: {"version": "5.5.0", "buildNumber": "1"}
    )
    stored = {}
    monkeypatch.setattr(demisto, "setIntegrationContext", stored.update)
    monkeypatch.setattr(demisto, "getIntegrationContext", lambda: dict(stored))

    csp.set_integration_context({"a": 1})

    assert not csp.is_versioned_context_available()
    assert csp.get_integration_context() == {"a": 1}


def test_update_integration_context_json_encodes_values():
    csp.set_integration_context({"keep": "x"})

    csp.update_integration_context({"new": {"n": 1}})

    assert csp.get_integration_context() == {"keep": "x", "new": '{"n": 1}'}


@pytest.mark.parametrize(
    ("version", "build", "expected"),
    [
        ("6.0.0", "", True),
        ("6.10.0", "12345", True),
        ("6.10.0", "99999", False),
        ("6.10.1", "", False),
        ("6.9.9", "", True),
    ],
)
def test_is_demisto_version_ge(version, build, expected):
    assert csp.is_demisto_version_ge(version, build) is expected
