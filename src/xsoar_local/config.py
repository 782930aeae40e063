"""The instance parameters a War Room command runs with.

Each parameter comes from the first place that has it: the `--config` file (a JSON or
YAML mapping), the environment (`VISION_URL`, `VISION_CLIENT_ID`,
`VISION_CLIENT_SECRET`, `VISION_INSECURE`, `VISION_PROXY`, `VISION_PARAM_<NAME>`), the
yml's `defaultvalue`.
Without a URL the local emulator is used. On a loopback URL (127.0.0.1, ::1, localhost)
the emulator's demo client fills in missing credentials; any other server needs both.
Secrets, URL passwords included, are only ever shown masked.
"""

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from xsoar_local import redact
from xsoar_local.ymlspec import IntegrationSpec

DEFAULT_URL = "http://127.0.0.1:8780"
DEMO_CLIENT_ID = "xsoar-demo"
DEMO_CLIENT_SECRET = "vision-demo-secret"

CREDENTIALS = "credentials"
IDENTIFIER = "identifier"
PASSWORD = "password"
ENV_PARAMS = {
    "VISION_URL": "url", "VISION_INSECURE": "insecure", "VISION_PROXY": "proxy",
}
ENV_CREDENTIALS = {"VISION_CLIENT_ID": IDENTIFIER, "VISION_CLIENT_SECRET": PASSWORD}
ENV_PARAM_PREFIX = "VISION_PARAM_"
FILE_CREDENTIALS = {"client_id": IDENTIFIER, "client_secret": PASSWORD}
LOOPBACK_NAMES = ("localhost",)
BOOLEAN_PARAM_TYPE = 8
BOOLEAN_WORDS = {
    "true": True, "yes": True, "on": True, "1": True,
    "false": False, "no": False, "off": False, "0": False,
}


class ConfigError(ValueError):
    """Instance parameters that cannot be used; the message names the culprit."""


@dataclass(frozen=True, repr=False)
class InstanceConfig:
    """The parameters of one instance, as `demisto.params()` gives them."""

    params: dict[str, Any]

    def masked(self) -> dict[str, Any]:
        """Returns the parameters with the secrets masked and the client id shown."""
        others = {name: value for name, value in self.params.items()
                  if name != CREDENTIALS}
        masked = redact.redact(others)
        if CREDENTIALS in self.params:
            credentials = self.params[CREDENTIALS]
            masked[CREDENTIALS] = (redact.redact(dict(credentials))
                                   if isinstance(credentials, Mapping) else redact.MASK)
        return masked

    def show(self) -> str:
        """Returns the masked parameters as indented JSON for `--show-config`."""
        return json.dumps(self.masked(), indent=2, sort_keys=True)

    def __repr__(self) -> str:
        return f"InstanceConfig({self.masked()!r})"


def read_config_file(path: Path | str) -> dict[str, Any]:
    """Reads a JSON or YAML mapping of parameter names.

    The client may be given as `client_id` / `client_secret` or as
    `credentials: {identifier, password}`, not both. An empty file sets nothing.

    Raises:
        ConfigError: when the file cannot be read or holds no such mapping.
    """
    import yaml  # only a config file needs it; the War Room's start stays quick

    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the config file {path}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not UTF-8 text, as JSON and YAML files are"
        ) from None
    except yaml.YAMLError:
        raise ConfigError(f"{path} is neither JSON nor YAML") from None
    document = {} if document is None else document
    if not isinstance(document, Mapping):
        raise ConfigError(f"{path} must hold a mapping of parameter names to values")

    params = dict(document)
    flat = {FILE_CREDENTIALS[key]: params.pop(key) for key in FILE_CREDENTIALS
            if key in params}
    if flat and CREDENTIALS in params:
        raise ConfigError(
            f"{path} gives the client twice: use client_id/client_secret or "
            f"credentials, not both"
        )
    if flat:
        params[CREDENTIALS] = flat
    elif CREDENTIALS in params and not isinstance(params[CREDENTIALS], Mapping):
        raise ConfigError(f"{path}: credentials must map identifier and password")
    return params


def read_environment(environ: Mapping[str, str],
                     spec: IntegrationSpec | None = None) -> dict[str, Any]:
    """Reads the parameters the environment sets; empty variables count as unset.

    Raises:
        ConfigError: when a `VISION_PARAM_` variable names no parameter of the yml.
    """
    params: dict[str, Any] = {}
    credentials = {key: environ[var] for var, key in ENV_CREDENTIALS.items()
                   if environ.get(var)}
    if credentials:
        params[CREDENTIALS] = credentials
    for variable, value in environ.items():
        if not value:
            continue
        if variable in ENV_PARAMS:
            params[ENV_PARAMS[variable]] = value
        elif variable.startswith(ENV_PARAM_PREFIX):
            params[_param_name(variable, spec)] = value
    return params


