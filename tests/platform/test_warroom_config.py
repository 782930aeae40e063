"""Instance parameters of the War Room: sources, precedence, checks and masking."""

import json

import pytest
import yaml

from xsoar_local import redact
from xsoar_local.config import (
    DEFAULT_URL,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    ConfigError,
    load_params,
)
from xsoar_local.ymlspec import load_spec

FILE_SECRET = "file-secret-9f2a"
ENV_SECRET = "env-secret-71c3"
SPEC_YML = {
    "configuration": [
        {"name": "url", "type": 0, "defaultvalue": ""},
        {"name": "credentials", "type": 9},
        {"name": "threat_levels_bad", "type": 0},
        {"name": "integration_reliability", "type": 15,
         "defaultvalue": "B - Usually reliable"},
        {"name": "timeout", "type": 0, "defaultvalue": "60"},
        {"name": "insecure", "type": 8},
        {"name": "proxy", "type": 8},
    ],
    "script": {"commands": []},
}
REMOTE = "https://vision.example.com"


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "Spec.yml"
    path.write_text(yaml.safe_dump(SPEC_YML), encoding="utf-8")
    return load_spec(path)


@pytest.fixture
def write_config(tmp_path):
    def write(content, suffix=".json"):
        path = tmp_path / f"instance{suffix}"
        text = content if isinstance(content, str) else json.dumps(content)
        path.write_text(text, encoding="utf-8")
        return path
    return write


def params_of(spec, config_file=None, **environ):
    return load_params(config_file, environ=environ, spec=spec).params


def test_nothing_given__local_emulator_with_yml_defaults(spec):
    assert params_of(spec) == {
        "url": DEFAULT_URL,
        "credentials": {"identifier": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET},
        "integration_reliability": "B - Usually reliable",
        "timeout": "60",
    }


def test_environment(spec):
    params = params_of(
        spec, VISION_URL=REMOTE, VISION_CLIENT_ID="env-id",
        VISION_CLIENT_SECRET=ENV_SECRET, VISION_INSECURE="yes", VISION_PROXY="0",
        VISION_PARAM_THREAT_LEVELS_BAD="high,severe", VISION_PARAM_TIMEOUT="5",
        UNRELATED="ignored",
    )

    assert params == {
        "url": REMOTE,
        "credentials": {"identifier": "env-id", "password": ENV_SECRET},
        "insecure": True,
        "proxy": False,
        "threat_levels_bad": "high,severe",
        "integration_reliability": "B - Usually reliable",
        "timeout": "5",
    }


def test_config_file_wins_over_environment_key_by_key(spec, write_config):
    path = write_config({"url": REMOTE, "client_id": "file-id", "timeout": 9})

    params = params_of(spec, path, VISION_URL="http://127.0.0.1:1",
                       VISION_CLIENT_SECRET=ENV_SECRET, VISION_PARAM_TIMEOUT="5")

    assert params["url"] == REMOTE
    assert params["credentials"] == {"identifier": "file-id", "password": ENV_SECRET}
    assert params["timeout"] == 9


def test_yaml_config_with_credentials_mapping(spec, write_config):
    path = write_config(
        f"url: {REMOTE}\ncredentials:\n  identifier: yml-id\n"
        f"  password: {FILE_SECRET}\ninsecure: false\n", suffix=".yml")

    params = params_of(spec, path)

    assert params["credentials"] == {"identifier": "yml-id", "password": FILE_SECRET}
    assert params["insecure"] is False


def test_empty_config_file_sets_nothing(spec, write_config):
    path = write_config("", suffix=".yml")

    params = params_of(spec, path, VISION_URL=REMOTE, VISION_CLIENT_ID="env-id",
                       VISION_CLIENT_SECRET=ENV_SECRET)

    assert params["url"] == REMOTE


def test_remote_url_keeps_its_own_credentials(spec):
    params = params_of(spec, VISION_URL=REMOTE, VISION_CLIENT_ID="env-id",
                       VISION_CLIENT_SECRET=ENV_SECRET)

    assert params["credentials"] == {"identifier": "env-id", "password": ENV_SECRET}


@pytest.mark.parametrize("environ, missing", [
    pytest.param({}, "set VISION_CLIENT_ID and VISION_CLIENT_SECRET, or client_id "
                 "and client_secret in the --config file", id="both"),
    pytest.param({"VISION_CLIENT_ID": "env-id"},
                 "set VISION_CLIENT_SECRET, or client_secret in", id="secret"),
    pytest.param({"VISION_CLIENT_SECRET": ENV_SECRET},
                 "set VISION_CLIENT_ID, or client_id in", id="client-id"),
])
def test_remote_url_without_credentials_is_refused(spec, environ, missing):
    with pytest.raises(ConfigError) as caught:
        load_params(environ={"VISION_URL": REMOTE, **environ}, spec=spec)

    assert f"the Vision server {REMOTE} needs the API client" in str(caught.value)
    assert missing in str(caught.value)
    assert ENV_SECRET not in str(caught.value)


