"""Part B points of shared/xsoar-platform.md that the stand-in used to miss."""

import CommonServerPython as csp
import demistomock as demisto
from CommonServerPython import Common, DBotScoreType


def _score(indicator, kind, score=0):
    return Common.DBotScore(indicator, kind, "Vendor", score)


def test_ipv6_indicator_uses_the_ipv6_context_path():
    ip = Common.IP("::1", _score("::1", DBotScoreType.IP), ip_type="IPv6")

    context = ip.to_context()

    assert Common.IP.IPV6_CONTEXT_PATH in context
    assert Common.IP.CONTEXT_PATH not in context
    assert context[Common.IP.IPV6_CONTEXT_PATH]["Address"] == "::1"


def test_ipv4_indicator_keeps_the_ip_context_path():
    ip = Common.IP("1.1.1.1", _score("1.1.1.1", DBotScoreType.IP))

    assert Common.IP.CONTEXT_PATH in ip.to_context()


def test_file_digital_signature_key_is_published():
    file = Common.File(None, md5="a" * 32, digital_signature__publisher="Corp")

    context = file.to_context()[Common.File.CONTEXT_PATH]

    assert context["DigitalSignature"] == {"Published": "Corp"}


def _metrics_entry():
    return {"Type": csp.EntryType.EXECUTION_METRICS, "Contents": "m"}


def test_return_results_drops_metrics_dicts_when_running_as_a_script(monkeypatch):
    sent = []
    monkeypatch.setattr(demisto, "results", sent.append)
    monkeypatch.setattr(
        demisto,
        "callingContext",
        {"context": {"ExecutedCommands": [{"moduleBrand": "Scripts"}]}},
    )

    csp.return_results([_metrics_entry(), {"Type": 1, "Contents": "x"}, "text"])

    assert sent == [[{"Type": 1, "Contents": "x"}, "text"]]


def test_return_results_keeps_metrics_dicts_for_integrations(monkeypatch):
    sent = []
    monkeypatch.setattr(demisto, "results", sent.append)

    csp.return_results([_metrics_entry(), "text"])

    assert sent == [[_metrics_entry(), "text"]]


def test_fetched_incidents_are_sent_as_json_text(monkeypatch):
    sent = []
    monkeypatch.setattr(demisto, "results", sent.append)

    demisto.incidents([{"name": "a", "rawJSON": "{}"}])

    assert sent[0]["Contents"] == '[{"name": "a", "rawJSON": "{}"}]'
    assert sent[0]["ContentsFormat"] == "json"


def test_update_integration_context_json_encodes_strings_too():
    csp.set_integration_context({})

    csp.update_integration_context({"token": "abc", "n": 1})

    assert csp.get_integration_context() == {"token": '"abc"', "n": "1"}