def _param_name(variable: str, spec: IntegrationSpec | None) -> str:
    """Maps `VISION_PARAM_THREAT_LEVELS_BAD` to the yml's `threat_levels_bad`."""
    wanted = variable[len(ENV_PARAM_PREFIX):].casefold()
    if wanted == CREDENTIALS:
        raise ConfigError(
            f"{variable} cannot set the credentials; use VISION_CLIENT_ID and "
            f"VISION_CLIENT_SECRET"
        )
    if spec is None:
        return wanted
    for name in spec.params:
        if name.casefold() == wanted:
            return name
    raise ConfigError(
        f"{variable} names no instance parameter; known: {', '.join(spec.params)}"
    )


def build_params(layers: list[Mapping[str, Any]],
                 spec: IntegrationSpec | None = None) -> InstanceConfig:
    """Merges parameter layers, the first layer winning, and checks them.

    Args:
        layers: mappings of parameter names, most important first.
        spec: the integration yml; its defaults fill the gaps and its parameter
            names and types are enforced.

    Raises:
        ConfigError: on a parameter the yml does not declare or a bad boolean.
    """
    params: dict[str, Any] = dict(spec.param_defaults()) if spec else {}
    for layer in reversed(layers):
        for name, value in layer.items():
            if name == CREDENTIALS and isinstance(params.get(name), Mapping):
                value = {**params[name], **value}
            params[name] = value

    _fill_emulator_defaults(params)
    if spec is not None:
        _check_against_spec(params, spec)
    return InstanceConfig(params)


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is a loopback address or `localhost`."""
    try:
        host = urlsplit(str(url)).hostname or ""
    except ValueError:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fill_emulator_defaults(params: dict[str, Any]) -> None:
    """Points at the local emulator without a URL and fills in its demo credentials.

    The demo client fills gaps on a loopback URL only; any other server needs both.

    Raises:
        ConfigError: naming the variables and keys that set the missing credentials.
    """
    params["url"] = params.get("url") or DEFAULT_URL
    credentials = dict(params.get(CREDENTIALS) or {})
    if is_loopback_url(params["url"]):
        credentials[IDENTIFIER] = credentials.get(IDENTIFIER) or DEMO_CLIENT_ID
        credentials[PASSWORD] = credentials.get(PASSWORD) or DEMO_CLIENT_SECRET
        params[CREDENTIALS] = credentials
        return
    missing = [key for key in (IDENTIFIER, PASSWORD) if not credentials.get(key)]
    if missing:
        raise ConfigError(_missing_credentials_message(params["url"], missing))


def _missing_credentials_message(url: str, missing: list[str]) -> str:
    """Says which credentials the server at url lacks and where to set them."""
    variables = [var for var, key in ENV_CREDENTIALS.items() if key in missing]
    file_keys = [name for name, key in FILE_CREDENTIALS.items() if key in missing]
    return (
        f"the Vision server {redact.mask_url(str(url))} needs the API client: set "
        f"{' and '.join(variables)}, or {' and '.join(file_keys)} in the --config "
        f"file (the demo client is only used on a loopback URL)"
    )


def _check_against_spec(params: dict[str, Any], spec: IntegrationSpec) -> None:
    """Refuses unknown parameters and turns boolean parameters into booleans."""
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise ConfigError(
            f"unknown instance parameter {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(spec.params)}"
        )
    for name, param in spec.params.items():
        if param.type == BOOLEAN_PARAM_TYPE and name in params:
            params[name] = _boolean(name, params[name])


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word not in BOOLEAN_WORDS:
        raise ConfigError(f"instance parameter {name!r} must be true or false")
    return BOOLEAN_WORDS[word]


def load_params(config_file: Path | str | None = None,
                environ: Mapping[str, str] | None = None,
                spec: IntegrationSpec | None = None) -> InstanceConfig:
    """Gathers the instance parameters from the config file, environment and yml.

    Args:
        config_file: the `--config` file, if any.
        environ: the environment to read; `os.environ` when None.
        spec: the integration yml.
    """
    environ = os.environ if environ is None else environ
    layers = [read_config_file(config_file)] if config_file else []
    layers.append(read_environment(environ, spec))
    return build_params(layers, spec)
