"""demistomock outside a run (as integration unit tests use it), and redaction."""

import pytest

import demistomock as demisto
from xsoar_local import redact
from xsoar_local.runtime import Invocation


def test_defaults_without_an_active_run():
    assert demisto.command() == ""
    assert demisto.args() == {} and demisto.params() == {}
    assert demisto.investigation() == {"id": "1"}
    assert demisto.demistoVersion() == {"version": "6.10.0", "buildNumber": "12345"}
    assert demisto.is_debug is False


def test_calling_context_names_the_integration():
    context = demisto.callingContext

    assert context["context"]["IntegrationBrand"] == "Cofense Vision"
    assert context["integration"] is True
    assert {"params", "args", "command"} <= set(context)


def test_calling_context_can_be_patched(monkeypatch):
    monkeypatch.setattr(
        demisto, "callingContext", {"integration": False}, raising=False
    )

    assert demisto.callingContext == {"integration": False}


def test_calling_context_follows_the_run_after_a_patch_is_undone(monkeypatch, tmp_path):
    with monkeypatch.context() as patch:
        patch.setattr(demisto, "callingContext", {"command": "patched"})
    invocation = Invocation("cmd", {}, {"password": "pw-123456"}, home=tmp_path)
    seen = []

    invocation.run(lambda: seen.append(demisto.callingContext["command"]))

    assert seen == ["cmd"]
    assert "pw-123456" not in repr(demisto.callingContext)


def test_unique_file_names_differ():
    assert demisto.uniqueFile() != demisto.uniqueFile()


def test_versioned_context_shape():
    demisto.setIntegrationContextVersioned({"k": "v"})

    stored = demisto.getIntegrationContextVersioned()

    assert stored["context"] == {"k": "v"}
    assert isinstance(stored["version"], int)
    assert demisto.getIntegrationContext() == {"k": "v"}


def test_context_is_a_copy_and_must_be_json():
    demisto.setIntegrationContext({"k": ["v"]})
    demisto.getIntegrationContext()["k"].append("changed")

    assert demisto.getIntegrationContext() == {"k": ["v"]}
    with pytest.raises(TypeError):
        demisto.setIntegrationContext({"k": object()})


def test_last_run_is_stateful():
    demisto.setLastRun({"cursor": 5})

    assert demisto.getLastRun() == {"cursor": 5}


def test_get_param_and_get_arg_read_the_run(monkeypatch):
    monkeypatch.setattr(demisto, "params", lambda: {"url": "u"})
    monkeypatch.setattr(demisto, "args", lambda: {"id": "7"})

    assert (demisto.getParam("url"), demisto.getArg("id"), demisto.getArg("x")) == (
        "u",
        "7",
        None,
    )


def test_incidents_are_recorded_as_an_entry(monkeypatch):
    sent = []
    monkeypatch.setattr(demisto, "results", sent.append)

    demisto.incidents([{"name": "one"}])

    assert sent == [
        {"Type": 1, "Contents": '[{"name": "one"}]', "ContentsFormat": "json"}
    ]
    assert demisto.incidents() == [{"name": "one"}]


def test_results_must_be_json():
    with pytest.raises(TypeError):
        demisto.results({"Contents": object()})


def test_unsupported_functions_raise_naming_themselves():
    with pytest.raises(NotImplementedError) as error:
        demisto.executeCommand("getIncidents", {})

    assert "demisto.executeCommand()" in str(error.value)


def test_private_names_are_plain_attribute_errors():
    assert not hasattr(demisto, "__wrapped__")


def test_log_functions_format_their_arguments(caplog):
    caplog.set_level("DEBUG", logger="xsoar_local")

    demisto.debug("value %s of %d", "a", 2)
    demisto.info("plain %s")
    demisto.error("failed: %s", "why")

    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == "xsoar_local.runtime"
    ]
    assert lines[-3:] == ["DEBUG value a of 2", "INFO plain %s", "ERROR failed: why"]
    assert caplog.records[-1].levelname == "ERROR"


# Redaction ----------------------------------------------------------------------------


def test_redact_masks_secret_keys_at_any_depth():
    data = {
        "url": "https://vision.example",
        "credentials": {"identifier": "id", "password": "pw-123"},
        "nested": [{"Authorization": "Bearer abc"}, {"client_secret": "s"}],
        "ACCESS_TOKEN": "t",
        "token": {"access_token": "t", "expires_at": 1},
        "api_key": "",
    }

    masked = redact.redact(data)

    assert masked == {
        "url": "https://vision.example",
        "credentials": redact.MASK,
        "nested": [{"Authorization": redact.MASK}, {"client_secret": redact.MASK}],
        "ACCESS_TOKEN": redact.MASK,
        "token": redact.MASK,
        "api_key": "",
    }
    assert data["credentials"]["password"] == "pw-123"


def test_secret_values_are_collected_from_nested_params():
    params = {
        "credentials": {"identifier": "client-id", "password": "pw-123"},
        "url": "u",
        "extra": [{"token": "tok-999"}],
    }

    assert redact.secret_values(params) == {"pw-123", "tok-999"}


def test_mask_text_replaces_known_secrets_longest_first():
    text = "sent pw-123456 and pw-123 to https://x"

    assert redact.mask_text(text, ["pw-123", "pw-123456", None, ""]) == (
        "sent <XX_REPLACED> and <XX_REPLACED> to https://x"
    )