def test_remote_url_refusal_masks_the_url_password(spec):
    with pytest.raises(ConfigError) as caught:
        load_params(environ={"VISION_URL": "https://u:UrlPw999@vision.example.com"},
                    spec=spec)

    assert "UrlPw999" not in str(caught.value)
    assert "https://u:********@vision.example.com" in str(caught.value)


@pytest.mark.parametrize("url", [
    pytest.param("http://127.0.0.1:18931", id="other-port"),
    pytest.param("http://127.0.0.2:8780/", id="ipv4-block"),
    pytest.param("http://[::1]:18931", id="ipv6"),
    pytest.param("http://localhost:18931", id="localhost"),
    pytest.param("http://user:UrlPw999@127.0.0.1:18931", id="with-userinfo"),
])
def test_loopback_url_gets_the_demo_credentials(spec, url):
    params = params_of(spec, VISION_URL=url)

    assert params["url"] == url
    assert params["credentials"] == {"identifier": DEMO_CLIENT_ID,
                                     "password": DEMO_CLIENT_SECRET}


def test_loopback_url_fills_empty_credentials_from_the_config_file(spec, write_config):
    path = write_config({"url": "http://127.0.0.1:18931", "client_id": "",
                         "client_secret": ""})

    assert params_of(spec, path)["credentials"] == {
        "identifier": DEMO_CLIENT_ID, "password": DEMO_CLIENT_SECRET}


def test_default_url_fills_only_missing_demo_credentials(spec):
    params = params_of(spec, VISION_URL=DEFAULT_URL + "/", VISION_CLIENT_ID="mine")

    assert params["credentials"] == {"identifier": "mine",
                                     "password": DEMO_CLIENT_SECRET}


@pytest.mark.parametrize("content, message", [
    pytest.param({"client_id": "a", "credentials": {"identifier": "b"}},
                 "gives the client twice", id="both-credential-forms"),
    pytest.param({"credentials": "id:secret"}, "credentials must map identifier",
                 id="credentials-not-mapping"),
    pytest.param("[1, 2]", "must hold a mapping", id="not-a-mapping"),
    pytest.param("url: [unclosed", "is neither JSON nor YAML", id="not-yaml"),
    pytest.param({"colour": "red", "size": 1},
                 "unknown instance parameter 'colour', 'size'; known: url,",
                 id="unknown-parameter"),
    pytest.param({"proxy": "perhaps"},
                 "instance parameter 'proxy' must be true or false", id="bad-boolean"),
])
def test_config_file__refused(spec, write_config, content, message):
    with pytest.raises(ConfigError) as caught:
        load_params(write_config(content), environ={}, spec=spec)

    assert message in str(caught.value)


def test_config_file__not_utf8(spec, tmp_path):
    path = tmp_path / "latin.yml"
    path.write_bytes(b"\xff\xfeurl: x\n")

    with pytest.raises(ConfigError) as caught:
        load_params(path, environ={}, spec=spec)

    assert str(caught.value) == f"{path} is not UTF-8 text, as JSON and YAML files are"


def test_config_file__missing(spec, tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file .*absent.json"):
        load_params(tmp_path / "absent.json", environ={}, spec=spec)


@pytest.mark.parametrize("variable, message", [
    pytest.param("VISION_PARAM_COLOUR", "VISION_PARAM_COLOUR names no instance "
                 "parameter; known: url, credentials", id="unknown"),
    pytest.param("VISION_PARAM_CREDENTIALS", "use VISION_CLIENT_ID and "
                 "VISION_CLIENT_SECRET", id="credentials"),
])
def test_environment__refused(spec, variable, message):
    with pytest.raises(ConfigError) as caught:
        load_params(environ={variable: "x"}, spec=spec)

    assert message in str(caught.value)


def test_empty_environment_variables_count_as_unset(spec):
    params = params_of(spec, VISION_URL="", VISION_PARAM_COLOUR="")

    assert params["url"] == DEFAULT_URL


def test_without_spec_names_are_lowercased_and_not_checked():
    params = load_params(environ={"VISION_PARAM_EXTRA": "1"}).params

    assert params["extra"] == "1"


def test_masking_hides_secrets_but_shows_the_client(spec, write_config):
    path = write_config({"url": REMOTE, "client_id": "file-id",
                         "client_secret": FILE_SECRET})
    config = load_params(path, environ={}, spec=spec)

    shown = json.loads(config.show())

    assert shown["credentials"] == {"identifier": "file-id", "password": redact.MASK}
    assert FILE_SECRET not in config.show()
    assert FILE_SECRET not in repr(config)
    assert FILE_SECRET not in str(config)
    assert config.params["credentials"]["password"] == FILE_SECRET


def test_masking_hides_the_password_of_the_url(spec):
    config = load_params(environ={"VISION_URL": "http://user:UrlPw999@127.0.0.1:18931"},
                         spec=spec)

    assert json.loads(config.show())["url"] == "http://user:********@127.0.0.1:18931"
    assert "UrlPw999" not in repr(config)
    assert config.params["url"] == "http://user:UrlPw999@127.0.0.1:18931"
