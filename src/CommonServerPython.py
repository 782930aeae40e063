"""The common library XSOAR gives every integration, as far as this project needs it.

Names, signatures and observable behaviour follow the platform's CommonServerPython as
described in shared/xsoar-platform.md Part B; the code is this project's own. Like the
original it defines no __all__, so `from CommonServerPython import *` also exports the
modules and typing names imported at the top (and no others: no Tuple, Callable,
Iterable or urllib3). Parts of the original that this project does not use (feeds,
mirroring, widgets, most indicator types) are absent and fail with a NameError.
"""

import base64
import binascii  # noqa: F401
import gc  # noqa: F401
import gzip  # noqa: F401
import json
import logging  # noqa: F401
import os
import re
import socket  # noqa: F401
import ssl
import sys
import time
import traceback
import types  # noqa: F401
import urllib.parse
import warnings  # noqa: F401
import xml.etree.ElementTree as ET
from abc import abstractmethod
from collections import OrderedDict  # noqa: F401
from datetime import datetime, timedelta, timezone  # noqa: F401
from functools import lru_cache as _lru_cache
from functools import wraps
from inspect import currentframe  # noqa: F401
from random import randint  # noqa: F401
from threading import Lock  # noqa: F401
from typing import Any, Dict, List, Optional, Set, Union, cast  # noqa: F401

import requests
from requests.adapters import HTTPAdapter
from urllib3 import disable_warnings
from urllib3.util.retry import Retry

import demistomock as demisto
from xsoar_local.runtime import SmartGetDict  # noqa: F401

disable_warnings()

MAX_ERROR_MESSAGE_LENGTH = 50000
MASK = "<XX_REPLACED>"
IS_PY3 = True
STRING_TYPES = (str, bytes)
STRING_OBJ_TYPES = (str,)
_SERVER_HANDLED_COMMANDS = (
    "fetch-incidents",
    "fetch-credentials",
    "long-running-execution",
    "fetch-indicators",
)
_MARKDOWN_CHARS = r"\`*_{}[]()#+-!|"


class _LazyModule:
    """Stands for a slow-to-import module and imports it on first attribute access."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        module = __import__(self._name)
        return getattr(module, attribute)


dateparser = _LazyModule("dateparser")


class LooseVersion:
    """Compares dotted version strings part by part, numbers as numbers."""

    def __init__(self, vstring):
        self.vstring = str(vstring)
        parts = re.split(r"(\d+|[a-z]+|\.)", self.vstring.lower())
        self.version = [
            int(part) if part.isdigit() else part
            for part in parts
            if part and part != "."
        ]

    def _key(self, other):
        other = other if isinstance(other, LooseVersion) else LooseVersion(other)
        pairs = zip(self.version, other.version)
        for mine, theirs in pairs:
            if mine != theirs:
                if type(mine) is not type(theirs):
                    return (isinstance(mine, int), 0), (isinstance(theirs, int), 0)
                return (mine, 0), (theirs, 0)
        return (len(self.version), 0), (len(other.version), 0)

    def __eq__(self, other):
        mine, theirs = self._key(other)
        return mine == theirs

    def __lt__(self, other):
        mine, theirs = self._key(other)
        return mine < theirs

    def __le__(self, other):
        return self < other or self == other

    def __gt__(self, other):
        return not self <= other

    def __ge__(self, other):
        return not self < other

    def __repr__(self):
        return f"LooseVersion({self.vstring!r})"

    def __str__(self):
        return self.vstring


# Enum-like constants -----------------------------------------------------------------

entryTypes = {
    "note": 1,
    "downloadAgent": 2,
    "file": 3,
    "error": 4,
    "pinned": 5,
    "userManagement": 6,
    "image": 7,
    "playgroundError": 8,
    "entryInfoFile": 9,
    "warning": 11,
    "map": 15,
    "debug": 16,
    "widget": 17,
}

formats = {
    "html": "html",
    "table": "table",
    "json": "json",
    "text": "text",
    "dbotResponse": "dbotCommandResponse",
    "markdown": "markdown",
}


class EntryType:
    """War Room entry types."""

    NOTE = 1
    DOWNLOAD_AGENT = 2
    FILE = 3
    ERROR = 4
    PINNED = 5
    USER_MANAGEMENT = 6
    IMAGE = 7
    PLAYGROUND_ERROR = 8
    ENTRY_INFO_FILE = 9
    VIDEO_FILE = 10
    WARNING = 11
    STATIC_VIDEO_FILE = 12
    MAP_ENTRY_TYPE = 15
    WIDGET = 17
    EXECUTION_METRICS = 19


class EntryFormat:
    """Formats of an entry's Contents."""

    HTML = "html"
    TABLE = "table"
    JSON = "json"
    TEXT = "text"
    DBOT_RESPONSE = "dbotCommandResponse"
    MARKDOWN = "markdown"

    @classmethod
    def is_valid_type(cls, _type):
        """Tells whether _type is one of the formats."""
        return _type in (
            cls.HTML,
            cls.TABLE,
            cls.JSON,
            cls.TEXT,
            cls.MARKDOWN,
            cls.DBOT_RESPONSE,
        )


class IncidentStatus:
    """Incident statuses."""

    PENDING = 0
    ACTIVE = 1
    DONE = 2
    ARCHIVE = 3


class IncidentSeverity:
    """Incident severities."""

    UNKNOWN = 0
    INFO = 0.5
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class DBotScoreType:
    """Indicator types a DBotScore may carry."""

    IP = "ip"
    FILE = "file"
    DOMAIN = "domain"
    URL = "url"
    CVE = "cve"
    ACCOUNT = "account"
    # The platform's value is a 1-tuple (a stray trailing comma there); kept for parity.
    CIDR = ("cidr",)
    DOMAINGLOB = "domainglob"
    CERTIFICATE = "certificate"
    CRYPTOCURRENCY = "cryptocurrency"
    EMAIL = "email"
    ATTACKPATTERN = "attackpattern"
    CUSTOM = "custom"

    @classmethod
    def is_valid_type(cls, _type):
        """Tells whether _type is one of the types (the plain string 'cidr' is not)."""
        return _type in _DBOT_SCORE_TYPES


_DBOT_SCORE_TYPES = tuple(
    value
    for name, value in vars(DBotScoreType).items()
    if name.isupper() and not name.startswith("_")
)


class DBotScoreReliability:
    """Source reliability levels."""

    A_PLUS = "A+ - 3rd party enrichment"
    A = "A - Completely reliable"
    B = "B - Usually reliable"
    C = "C - Fairly reliable"
    D = "D - Not usually reliable"
    E = "E - Unreliable"
    F = "F - Reliability cannot be judged"

    @staticmethod
    def is_valid_type(_type):
        """Tells whether _type is one of the reliability levels."""
        return _type in _RELIABILITIES

    @staticmethod
    def get_dbot_score_reliability_from_str(reliability_str):
        """Returns the level equal to reliability_str; raises for anything else."""
        for reliability in _RELIABILITIES:
            if reliability == reliability_str:
                return reliability
        raise Exception("Please use supported reliability only.")


_RELIABILITIES = (
    DBotScoreReliability.A_PLUS,
    DBotScoreReliability.A,
    DBotScoreReliability.B,
    DBotScoreReliability.C,
    DBotScoreReliability.D,
    DBotScoreReliability.E,
    DBotScoreReliability.F,
)


class ErrorTypes:
    """Execution-metric categories."""

    SUCCESS = "Successful"
    QUOTA_ERROR = "QuotaError"
    GENERAL_ERROR = "GeneralError"
    AUTH_ERROR = "AuthError"
    SERVICE_ERROR = "ServiceError"
    CONNECTION_ERROR = "ConnectionError"
    PROXY_ERROR = "ProxyError"
    SSL_ERROR = "SSLError"
    TIMEOUT_ERROR = "TimeoutError"
    RETRY_ERROR = "RetryError"


INDICATOR_TYPE_TO_CONTEXT_KEY = {
    "ip": "Address",
    "email": "Address",
    "url": "Data",
    "domain": "Name",
    "cve": "ID",
    "md5": "file",
    "sha1": "file",
    "sha256": "file",
    "crc32": "file",
    "sha512": "file",
    "ctph": "file",
    "ssdeep": "file",
}

_REPUTATIONS = {
    4: "Critical",
    3: "Bad",
    2: "Suspicious",
    1: "Good",
    0.5: "Informational",
    0: "Unknown",
}


def scoreToReputation(score):
    """Returns the reputation word of a DBot score ('None' for an unknown score)."""
    return _REPUTATIONS.get(score, "None")


class DemistoException(Exception):
    """The platform's exception for user-facing failures.

    Args:
        message: the text shown to the user; `str(exc)` is this alone.
        exception: the underlying exception, if any.
        res: the HTTP response that caused it, if any.
        error_type: an ErrorTypes value, if known.
    """

    def __init__(self, message, exception=None, res=None, error_type=None, *args):
        self.res = res
        self.message = message
        self.exception = exception
        self.error_type = error_type
        super().__init__(message, exception, error_type, *args)

    def __str__(self):
        return str(self.message)


# Logging -----------------------------------------------------------------------------


def is_debug_mode():
    """Tells whether the command runs with debug logging (`demisto.is_debug`)."""
    return bool(getattr(demisto, "is_debug", False))


_SECRET_PARAM_WORDS = (
    "key",
    "private",
    "password",
    "secret",
    "token",
    "credentials",
    "service_account",
)


class IntegrationLogger:
    """Collects log lines with the secrets of the instance parameters masked.

    Secrets are read from `demisto.params()` on every call, so a logger created at
    import serves every later run.
    """

    def __init__(self, debug_logging=False):
        self.messages = []
        self.replace_strs = []
        self.debug_logging = debug_logging

    def add_replace_strs(self, *args):
        """Adds strings to mask from now on."""
        self.replace_strs.extend(str(arg) for arg in args if arg)

    def _secrets(self):
        found = list(self.replace_strs)
        try:
            params = demisto.params() or {}
        except Exception:  # noqa: BLE001 - logging must never fail the command
            params = {}
        for key, value in params.items():
            if not any(word in str(key).lower() for word in _SECRET_PARAM_WORDS):
                continue
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, dict) and value.get("password"):
                found.append(str(value["password"]))
                pair = f"{value.get('identifier', '')}:{value['password']}"
                found.append(base64.b64encode(pair.encode("utf-8")).decode("ascii"))
        return found

    def encode(self, message):
        """Returns message as text with every known secret masked."""
        text = message if isinstance(message, str) else str(message)
        for secret in sorted({s for s in self._secrets() if s}, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def __call__(self, message):
        text = self.encode(message)
        if self.debug_logging:
            demisto.debug(text)
        else:
            self.messages.append(text)

    def write(self, message):
        """Logs a message (file-like interface)."""
        if message and message.strip():
            self(message.rstrip("\n"))

    def print_log(self, verbose=False):
        """Sends the collected lines to the integration log and forgets them."""
        if self.messages:
            text = "\n".join(self.messages)
            demisto.info(text)
            self.messages = []

    def debug(self, message):
        """Logs a masked debug line at once."""
        demisto.debug(self.encode(message))

    def info(self, message):
        """Logs a masked info line at once."""
        demisto.info(self.encode(message))

    def error(self, message):
        """Logs a masked error line at once."""
        demisto.error(self.encode(message))


LOG = IntegrationLogger(debug_logging=is_debug_mode())


# Argument and value helpers ----------------------------------------------------------


def argToList(arg, separator=",", transform=None):
    """Turns an argument into a list (JSON list text, separated text, or one item).

    Empty parts of separated text are kept ('a,,b' gives ['a', '', 'b']).
    """
    if not arg:
        return []
    result = []
    if isinstance(arg, list):
        result = arg
    elif isinstance(arg, str):
        if arg[0] == "[" and arg[-1] == "]":
            try:
                result = json.loads(arg)
            except ValueError:
                demisto.debug(
                    "argToList: the argument looks like JSON but is not; "
                    "splitting it instead"
                )
                result = [part.strip() for part in arg.split(separator)]
        else:
            result = [part.strip() for part in arg.split(separator)]
    else:
        result = [arg]
    if transform:
        return [transform(item) for item in result]
    return result


def argToBoolean(value):
    """Turns 'true'/'yes'/'false'/'no' (any case) or a bool into a bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
        raise ValueError("Argument does not contain a valid boolean-like value")
    raise ValueError("Argument is neither a string nor a boolean")


def _missing_argument(arg_name):
    if arg_name:
        return ValueError(f'Missing "{arg_name}"')
    return ValueError("Missing required argument")


def arg_to_number(arg, arg_name=None, required=False):
    """Turns an argument into an int; None or '' gives None unless required.

    Raises:
        ValueError: the argument is required and missing, or is not a number.
    """
    if arg is None or arg == "":
        if required:
            raise _missing_argument(arg_name)
        return None

    invalid = (
        ValueError(f'Invalid number: "{arg_name}"="{arg}"')
        if arg_name
        else ValueError(f'"{arg}" is not a valid number')
    )
    if isinstance(arg, str):
        if arg.isdigit():
            return int(arg)
        try:
            return int(float(arg))
        except (ValueError, OverflowError):
            raise invalid from None
    if isinstance(arg, int):
        return arg
    raise invalid


def arg_to_datetime(arg, arg_name=None, is_utc=True, required=False, settings=None):
    """Turns epoch seconds (or milliseconds) or date text into a datetime.

    Raises:
        ValueError: the argument is required and missing, or is not a date.
    """
    if arg is None:
        if required:
            raise _missing_argument(arg_name)
        return None

    if (isinstance(arg, str) and arg.isdigit()) or isinstance(arg, (int, float)):
        seconds = float(arg)
        if seconds > 2000000000:
            seconds = seconds / 1000
        if is_utc:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        return datetime.fromtimestamp(seconds)

    if isinstance(arg, str):
        date = dateparser.parse(arg, settings=settings or {"TIMEZONE": "UTC"})
        if date is not None:
            return date
    if arg_name:
        raise ValueError(f'Invalid date: "{arg_name}"="{arg}"')
    raise ValueError(f'"{arg}" is not a valid date')


def assign_params(keys_to_ignore=None, values_to_ignore=None, **kwargs):
    """Returns the keyword arguments whose values are not empty (0 and False stay)."""
    if values_to_ignore is None:
        values_to_ignore = (None, "", [], {}, ())
    keys_to_ignore = keys_to_ignore or ()
    return {
        key: value
        for key, value in kwargs.items()
        if value not in values_to_ignore and key not in keys_to_ignore
    }


def _is_empty_element(value):
    return value is None or value == {} or value == []


def remove_empty_elements(d):
    """Returns a copy without None, {} and [] values at any depth ('' and 0 stay)."""
    if isinstance(d, list):
        cleaned = (remove_empty_elements(item) for item in d)
        return [item for item in cleaned if not _is_empty_element(item)]
    if isinstance(d, dict):
        cleaned = ((key, remove_empty_elements(value)) for key, value in d.items())
        return {key: value for key, value in cleaned if not _is_empty_element(value)}
    return d


def remove_nulls_from_dictionary(data):
    """Deletes, in place and one level deep, keys whose value is '', None or empty."""
    for key in list(data):
        if data[key] in ("", None, [], {}, ()):
            del data[key]


def _context_from_dict(data, id=None, keyTransform=None, removeNull=False):
    if not isinstance(data, dict):
        return data
    result = {}
    for key, value in data.items():
        if removeNull and value in ("", None, [], {}):
            continue
        *parents, last = str(key).split(".")
        level = result
        for parent in parents:
            level = level.setdefault(parent, {})
        level[keyTransform(last) if keyTransform else last] = value
    if id is not None:
        result.setdefault("ID", id)
    return result


def createContext(data, id=None, keyTransform=None, removeNull=False):
    """Expands dotted keys into nested dicts, for one dict or each dict of a list."""
    if isinstance(data, (list, tuple)):
        return [_context_from_dict(item, id, keyTransform, removeNull) for item in data]
    return _context_from_dict(data, id, keyTransform, removeNull)


def urljoin(url, suffix=""):
    """Joins a base URL and a suffix with exactly one slash between them."""
    if not url.endswith("/"):
        url += "/"
    if suffix.startswith("/"):
        suffix = suffix[1:]
    return url + suffix


def dict_safe_get(
    dict_object,
    keys,
    default_return_value=None,
    return_type=None,
    raise_return_type=True,
):
    """Follows keys (and list indexes) into nested data; default on any miss.

    Raises:
        TypeError: return_type is given, the value has another type and
            raise_return_type is set.
    """
    value = dict_object
    for key in keys:
        try:
            value = value[key]
        except (KeyError, TypeError, IndexError, AttributeError):
            value = default_return_value
            break
    if return_type and not isinstance(value, return_type):
        if raise_return_type:
            raise TypeError(
                f"Safe get Error:\nDetails: Return Type Error Excepted return type "
                f"{return_type}, but actual type from nested dict/list is "
                f"{type(value)} with value {value}.\nQuery: {keys}\n"
                f"Queried object: {dict_object}"
            )
        value = default_return_value
    return value


def batch(iterable, batch_size=1):
    """Yields consecutive slices of at most batch_size items."""
    items = iterable if hasattr(iterable, "__getitem__") else list(iterable)
    for start in range(0, len(items), batch_size):
        yield items[start : start + batch_size]


def is_error(execute_command_result):
    """Tells whether a command result (an entry or the first of a list) is an error."""
    if execute_command_result is None:
        return False
    if isinstance(execute_command_result, list):
        if not execute_command_result:
            return False
        execute_command_result = execute_command_result[0]
    return (
        isinstance(execute_command_result, dict)
        and execute_command_result.get("Type") == entryTypes["error"]
    )


isError = is_error


def get_error(execute_command_result):
    """Returns the error text of an error entry, or of the error entries of a list."""
    if not is_error(execute_command_result):
        raise ValueError(
            "execute_command_result has no error entry. "
            "before using get_error use is_error"
        )
    if isinstance(execute_command_result, dict):
        return execute_command_result["Contents"]
    return "\n".join(
        str(entry.get("Contents"))
        for entry in execute_command_result
        if is_error(entry)
    )


def string_to_table_header(string):
    """Turns 'one_two' into 'One Two'."""
    if not isinstance(string, STRING_OBJ_TYPES):
        raise Exception(f"The key is not a string: {string}")
    return " ".join(word.capitalize() for word in string.replace("_", " ").split())


def string_to_context_key(string):
    """Turns 'one_two' into 'OneTwo'."""
    if not isinstance(string, STRING_OBJ_TYPES):
        raise Exception(f"The key is not a string: {string}")
    return "".join(word.capitalize() for word in string.split("_"))


def pascalToSpace(s):
    """Turns 'ThreatScore' into 'Threat Score' (acronyms stay together)."""
    if not isinstance(s, STRING_OBJ_TYPES):
        raise TypeError(f"Expected a string, got {type(s).__name__}")
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", s)
    return spaced[:1].upper() + spaced[1:]


def underscoreToCamelCase(s, upper_camel=True):
    """Turns 'one_two' into 'OneTwo' (or 'oneTwo')."""
    if not isinstance(s, STRING_OBJ_TYPES):
        return s
    camel = "".join(part.title() for part in s.split("_"))
    return camel if upper_camel else camel[:1].lower() + camel[1:]


def camelize_string(src_str, delim="_", upper_camel=True):
    """Turns 'one_two' into 'OneTwo' (or 'oneTwo') for any delimiter."""
    parts = src_str.split(delim)
    if upper_camel:
        return "".join(part.title() for part in parts)
    return parts[0] + "".join(part.title() for part in parts[1:])


def camelize(src, delim=" ", upper_camel=True):
    """Camel-cases the keys of a dict, or of each dict of a list."""

    def camelize_keys(item):
        return {
            camelize_string(key, delim, upper_camel): value
            for key, value in item.items()
        }

    if isinstance(src, list):
        return [camelize_keys(item) for item in src]
    return camelize_keys(src)


def timestamp_to_datestring(
    timestamp, date_format="%Y-%m-%dT%H:%M:%S.000Z", is_utc=False
):
    """Formats epoch milliseconds; UTC when is_utc or the format ends with 'Z'."""
    seconds = int(timestamp) / 1000.0
    if is_utc or date_format.endswith("Z"):
        moment = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
        return moment.strftime(date_format)
    return datetime.fromtimestamp(seconds).strftime(date_format)


def date_to_timestamp(date_str_or_dt, date_format="%Y-%m-%dT%H:%M:%S"):
    """Returns epoch milliseconds of a date, read as local time (tzinfo is ignored)."""
    if isinstance(date_str_or_dt, STRING_OBJ_TYPES):
        return int(time.mktime(time.strptime(date_str_or_dt, date_format)) * 1000)
    return int(time.mktime(date_str_or_dt.timetuple()) * 1000)


def b64_encode(text):
    """Returns the base64 text of a str or bytes value."""
    if not text:
        return ""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(data).decode("utf-8")


# Markdown tables ---------------------------------------------------------------------


def stringEscapeMD(st, minimal_escaping=False, escape_multiline=False):
    """Escapes markdown in st: every markdown character, or only | and ` when minimal.

    With escape_multiline, CR/LF line breaks become <br>.
    """
    if escape_multiline:
        st = st.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")
    if minimal_escaping:
        return st.replace("|", "\\|").replace("`", "\\`")
    return "".join("\\" + char if char in _MARKDOWN_CHARS else char for char in st)


def _as_text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def flattenCell(data, is_pretty=True):
    """Renders a value in one table cell: lists joined by ',\\n', others as JSON."""
    if isinstance(data, STRING_TYPES):
        return _as_text(data)
    if isinstance(data, list):
        return ",\n".join(str(_as_text(item)) for item in data)
    return json.dumps(data, indent=4 if is_pretty else None, ensure_ascii=False)


class JsonTransformer:
    """Decides how a nested value is written in a table cell.

    Args:
        flatten: render as `key: value` lines (dicts) and `a,\\nb` (lists).
        keys: when given, only these keys of a dict are shown.
        is_nested: look for `keys` at nested levels too.
        func: a function that renders the value instead of all of the above.
    """

    def __init__(self, flatten=False, keys=None, is_nested=False, func=None):
        self.flatten = flatten
        self.keys = set(keys or ())
        self.is_nested = is_nested
        self.func = func

    def json_to_str(self, json_input, is_pretty=True):
        """Returns the cell text of json_input."""
        if self.func:
            return self.func(json_input)
        if isinstance(json_input, STRING_TYPES):
            return _as_text(json_input)
        if self.flatten:
            if isinstance(json_input, dict):
                return "\n".join(
                    f"{key}: {flattenCell(value, is_pretty)}"
                    for key, value in json_input.items()
                )
            return flattenCell(json_input, is_pretty)
        if not isinstance(json_input, (dict, list)):
            return flattenCell(json_input, is_pretty)
        lines = []
        self._tree(json_input, 0, lines)
        return "\n".join(lines)

    def _tree(self, value, depth, lines):
        # Known gap: this layout follows the documented shape (bold sections, leaf
        # lines, tabs, '-' per list item) but was never compared with a real server's
        # output; a golden string captured from XSOAR would settle the exact spacing.
        tabs = "\t" * depth
        if isinstance(value, list):
            if all(not isinstance(item, (dict, list)) for item in value):
                lines.append(f"{tabs}***values***: {', '.join(value)}")
                return
            for item in value:
                lines.append(f"{tabs}**-**")
                self._tree(item, depth + 1, lines)
            return
        for key, item in value.items():
            wanted = not self.keys or key in self.keys
            if isinstance(item, (dict, list)) and item:
                if wanted or self.is_nested:
                    lines.append(f"{tabs}**{key}**:")
                    self._tree(item, depth + 1, lines)
            elif wanted:
                lines.append(f"{tabs}***{key}***: {item}")


def formatCell(data, is_pretty=True, json_transform=None):
    """Renders a value as a cell through a JsonTransformer (flattening by default)."""
    transformer = json_transform or JsonTransformer(flatten=True)
    return transformer.json_to_str(data, is_pretty)


def create_clickable_url(url, text=None):
    """Turns a URL (or a list of URLs) into markdown links; a falsy URL gives None."""
    if not url:
        return None
    if isinstance(url, list):
        return [f"[{text or item}]({item})" for item in url]
    return f"[{text or url}]({url})"


def url_to_clickable_markdown(data, url_keys):
    """Turns the values under url_keys, at any depth, into markdown links."""
    if isinstance(data, list):
        return [url_to_clickable_markdown(item, url_keys) for item in data]
    if isinstance(data, dict):
        return {
            key: (
                create_clickable_url(value)
                if key in url_keys
                else url_to_clickable_markdown(value, url_keys)
            )
            for key, value in data.items()
        }
    return data


def _default_header(header):
    return stringEscapeMD(str(header), True, True)


def _millis_to_local_date(value):
    return datetime.fromtimestamp(int(value) / 1000).strftime("%Y-%m-%d %H:%M:%S")


def tableToMarkdown(
    name,
    t,
    headers=None,
    headerTransform=None,
    removeNull=False,
    metadata=None,
    url_keys=None,
    date_fields=None,
    json_transform_mapping=None,
    is_auto_json_transform=False,
    sort_headers=True,
):
    """Renders a dict or list of dicts as a markdown table, as XSOAR does.

    Headers come from the first row only (sorted unless sort_headers is False) when
    not given; a one-key dict is a one-column table of its value.

    Raises:
        Exception: t is a list of scalars and no headers are given.
    """
    if url_keys:
        t = url_to_clickable_markdown(t, url_keys)
    result = ""
    if name:
        result = f"### {name}\n"
    if metadata:
        result += f"{metadata}\n"
    if not t:
        return result + "**No entries.**\n"

    if not headers and isinstance(t, dict) and len(t) == 1:
        headers = list(t)
        t = list(t.values())[0]
    if not isinstance(t, list):
        t = [t]
    if headers and isinstance(headers, str):
        headers = [headers]
    if not isinstance(t[0], dict):
        if not headers:
            raise Exception(
                "Missing headers param for tableToMarkdown. "
                "Example: headers=['Some Header']"
            )
        t = [{headers[0]: row} for row in t]

    if not headers:
        headers = list(t[0])
        if sort_headers:
            headers.sort()
    if removeNull:
        headers = [
            header
            for header in headers
            if any(row.get(header) not in ("", None, [], {}) for row in t)
        ]
    if not json_transform_mapping:
        json_transform_mapping = {
            header: JsonTransformer(flatten=not is_auto_json_transform)
            for header in headers
        }
    if not headers:
        return result + "**No entries.**\n"

    transform = headerTransform or _default_header
    result += "|" + "|".join(transform(header) for header in headers) + "|\n"
    result += "|" + "|".join(["---"] * len(headers)) + "|\n"
    for row in t:
        row = dict(row)
        for date_field in date_fields or ():
            try:
                row[date_field] = _millis_to_local_date(row[date_field])
            except Exception:  # noqa: BLE001 - the platform leaves bad dates alone
                pass
        cells = [
            _table_cell(
                row.get(header),
                json_transform_mapping.get(
                    header, JsonTransformer(flatten=not is_auto_json_transform)
                ),
            )
            for header in headers
        ]
        result += "| " + " | ".join(cells) + " |\n"
    return result


def _table_cell(value, transformer):
    if value is None:
        return ""
    return stringEscapeMD(str(formatCell(value, False, transformer)), True, True)


tblToMd = tableToMarkdown


# Indicators --------------------------------------------------------------------------


def _pairs(text):
    """Reads 'ContextKey attribute' lines into (key, attribute) pairs."""
    return tuple(tuple(line.split()) for line in text.strip().splitlines())


def _store(indicator, arguments):
    """Keeps every constructor argument as an attribute of the same name."""
    indicator.__dict__.update(arguments)
    del indicator.__dict__["self"]


def _is_set(value):
    return value is not None


def _as_context(value):
    if hasattr(value, "to_context"):
        return value.to_context()
    if isinstance(value, list) and value and hasattr(value[0], "to_context"):
        return [item.to_context() for item in value]
    return value


def _read(indicator, pairs, keep=bool):
    """The context of the (key, attribute) pairs whose value passes keep."""
    attributes = indicator.__dict__
    if keep is bool:
        found = [
            (key, value)
            for key, attribute in pairs
            if (value := attributes.get(attribute))
        ]
    else:
        found = [
            (key, value)
            for key, attribute in pairs
            if keep(value := attributes.get(attribute))
        ]
    return {key: _as_context(value) for key, value in found}


def _groups(indicator, groups):
    """Each named group of pairs, all its keys kept, when any of its values is set."""
    attributes = indicator.__dict__
    found = {}
    for name, pairs in groups.items():
        if any(attributes.get(attribute) for _, attribute in pairs):
            found[name] = {key: attributes.get(attribute) for key, attribute in pairs}
    return found


def _indicator_context(
    indicator, context, fields, counted=(), groups=None, extended=True
):
    """Adds the optional keys to context and returns it with the DBotScore context.

    fields are kept when truthy, counted ones when not None (so 0 stays). extended
    adds the prevalence and first/last-seen keys, and Malicious for a BAD score.
    """
    if extended:
        fields, counted = fields + _SEEN, counted + _PREVALENCE
    context.update(_read(indicator, fields))
    context.update(_read(indicator, counted, keep=_is_set))
    context.update(_groups(indicator, groups or {}))
    dbot_score = indicator.dbot_score
    if extended and dbot_score and dbot_score.score == Common.DBotScore.BAD:
        context["Malicious"] = {
            "Vendor": dbot_score.integration_name,
            "Description": dbot_score.malicious_description,
        }
    result = {indicator.CONTEXT_PATH: context}
    if dbot_score:
        result.update(dbot_score.to_context())
    return result


_PREVALENCE = _pairs("""
OrganizationPrevalence organization_prevalence
GlobalPrevalence global_prevalence
""")
_SEEN = _pairs("""
OrganizationFirstSeen organization_first_seen
OrganizationLastSeen organization_last_seen
FirstSeenBySource first_seen_by_source
LastSeenBySource last_seen_by_source
""")
_DETECTIONS = _pairs("""
DetectionEngines detection_engines
PositiveDetections positive_detections
""")
_DOMAIN_FIELDS = _pairs("""
DNS dns
Organization organization
Subdomains sub_domains
Tags tags
FeedRelatedIndicators feed_related_indicators
WhoisRecords whois_records
MalwareFamily malware_family
DomainIDNName domain_idn_name
Port port
Internal internal
Category category
Campaign campaign
TrafficLightProtocol traffic_light_protocol
ThreatTypes threat_types
CommunityNotes community_notes
Publications publications
Billing billing
Relationships relationships
DNSRecords dns_records
STIXID stix_id
Description description
Certificates certificates
Rank rank
""")
_DOMAIN_WHOIS_FIELDS = _pairs("""
DomainStatus domain_status
CreationDate creation_date
UpdatedDate updated_date
ExpirationDate expiration_date
NameServers name_servers
""")
_DOMAIN_WHOIS_GROUPS = {
    "Registrar": _pairs("""
        Name registrar_name
        AbuseEmail registrar_abuse_email
        AbusePhone registrar_abuse_phone
    """),
    "Registrant": _pairs("""
        Name registrant_name
        Email registrant_email
        Phone registrant_phone
        Country registrant_country
    """),
    "Admin": _pairs("""
        Name admin_name
        Email admin_email
        Phone admin_phone
        Country admin_country
    """),
}
_DOMAIN_GROUPS = {
    "Geo": _pairs("""
        Location geo_location
        Country geo_country
        Description geo_description
    """),
    "Tech": _pairs("""
        Country tech_country
        Name tech_name
        Organization tech_organization
        Email tech_email
    """),
}
_URL_FIELDS = _pairs("""
Blocked blocked
Certificates certificates
Description description
STIXID stix_id
Category category
FeedRelatedIndicators feed_related_indicators
Tags tags
MalwareFamily malware_family
Port port
Internal internal
Campaign campaign
TrafficLightProtocol traffic_light_protocol
ThreatTypes threat_types
ASN asn
ASOwner as_owner
Organization organization
CommunityNotes community_notes
Publications publications
Relationships relationships
""")
_FILE_FIELDS = _pairs("""
Name name
EntryID entry_id
Size size
MD5 md5
SHA1 sha1
SHA256 sha256
SHA512 sha512
SSDeep ssdeep
Extension extension
Type file_type
Hostname hostname
Path path
Company company
ProductName product_name
Signature signature
Actor actor
Tags tags
FeedRelatedIndicators feed_related_indicators
MalwareFamily malware_family
Campaign campaign
TrafficLightProtocol traffic_light_protocol
CommunityNotes community_notes
Publications publications
ThreatTypes threat_types
Imphash imphash
Quarantined quarantined
Organization organization
AssociatedFileNames associated_file_names
Behavior behaviors
CreationDate creation_date
Description description
STIXID stix_id
Relationships relationships
""")
_FILE_HASHES = _pairs("""
MD5 md5
SHA1 sha1
SHA256 sha256
SHA512 sha512
SSDeep ssdeep
Imphash imphash
""")
_EMAIL_FIELDS = _pairs("""
Blocked blocked
Domain domain
Description description
Internal internal
STIXID stix_id
Tags tags
TrafficLightProtocol traffic_light_protocol
Relationships relationships
""")
_IP_FIELDS = _pairs("""
ASN asn
ASOwner as_owner
Region region
Port port
Internal internal
STIXID stix_id
UpdatedDate updated_date
Campaign campaign
Description description
TrafficLightProtocol traffic_light_protocol
CommunityNotes community_notes
Publications publications
ThreatTypes threat_types
Hostname hostname
FeedRelatedIndicators feed_related_indicators
Tags tags
MalwareFamily malware_family
Relationships relationships
Blocked blocked
WhoisRecords whois_records
""")
_IP_GROUPS = {
    "Geo": _pairs("""
        Location geo_location
        Country geo_country
        Description geo_description
    """),
    "Organization": _pairs("""
        Name organization_name
        Type organization_type
    """),
}
_IP_ABUSE = _pairs("""
Name registrar_abuse_name
Address registrar_abuse_address
Country registrar_abuse_country
Network registrar_abuse_network
Phone registrar_abuse_phone
Email registrar_abuse_email
""")


def _calling_brand():
    calling_context = getattr(demisto, "callingContext", None)
    if calling_context is None or not calling_context.get("integration"):
        return ""
    return (calling_context.get("context") or {}).get("IntegrationBrand") or ""


class Common:
    """Indicator classes and their value helpers."""

    class Indicator:
        """Base of every indicator class."""

        @abstractmethod
        def to_context(self):
            """Returns the indicator's context."""

        @staticmethod
        def create_context_table(items):
            """Returns the contexts of a list of value helpers."""
            return [item.to_context() for item in items]

    class DBotScore:
        """The score one vendor gives one indicator.

        Raises:
            TypeError: the type, score or reliability is not a valid constant.
        """

        NONE = 0
        GOOD = 1
        SUSPICIOUS = 2
        BAD = 3
        CONTEXT_PATH = (
            "DBotScore(val.Indicator && val.Indicator == obj.Indicator && "
            "val.Vendor == obj.Vendor && val.Type == obj.Type)"
        )
        CONTEXT_PATH_PRIOR_V5_5 = "DBotScore"

        def __init__(
            self,
            indicator,
            indicator_type,
            integration_name="",
            score=None,
            malicious_description=None,
            reliability=None,
            message=None,
        ):
            if not DBotScoreType.is_valid_type(indicator_type):
                raise TypeError("indicator_type must be of type DBotScoreType enum")
            if not Common.DBotScore.is_valid_score(score):
                raise TypeError("indicator `score` must be of type DBotScore enum")
            if reliability and not DBotScoreReliability.is_valid_type(reliability):
                raise TypeError("reliability must be of type DBotScoreReliability enum")
            self.indicator = indicator
            self.indicator_type = indicator_type
            self.integration_name = _calling_brand() or integration_name
            self.score = score
            self.malicious_description = malicious_description
            self.reliability = reliability
            self.message = message

        @staticmethod
        def is_valid_score(score):
            """Tells whether score is one of NONE, GOOD, SUSPICIOUS, BAD."""
            return score in (0, 1, 2, 3)

        @staticmethod
        def get_context_path():
            """Returns the DBotScore context path of this platform version."""
            if is_demisto_version_ge("5.5.0"):
                return Common.DBotScore.CONTEXT_PATH
            return Common.DBotScore.CONTEXT_PATH_PRIOR_V5_5

        def to_readable(self):
            """Returns Unknown, Good, Suspicious or Bad ('Undefined' otherwise)."""
            return {0: "Unknown", 1: "Good", 2: "Suspicious", 3: "Bad"}.get(
                self.score, "Undefined"
            )

        def to_context(self):
            """Returns `{CONTEXT_PATH: {Indicator, Type, Vendor, Score, ...}}`."""
            context = {
                "Indicator": self.indicator,
                "Type": self.indicator_type,
                "Vendor": self.integration_name,
                "Score": self.score,
            }
            if self.reliability:
                context["Reliability"] = self.reliability
            if self.message:
                context["Message"] = self.message
            return {Common.DBotScore.get_context_path(): context}

    class FeedRelatedIndicators:
        """An indicator related to another one in a feed."""

        def __init__(self, value=None, indicator_type=None, description=None):
            self.value = value
            self.indicator_type = indicator_type
            self.description = description

        def to_context(self):
            """Returns {value, type, description}."""
            return {
                "value": self.value,
                "type": self.indicator_type,
                "description": self.description,
            }

    class Hash:
        """One hash of a file."""

        def __init__(self, hash_type=None, hash_value=None):
            self.hash_type = hash_type
            self.hash_value = hash_value

        def to_context(self):
            """Returns {type, value}."""
            return {"type": self.hash_type, "value": self.hash_value}

    class ThreatTypes:
        """A threat category with its confidence."""

        def __init__(self, threat_category=None, threat_category_confidence=None):
            self.threat_category = threat_category
            self.threat_category_confidence = threat_category_confidence

        def to_context(self):
            """Returns {threatcategory, threatcategoryconfidence}."""
            return {
                "threatcategory": self.threat_category,
                "threatcategoryconfidence": self.threat_category_confidence,
            }

    class Domain(Indicator):
        """A domain indicator: `Domain(val.Name && val.Name == obj.Name)`."""

        CONTEXT_PATH = "Domain(val.Name && val.Name == obj.Name)"

        def __init__(
            self,
            domain,
            dbot_score,
            dns=None,
            detection_engines=None,
            positive_detections=None,
            organization=None,
            sub_domains=None,
            creation_date=None,
            updated_date=None,
            expiration_date=None,
            domain_status=None,
            name_servers=None,
            feed_related_indicators=None,
            malware_family=None,
            registrar_name=None,
            registrar_abuse_email=None,
            registrar_abuse_phone=None,
            registrant_name=None,
            registrant_email=None,
            registrant_phone=None,
            registrant_country=None,
            admin_name=None,
            admin_email=None,
            admin_phone=None,
            admin_country=None,
            tags=None,
            domain_idn_name=None,
            port=None,
            internal=None,
            category=None,
            campaign=None,
            traffic_light_protocol=None,
            threat_types=None,
            community_notes=None,
            publications=None,
            geo_location=None,
            geo_country=None,
            geo_description=None,
            tech_country=None,
            tech_name=None,
            tech_email=None,
            tech_organization=None,
            billing=None,
            whois_records=None,
            relationships=None,
            description=None,
            stix_id=None,
            blocked=None,
            certificates=None,
            dns_records=None,
            rank=None,
            organization_prevalence=None,
            global_prevalence=None,
            organization_first_seen=None,
            organization_last_seen=None,
            first_seen_by_source=None,
            last_seen_by_source=None,
        ):
            _store(self, locals())

        def to_context(self):
            """Returns the Domain context, plus the DBotScore context."""
            whois = {
                **_groups(self, _DOMAIN_WHOIS_GROUPS),
                **_read(self, _DOMAIN_WHOIS_FIELDS),
            }
            context = {"Name": self.domain, **whois}
            if whois:
                context["WHOIS"] = whois
            if self.stix_id:
                # The platform writes Blocked only inside its STIX id branch.
                context.update(_read(self, (("Blocked", "blocked"),)))
            return _indicator_context(
                self, context, _DOMAIN_FIELDS, _DETECTIONS, _DOMAIN_GROUPS
            )

    class URL(Indicator):
        """A URL indicator: `URL(val.Data && val.Data == obj.Data)`."""

        CONTEXT_PATH = "URL(val.Data && val.Data == obj.Data)"

        def __init__(
            self,
            url,
            dbot_score,
            detection_engines=None,
            positive_detections=None,
            category=None,
            feed_related_indicators=None,
            tags=None,
            malware_family=None,
            port=None,
            internal=None,
            campaign=None,
            traffic_light_protocol=None,
            threat_types=None,
            asn=None,
            as_owner=None,
            geo_country=None,
            organization=None,
            community_notes=None,
            publications=None,
            relationships=None,
            blocked=None,
            certificates=None,
            description=None,
            stix_id=None,
            organization_prevalence=None,
            global_prevalence=None,
            organization_first_seen=None,
            organization_last_seen=None,
            first_seen_by_source=None,
            last_seen_by_source=None,
        ):
            _store(self, locals())

        def to_context(self):
            """Returns the URL context, plus the DBotScore context."""
            return _indicator_context(
                self,
                {"Data": self.url},
                _URL_FIELDS,
                _DETECTIONS,
                {"Geo": (("Country", "geo_country"),)},
            )

    class File(Indicator):
        """A file indicator, matched on any of its hashes."""

        CONTEXT_PATH = (
            "File(val.MD5 && val.MD5 == obj.MD5 || val.SHA1 && val.SHA1 == obj.SHA1 || "
            "val.SHA256 && val.SHA256 == obj.SHA256 || "
            "val.SHA512 && val.SHA512 == obj.SHA512 || "
            "val.CRC32 && val.CRC32 == obj.CRC32 || "
            "val.CTPH && val.CTPH == obj.CTPH || "
            "val.SSDeep && val.SSDeep == obj.SSDeep)"
        )

        def __init__(
            self,
            dbot_score,
            name=None,
            entry_id=None,
            size=None,
            md5=None,
            sha1=None,
            sha256=None,
            sha512=None,
            ssdeep=None,
            extension=None,
            file_type=None,
            hostname=None,
            path=None,
            company=None,
            product_name=None,
            digital_signature__publisher=None,
            signature=None,
            actor=None,
            tags=None,
            feed_related_indicators=None,
            malware_family=None,
            imphash=None,
            quarantined=None,
            campaign=None,
            associated_file_names=None,
            traffic_light_protocol=None,
            organization=None,
            community_notes=None,
            publications=None,
            threat_types=None,
            behaviors=None,
            relationships=None,
            creation_date=None,
            description=None,
            hashes=None,
            stix_id=None,
            organization_prevalence=None,
            global_prevalence=None,
            organization_first_seen=None,
            organization_last_seen=None,
            first_seen_by_source=None,
            last_seen_by_source=None,
        ):
            _store(self, locals())

        def to_context(self):
            """Returns the File context (Hashes always present), plus DBotScore."""
            hashes = _as_context(self.hashes or [])
            hashes += [
                {"type": kind, "value": value}
                for kind, value in _read(self, _FILE_HASHES).items()
            ]
            groups = {
                "DigitalSignature": (("Published", "digital_signature__publisher"),)
            }
            return _indicator_context(
                self, {"Hashes": hashes}, _FILE_FIELDS, groups=groups
            )

    class EMAIL(Indicator):
        """An email address indicator; it never carries a Malicious key."""

        CONTEXT_PATH = (
            "Account(val.Email.Address && val.Email.Address == obj.Email.Address)"
        )

        def __init__(
            self,
            address,
            dbot_score,
            domain=None,
            blocked=None,
            relationships=None,
            description=None,
            internal=None,
            stix_id=None,
            tags=None,
            traffic_light_protocol=None,
        ):
            _store(self, locals())

        def to_context(self):
            """Returns the Account.Email context, plus the DBotScore context."""
            return _indicator_context(
                self,
                {"Email": {"Address": self.address}},
                _EMAIL_FIELDS,
                extended=False,
            )

    class IP(Indicator):
        """An IP indicator (IPv6 when ip_type is 'IPv6').

        Raises:
            ValueError: dbot_score is not a DBotScore.
        """

        CONTEXT_PATH = "IP(val.Address && val.Address == obj.Address)"
        IPV6_CONTEXT_PATH = "IPv6(val.Address && val.Address == obj.Address)"

        def __init__(
            self,
            ip,
            dbot_score,
            asn=None,
            as_owner=None,
            region=None,
            port=None,
            internal=None,
            updated_date=None,
            registrar_abuse_name=None,
            registrar_abuse_address=None,
            registrar_abuse_country=None,
            registrar_abuse_network=None,
            registrar_abuse_phone=None,
            registrar_abuse_email=None,
            campaign=None,
            traffic_light_protocol=None,
            community_notes=None,
            publications=None,
            threat_types=None,
            hostname=None,
            geo_latitude=None,
            geo_longitude=None,
            geo_country=None,
            geo_description=None,
            detection_engines=None,
            positive_engines=None,
            organization_name=None,
            organization_type=None,
            feed_related_indicators=None,
            tags=None,
            malware_family=None,
            relationships=None,
            blocked=None,
            description=None,
            stix_id=None,
            whois_records=None,
            organization_prevalence=None,
            global_prevalence=None,
            organization_first_seen=None,
            organization_last_seen=None,
            first_seen_by_source=None,
            last_seen_by_source=None,
            ip_type="IP",
        ):
            if not isinstance(dbot_score, Common.DBotScore):
                raise ValueError("dbot_score must be of type DBotScore")
            _store(self, locals())
            if ip_type == "IPv6":
                self.CONTEXT_PATH = self.IPV6_CONTEXT_PATH
            self.geo_location = None
            if geo_latitude or geo_longitude:
                self.geo_location = f"{geo_latitude}:{geo_longitude}"

        def to_context(self):
            """Returns the IP context, plus the DBotScore context."""
            context = {"Address": self.ip}
            abuse = _groups(self, {"Abuse": _IP_ABUSE})
            if abuse:
                context["Registrar"] = abuse
            counted = (
                ("DetectionEngines", "detection_engines"),
                ("PositiveDetections", "positive_engines"),
            )
            return _indicator_context(self, context, _IP_FIELDS, counted, _IP_GROUPS)

    class CustomIndicator(Indicator):
        """An indicator of a type the platform does not define.

        Raises:
            ValueError: the type is a built-in one, value or context_prefix is missing,
                or dbot_score is not a DBotScore.
        """

        def __init__(
            self,
            indicator_type,
            value,
            dbot_score,
            data,
            context_prefix,
            relationships=None,
        ):
            if hasattr(DBotScoreType, indicator_type.upper()):
                raise ValueError(
                    "Creating a custom indicator type with an existing type "
                    "name is not allowed"
                )
            if not value:
                raise ValueError("value is mandatory for creating the indicator")
            if not context_prefix:
                raise ValueError(
                    "context_prefix is mandatory for creating the indicator"
                )
            if not isinstance(dbot_score, Common.DBotScore):
                raise ValueError("dbot_score must be of type DBotScore")
            INDICATOR_TYPE_TO_CONTEXT_KEY[indicator_type.lower()] = (
                indicator_type.capitalize()
            )
            self.CONTEXT_PATH = f"{context_prefix}(val.value && val.value == obj.value)"
            self.indicator_type = indicator_type
            self.value = value
            self.dbot_score = dbot_score
            self.data = data
            self.relationships = relationships
            for key, item in data.items():
                setattr(self, key, item)

        def to_context(self):
            """Returns `{prefix(...): {value, **data}}` plus the DBotScore context."""
            context = {"value": self.value, **self.data}
            if self.relationships:
                context["Relationships"] = _as_context(self.relationships)
            result = {self.CONTEXT_PATH: context}
            if self.dbot_score:
                for path, score in self.dbot_score.to_context().items():
                    result[path] = {**score, "Type": self.indicator_type}
            return result


outputPaths = {
    "file": Common.File.CONTEXT_PATH,
    "ip": Common.IP.CONTEXT_PATH,
    "url": Common.URL.CONTEXT_PATH,
    "domain": Common.Domain.CONTEXT_PATH,
    "cve": "CVE(val.ID && val.ID == obj.ID)",
    "email": "Account.Email(val.Address && val.Address == obj.Address)",
    "dbotscore": "DBotScore",
}


# Platform version --------------------------------------------------------------------


def get_demisto_version():
    """Returns `demisto.demistoVersion()`: {'version': ..., 'buildNumber': ...}."""
    return demisto.demistoVersion()


def get_demisto_version_as_str():
    """Returns '<version>-<buildNumber>', or 'Unknown'."""
    try:
        version = get_demisto_version()
        return f"{version['version']}-{version['buildNumber']}"
    except (AttributeError, KeyError, TypeError):
        return "Unknown"


@_lru_cache(maxsize=64)
def _version_order(server_version, version):
    """-1, 0 or 1 as server_version is below, equal to or above version.

    Cached because indicator context asks the same question once per indicator.
    """
    server, wanted = LooseVersion(server_version), LooseVersion(version)
    if server == wanted:
        return 0
    return 1 if server > wanted else -1


def is_demisto_version_ge(version, build_number=""):
    """Tells whether the platform version is at least version (and build_number)."""
    try:
        server = get_demisto_version()
    except AttributeError:
        return False
    order = _version_order(str(server.get("version", "0")), str(version))
    if order:
        return order > 0
    if not build_number:
        return True
    try:
        return int(server.get("buildNumber")) >= int(build_number)
    except (TypeError, ValueError):
        return True


# Results -----------------------------------------------------------------------------


class EntityRelationship:
    """A relationship between two entities, as XSOAR records it."""

    class Relationships:
        """A few of the platform's relationship names."""

        RELATED_TO = "related-to"
        INDICATOR_OF = "indicator-of"
        INDICATED_BY = "indicated-by"
        ATTACHMENT_OF = "attachment-of"
        ATTACHES = "attaches"

    def __init__(
        self,
        name,
        entity_a,
        entity_a_type,
        entity_b,
        entity_b_type,
        reverse_name="",
        relationship_type="IndicatorToIndicator",
        entity_a_family="Indicator",
        entity_b_family="Indicator",
        source_reliability="",
        fields=None,
        brand="",
    ):
        self._name = name
        self._reverse_name = reverse_name
        self._relationship_type = relationship_type
        self._entity_a = entity_a
        self._entity_a_type = entity_a_type
        self._entity_a_family = entity_a_family
        self._entity_b = entity_b
        self._entity_b_type = entity_b_type
        self._entity_b_family = entity_b_family
        self._source_reliability = source_reliability
        self._fields = fields or {}
        self._brand = brand

    def to_entry(self):
        """Returns the relationship as an entry dict ({} without a second entity)."""
        if not self._entity_b:
            return {}
        entry = {
            "name": self._name,
            "reverseName": self._reverse_name,
            "type": self._relationship_type,
            "entityA": self._entity_a,
            "entityAFamily": self._entity_a_family,
            "entityAType": self._entity_a_type,
            "entityB": self._entity_b,
            "entityBFamily": self._entity_b_family,
            "entityBType": self._entity_b_type,
            "fields": self._fields,
        }
        if self._source_reliability:
            entry["reliability"] = self._source_reliability
        if self._brand:
            entry["brand"] = self._brand
        return entry

    def to_context(self):
        """Returns the relationship as context ({} without a second entity)."""
        if not self._entity_b:
            return {}
        return {
            "Relationship": self._name,
            "EntityA": self._entity_a,
            "EntityAType": self._entity_a_type,
            "EntityB": self._entity_b,
            "EntityBType": self._entity_b_type,
        }


class ExecutionMetrics:
    """Counts API call outcomes by ErrorTypes category."""

    _CATEGORIES = (
        ("success", ErrorTypes.SUCCESS),
        ("quota_error", ErrorTypes.QUOTA_ERROR),
        ("general_error", ErrorTypes.GENERAL_ERROR),
        ("auth_error", ErrorTypes.AUTH_ERROR),
        ("service_error", ErrorTypes.SERVICE_ERROR),
        ("connection_error", ErrorTypes.CONNECTION_ERROR),
        ("proxy_error", ErrorTypes.PROXY_ERROR),
        ("ssl_error", ErrorTypes.SSL_ERROR),
        ("timeout_error", ErrorTypes.TIMEOUT_ERROR),
        ("retry_error", ErrorTypes.RETRY_ERROR),
    )

    def __init__(
        self,
        success=0,
        quota_error=0,
        general_error=0,
        auth_error=0,
        service_error=0,
        connection_error=0,
        proxy_error=0,
        ssl_error=0,
        timeout_error=0,
        retry_error=0,
    ):
        _store(self, locals())

    @property
    def metrics(self):
        """A metrics CommandResults, or None when nothing was counted."""
        counts = [
            {"Type": label, "APICallsCount": getattr(self, attribute)}
            for attribute, label in self._CATEGORIES
            if getattr(self, attribute)
        ]
        return CommandResults(execution_metrics=counts) if counts else None


class ScheduledCommand:
    """Asks the platform to run a command again later (polling).

    Intervals below 10 seconds are raised to 10, as the platform does.
    """

    MIN_INTERVAL_SECONDS = 10

    def __init__(
        self,
        command,
        next_run_in_seconds,
        args=None,
        timeout_in_seconds=None,
        items_remaining=0,
    ):
        if next_run_in_seconds < self.MIN_INTERVAL_SECONDS:
            demisto.info(
                f"ScheduledCommand: the interval {next_run_in_seconds} s is "
                f"below {self.MIN_INTERVAL_SECONDS} s; using "
                f"{self.MIN_INTERVAL_SECONDS} s"
            )
            next_run_in_seconds = self.MIN_INTERVAL_SECONDS
        self._command = command
        self._next_run = str(next_run_in_seconds)
        self._args = args
        self._timeout = str(timeout_in_seconds) if timeout_in_seconds else None
        self._items_remaining = items_remaining

    @staticmethod
    def supports_polling():
        """Tells whether the platform can schedule commands (6.2.0 and later)."""
        return is_demisto_version_ge("6.2.0")

    @staticmethod
    def raise_error_if_not_supported():
        """Raises DemistoException when the platform cannot schedule commands."""
        if not ScheduledCommand.supports_polling():
            raise DemistoException(
                "ScheduledCommand is not supported by this platform "
                "version; it needs 6.2.0 or later."
            )

    def to_results(self):
        """Returns the entry keys: PollingCommand, NextRun, PollingArgs, Timeout, ..."""
        return assign_params(
            PollingCommand=self._command,
            NextRun=self._next_run,
            PollingArgs=self._args,
            Timeout=self._timeout,
            PollingItemsRemaining=self._items_remaining,
        )


class PollResult:
    """What a polling_function step returns: the response and whether to poll again."""

    def __init__(
        self,
        response,
        continue_to_poll=False,
        args_for_next_run=None,
        partial_result=None,
    ):
        self.response = response
        self.continue_to_poll = continue_to_poll
        self.args_for_next_run = args_for_next_run
        self.partial_result = partial_result


def polling_function(
    name,
    interval=30,
    timeout=600,
    poll_message="Fetching Results:",
    polling_arg_name="polling",
    requires_polling_arg=True,
):
    """Turns a function returning PollResult into a command that schedules itself.

    The wrapped function takes the command args first; `interval_in_seconds` and
    `timeout_in_seconds` in them override the decorator's values.
    """

    def decorator(func):
        @wraps(func)
        def inner(args, *arguments, **kwargs):
            if requires_polling_arg and not argToBoolean(args.get(polling_arg_name)):
                return func(args, *arguments, **kwargs).response

            ScheduledCommand.raise_error_if_not_supported()
            poll_result = func(args, *arguments, **kwargs)
            should_poll = poll_result.continue_to_poll
            if not isinstance(should_poll, bool):
                should_poll = should_poll()
            if not should_poll:
                return poll_result.response

            response = poll_result.partial_result
            if response is None:
                response = CommandResults(readable_output=poll_message)
            next_args = poll_result.args_for_next_run or args
            response.scheduled_command = ScheduledCommand(
                command=name,
                next_run_in_seconds=arg_to_number(
                    args.get("interval_in_seconds", interval)
                ),
                args=next_args,
                timeout_in_seconds=arg_to_number(
                    args.get("timeout_in_seconds", timeout)
                ),
            )
            return response

        return inner

    return decorator


class CommandResults:
    """One command result: readable output, context outputs, raw response, indicators.

    Raises:
        ValueError: non-dict outputs without a prefix, a prefix of '.', or both
            indicator and indicators.
        TypeError: a bad outputs_key_field or content_format.
    """

    def __init__(
        self,
        outputs_prefix=None,
        outputs_key_field=None,
        outputs=None,
        indicators=None,
        readable_output=None,
        raw_response=None,
        indicators_timeline=None,
        indicator=None,
        ignore_auto_extract=False,
        mark_as_note=False,
        tags=None,
        scheduled_command=None,
        relationships=None,
        entry_type=None,
        content_format=None,
        execution_metrics=None,
        replace_existing=False,
    ):
        if raw_response is None:
            raw_response = outputs
        if outputs is not None and not isinstance(outputs, dict) and not outputs_prefix:
            raise ValueError("outputs_prefix is missing")
        if outputs_prefix == ".":
            raise ValueError("outputs_prefix cannot be a period.")
        if indicators and indicator:
            raise ValueError("indicators is DEPRECATED, use only indicator")
        if entry_type is None:
            entry_type = EntryType.NOTE
        if content_format is not None and not EntryFormat.is_valid_type(content_format):
            raise TypeError(
                f"content_format {content_format} is invalid, "
                "see CommonServerPython.EntryFormat"
            )

        self.indicators = indicators
        self.indicator = indicator
        self.outputs_prefix = outputs_prefix
        self.outputs_key_field = outputs_key_field
        self._outputs_key_field = _key_fields(outputs_key_field)
        self.outputs = outputs
        self.raw_response = raw_response
        self.readable_output = readable_output
        self.indicators_timeline = indicators_timeline
        self.ignore_auto_extract = ignore_auto_extract
        self.mark_as_note = mark_as_note
        self.tags = tags
        self.scheduled_command = scheduled_command
        self.relationships = relationships
        self.entry_type = entry_type
        self.content_format = content_format
        self.execution_metrics = execution_metrics
        self.replace_existing = replace_existing

    def _outputs_key(self):
        if self.replace_existing:
            head, dot, last = self.outputs_prefix.rpartition(".")
            if not dot:
                raise DemistoException(
                    "outputs_prefix must be a nested path to replace an existing key."
                )
            return f"{head}(true)", {last: self.outputs}
        if self._outputs_key_field:
            clauses = " && ".join(
                f"val.{key} && val.{key} == obj.{key}"
                for key in self._outputs_key_field
            )
            return f"{self.outputs_prefix}({clauses})", self.outputs
        return self.outputs_prefix, self.outputs

    def to_context(self):
        """Returns the entry dict the platform receives for this result."""
        human_readable = self.readable_output or None
        outputs = {}
        indicators = [self.indicator] if self.indicator else self.indicators
        for indicator in indicators or ():
            for key, value in indicator.to_context().items():
                outputs.setdefault(key, []).append(value)

        if self.outputs is not None and self.outputs != []:
            if not self.readable_output:
                human_readable = (
                    tableToMarkdown("Results", self.outputs)
                    if isinstance(self.outputs, (dict, list))
                    else self.outputs
                )
            if self.outputs_prefix:
                key, value = self._outputs_key()
                outputs[key] = value
            else:
                outputs.update(self.outputs)

        content_format = self.content_format
        if content_format is None:
            textual = isinstance(self.raw_response, (str, bytes, int))
            content_format = EntryFormat.TEXT if textual else EntryFormat.JSON
        relationships = [
            relationship.to_entry()
            for relationship in self.relationships or ()
            if relationship.to_entry()
        ]
        timeline = (
            self.indicators_timeline.indicators_timeline
            if self.indicators_timeline
            else []
        )
        entry = {
            "Type": self.entry_type,
            "ContentsFormat": content_format,
            "Contents": self.raw_response,
            "HumanReadable": human_readable,
            "EntryContext": outputs,
            "IndicatorTimeline": timeline,
            "IgnoreAutoExtract": bool(self.ignore_auto_extract),
            "Note": bool(self.mark_as_note),
            "Relationships": relationships,
        }
        if self.tags:
            entry["Tags"] = self.tags
        if self.execution_metrics:
            entry.update(
                {
                    "Type": EntryType.EXECUTION_METRICS,
                    "Contents": "Metrics reported successfully.",
                    "ContentsFormat": EntryFormat.TEXT,
                    "APIExecutionMetrics": self.execution_metrics,
                }
            )
        if self.scheduled_command:
            entry.update(self.scheduled_command.to_results())
        return entry


def _key_fields(outputs_key_field):
    if not outputs_key_field:
        return []
    if isinstance(outputs_key_field, str):
        return [outputs_key_field]
    if isinstance(outputs_key_field, list):
        return outputs_key_field
    raise TypeError("outputs_key_field must be of type str or list")


def _runs_as_script():
    try:
        executed = demisto.callingContext["context"]["ExecutedCommands"][0]
        return executed["moduleBrand"] == "Scripts"
    except (KeyError, IndexError, TypeError):
        return False


def _is_script_metrics(result):
    return (
        isinstance(result, dict)
        and result.get("Type") == EntryType.EXECUTION_METRICS
        and _runs_as_script()
    )


def return_results(results):
    """Sends results to the War Room: CommandResults, entries, lists or plain values.

    In a list, result objects are sent one by one at once and the plain dicts and
    strings together in one call at the end.
    """
    if results is None:
        demisto.results(None)
        return
    if isinstance(results, list) and results:
        plain = []
        for result in results:
            if _is_script_metrics(result):
                continue
            if isinstance(result, (dict, str)):
                plain.append(result)
            else:
                return_results(result)
        if plain:
            demisto.results(plain)
        return
    if isinstance(results, CommandResults):
        demisto.results(results.to_context())
        return
    for method in ("to_display", "extract_mapping", "extract_for_local", "to_entry"):
        if hasattr(results, method):
            demisto.results(getattr(results, method)())
            return
    demisto.results(results)


def _cut_long_message(message):
    if len(message) <= MAX_ERROR_MESSAGE_LENGTH:
        return message
    half = MAX_ERROR_MESSAGE_LENGTH // 2
    return message[:half] + "...This error body was truncated..." + message[-half:]


def return_error(message, error="", outputs=None):
    """Sends an error entry and ends the command with sys.exit(0).

    Fetch and long-running commands raise Exception(message) instead, as the platform
    handles those errors itself.
    """
    LOG(message)
    if error:
        LOG(str(error))
    if sys.exc_info()[0] is not None:
        details = traceback.format_exc()
        LOG(details)
        if is_debug_mode():
            message = f"{message}\n\n{details}"
    LOG.print_log()

    message = message if isinstance(message, str) else str(message)
    command = demisto.command()
    if command in _SERVER_HANDLED_COMMANDS:
        raise Exception(message)
    if command == "get-modified-remote-data" and not isinstance(
        error, NotImplementedError
    ):
        message = "skip update. error: " + message
    demisto.results(
        {
            "Type": entryTypes["error"],
            "ContentsFormat": formats["text"],
            "Contents": _cut_long_message(message),
            "EntryContext": outputs,
        }
    )
    sys.exit(0)


def return_warning(
    message, exit=False, warning="", outputs=None, ignore_auto_extract=False
):
    """Sends a warning entry; ends the command with sys.exit(0) when exit is set."""
    LOG(message)
    if warning:
        LOG(str(warning))
    LOG.print_log()
    demisto.results(
        {
            "Type": entryTypes["warning"],
            "ContentsFormat": formats["text"],
            "IgnoreAutoExtract": ignore_auto_extract,
            "Contents": str(message),
            "EntryContext": outputs,
        }
    )
    if exit:
        sys.exit(0)


def return_outputs(
    readable_output,
    outputs=None,
    raw_response=None,
    timeline=None,
    ignore_auto_extract=False,
):
    """Sends one note entry (the older way to return results)."""
    timeline_list = [timeline] if isinstance(timeline, dict) else timeline
    for item in timeline_list or ():
        item.setdefault("Category", "Integration Update")
    entry = {
        "Type": entryTypes["note"],
        "HumanReadable": readable_output,
        "ContentsFormat": formats["text"]
        if isinstance(raw_response, STRING_TYPES)
        else formats["json"],
        "Contents": raw_response,
        "EntryContext": outputs,
        "IgnoreAutoExtract": ignore_auto_extract,
        "IndicatorTimeline": timeline_list,
    }
    if not outputs and raw_response is None:
        entry["Contents"] = readable_output
        entry["ContentsFormat"] = formats["text"]
    elif outputs and raw_response is None:
        entry["Contents"] = outputs
        entry["ContentsFormat"] = formats["json"]
    demisto.results(entry)


# Files -------------------------------------------------------------------------------


def _file_entry(filename, file_id, file_type):
    return {
        "Contents": "",
        "ContentsFormat": formats["text"],
        "Type": file_type,
        "File": filename,
        "FileID": file_id,
    }


def fileResult(filename, data, file_type=None):
    """Writes data to `<investigation id>_<unique id>` in the working folder.

    Every '../' is removed from filename. Returns the file entry.
    """
    if file_type is None:
        file_type = entryTypes["file"]
    file_id = demisto.uniqueFile()
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(f"{demisto.investigation()['id']}_{file_id}", "wb") as target:
        target.write(data)
    if isinstance(filename, str):
        filename = filename.replace("../", "")
    return _file_entry(filename, file_id, file_type)


def file_result_existing_file(filename, saveFilename=None):
    """Renames an existing file as fileResult names files and returns its entry."""
    file_id = demisto.uniqueFile()
    os.rename(filename, f"{demisto.investigation()['id']}_{file_id}")
    return _file_entry(saveFilename or filename, file_id, entryTypes["file"])


# Integration context -----------------------------------------------------------------


def is_versioned_context_available():
    """Tells whether the platform keeps versioned integration contexts (6.0.0+)."""
    return is_demisto_version_ge("6.0.0")


def get_integration_context(sync=True, with_version=False):
    """Returns the integration context (with its version when asked)."""
    if is_versioned_context_available():
        stored = demisto.getIntegrationContextVersioned(sync)
        return stored if with_version else stored.get("context", {})
    return demisto.getIntegrationContext()


def get_integration_context_with_version(sync=True):
    """Returns (context, version); the version is -1 on platforms without versions."""
    stored = get_integration_context(sync, with_version=True)
    if is_versioned_context_available():
        return stored.get("context", {}), stored.get("version", 0)
    return stored, -1


def set_integration_context(context, sync=True, version=-1):
    """Replaces the integration context (versioned on 6.0.0 and later)."""
    if is_versioned_context_available():
        return demisto.setIntegrationContextVersioned(context, version, sync)
    return demisto.setIntegrationContext(context)


def update_integration_context(context, object_keys=None, sync=True):
    """Merges context into the stored one, JSON-encoding each value, and saves it."""
    stored, version = get_integration_context_with_version(sync)
    for key, value in context.items():
        stored[key] = json.dumps(value)
    return set_integration_context(stored, sync, version)


# Proxy and TLS -----------------------------------------------------------------------

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def skip_proxy():
    """Removes the proxy variables from the process environment."""
    for name in _PROXY_VARIABLES:
        os.environ.pop(name, None)


def skip_cert_verification():
    """Removes the CA-bundle variables from the process environment."""
    for name in _CA_BUNDLE_VARIABLES:
        os.environ.pop(name, None)


def ensure_proxy_has_http_prefix():
    """Gives proxy variables without a scheme an 'http://' prefix."""
    for name in _PROXY_VARIABLES:
        value = os.environ.get(name)
        if value and not value.startswith("http"):
            os.environ[name] = "http://" + value


def handle_proxy(
    proxy_param_name="proxy",
    checkbox_default_value=False,
    handle_insecure=True,
    insecure_param_name=None,
):
    """Applies the proxy and insecure instance parameters to the environment.

    Returns:
        {'http': ..., 'https': ...} from the environment when the proxy parameter is
        on, else {} (and the proxy variables are removed).
    """
    params = demisto.params()
    proxies = {}
    if params.get(proxy_param_name, checkbox_default_value):
        ensure_proxy_has_http_prefix()
        proxies = {
            "http": os.environ.get("HTTP_PROXY") or os.environ.get("http_proxy", ""),
            "https": os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy", ""),
        }
    else:
        skip_proxy()
    if handle_insecure:
        names = (
            (insecure_param_name,) if insecure_param_name else ("insecure", "unsecure")
        )
        if any(params.get(name, False) for name in names):
            skip_cert_verification()
    return proxies


# HTTP client -------------------------------------------------------------------------


class SSLAdapter(HTTPAdapter):
    """An HTTPS adapter that accepts older ciphers, used when TLS is not verified."""

    def __init__(self, verify=True, **kwargs):
        self.context = ssl.create_default_context()
        try:
            self.context.set_ciphers("DEFAULT@SECLEVEL=1")
        except ssl.SSLError:
            pass
        if not verify:
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self.context
        return super().init_poolmanager(*args, **kwargs)


_CONNECT_TIMEOUT_MESSAGE = (
    "Connection Timeout Error - potential reasons might be that the Server URL "
    "parameter is incorrect or that the Server is not accessible from your host."
)
_SSL_MESSAGE = (
    "SSL Certificate Verification Failed - try selecting 'Trust any "
    "certificate' checkbox in the integration configuration."
)
_PROXY_MESSAGE = (
    "Proxy Error - if the 'Use system proxy' checkbox in the integration "
    "configuration is selected, try clearing the checkbox."
)
_CONNECTION_MESSAGE = (
    "Verify that the server URL parameter is correct and that you have "
    "access to the server from your host."
)


def _calling_entity_name():
    context = (getattr(demisto, "callingContext", None) or {}).get("context") or {}
    return context.get("IntegrationBrand") or context.get("ScriptName") or ""


class BaseClient:
    """The platform's HTTP client base: one session, status checks, readable errors.

    Creating one changes the process environment as the platform does: proxy=False
    removes the proxy variables, proxy=True gives them an http:// prefix, and
    verify=False removes the CA-bundle variables.
    """

    REQUESTS_TIMEOUT = 60

    def __init__(
        self,
        base_url,
        verify=True,
        proxy=False,
        ok_codes=tuple(),
        headers=None,
        auth=None,
        timeout=REQUESTS_TIMEOUT,
    ):
        self._base_url = base_url
        self._verify = verify
        self._ok_codes = ok_codes
        self._headers = headers
        self._auth = auth
        self._session = requests.Session()
        if proxy:
            ensure_proxy_has_http_prefix()
        else:
            skip_proxy()
        if not verify:
            skip_cert_verification()
            if sys.version_info >= (3, 10):
                self._session.mount("https://", SSLAdapter(verify=verify))
        entity_timeout = os.getenv(f"REQUESTS_TIMEOUT.{_calling_entity_name()}")
        self.timeout = float(entity_timeout or os.getenv("REQUESTS_TIMEOUT") or timeout)
        self.execution_metrics = ExecutionMetrics()

    def __del__(self):
        try:
            metrics = self.execution_metrics.metrics
            if metrics:
                return_results(metrics)
            self._session.close()
        except Exception:  # noqa: BLE001 - nothing may escape a finaliser
            pass

    def _implement_retry(
        self,
        retries=0,
        status_list_to_retry=None,
        backoff_factor=5,
        raise_on_redirect=False,
        raise_on_status=False,
    ):
        """Mounts a retrying adapter on https:// only (plain http is never retried)."""
        retry = Retry(
            total=retries,
            read=retries,
            connect=retries,
            status=retries,
            backoff_factor=backoff_factor,
            status_forcelist=status_list_to_retry,
            raise_on_status=raise_on_status,
            raise_on_redirect=raise_on_redirect,
            allowed_methods=frozenset(["GET", "POST", "PUT", "PATCH", "DELETE"]),
        )
        if self._verify:
            adapter = HTTPAdapter(max_retries=retry)
        else:
            adapter = SSLAdapter(max_retries=retry, verify=self._verify)
        self._session.mount("https://", adapter)

    def _http_request(
        self,
        method,
        url_suffix="",
        full_url=None,
        headers=None,
        auth=None,
        json_data=None,
        params=None,
        data=None,
        files=None,
        timeout=None,
        resp_type="json",
        ok_codes=None,
        return_empty_response=False,
        retries=0,
        status_list_to_retry=None,
        backoff_factor=5,
        raise_on_redirect=False,
        raise_on_status=False,
        error_handler=None,
        empty_valid_codes=None,
        params_parser=None,
        with_metrics=False,
        **kwargs,
    ):
        """Sends one request and returns the reply cast to resp_type.

        Raises:
            DemistoException: a bad status (unless error_handler returns), a reply
                that cannot be cast, or a connection, TLS, proxy or retry failure.
        """
        try:
            address = full_url or urljoin(self._base_url, url_suffix)
            if retries:
                self._implement_retry(
                    retries,
                    status_list_to_retry,
                    backoff_factor,
                    raise_on_redirect,
                    raise_on_status,
                )
            if params and params_parser:
                params = urllib.parse.urlencode(params, quote_via=params_parser)
            response = self._session.request(
                method,
                address,
                verify=self._verify,
                params=params,
                data=data,
                json=json_data,
                files=files,
                headers=headers or self._headers,
                auth=auth or self._auth,
                timeout=timeout or self.timeout,
                **kwargs,
            )

            if not self._is_status_code_valid(response, ok_codes):
                self._handle_error(error_handler, response, with_metrics)
            return self._handle_success(
                response,
                resp_type,
                empty_valid_codes,
                return_empty_response,
                with_metrics,
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise DemistoException(_CONNECT_TIMEOUT_MESSAGE, exc) from exc
        except requests.exceptions.SSLError as exc:
            if not self._verify:
                raise
            raise DemistoException(_SSL_MESSAGE, exc) from exc
        except requests.exceptions.ProxyError as exc:
            raise DemistoException(_PROXY_MESSAGE, exc) from exc
        except requests.exceptions.ConnectionError as exc:
            raise DemistoException(_connection_message(exc), exc) from exc
        except requests.exceptions.RetryError as exc:
            raise DemistoException(_retry_message(exc, retries), exc) from exc

    def _is_status_code_valid(self, response, ok_codes=None):
        """Checks the status against ok_codes (or the client's), else response.ok."""
        codes = ok_codes or self._ok_codes
        if codes:
            return response.status_code in codes
        return response.ok

    def _handle_error(self, error_handler, response, with_metrics=False):
        if with_metrics:
            self._count_error(response)
        if error_handler:
            error_handler(response)
        else:
            self.client_error_handler(response)

    def _handle_success(
        self,
        response,
        resp_type,
        empty_valid_codes,
        return_empty_response,
        with_metrics=False,
    ):
        if with_metrics:
            self.execution_metrics.success += 1
        if (
            response.status_code in (empty_valid_codes or [204])
            and return_empty_response
        ):
            return response
        return self.cast_response(response, resp_type)

    def cast_response(self, res, resp_type, raise_on_error=True):
        """Returns the reply as json, text, content or the Response itself.

        'xml' parses the text but, as on the platform, returns the Response.
        """
        resp_type = resp_type.lower()
        try:
            if resp_type == "json":
                return res.json()
            if resp_type == "text":
                return res.text
            if resp_type == "content":
                return res.content
            if resp_type == "xml":
                ET.fromstring(res.text)
            return res
        except ValueError as exc:
            if raise_on_error:
                raise DemistoException(
                    f"Failed to parse {resp_type} object from response: {res.content}",
                    exc,
                    res,
                ) from exc
            return None

    def client_error_handler(self, res):
        """Raises `Error in API call [<status>] - <reason>` with the body appended."""
        message = f"Error in API call [{res.status_code}] - {res.reason}"
        try:
            body = json.dumps(res.json())
        except ValueError:
            body = res.text
        raise DemistoException(f"{message}\n{body}", res=res)

    def _count_error(self, response):
        category = self.determine_error_type(response)
        attribute = {
            ErrorTypes.AUTH_ERROR: "auth_error",
            ErrorTypes.QUOTA_ERROR: "quota_error",
            ErrorTypes.SERVICE_ERROR: "service_error",
        }.get(category, "general_error")
        setattr(
            self.execution_metrics,
            attribute,
            getattr(self.execution_metrics, attribute) + 1,
        )

    def determine_error_type(self, response):
        """Returns the ErrorTypes category of a failed reply."""
        return {
            401: ErrorTypes.AUTH_ERROR,
            429: ErrorTypes.QUOTA_ERROR,
            500: ErrorTypes.SERVICE_ERROR,
        }.get(response.status_code, ErrorTypes.GENERAL_ERROR)

    def is_polling_in_progress(self, response):
        """Tells whether a reply means a polling step is still running (never here)."""
        return False


def _connection_message(exc):
    error_type = f"<{type(exc).__module__}.{type(exc).__name__}>"
    message = f"{_CONNECTION_MESSAGE}\nError Type: {error_type}"
    if exc.errno and exc.strerror:
        return f"{message}\nError Number: [{exc.errno}]\nMessage: {exc.strerror}\n"
    return f"{message}\n{exc}"


def _retry_message(exc, retries):
    try:
        reason = f"Reason: {exc.args[0].reason.args[0]}"
    except (AttributeError, IndexError, TypeError):
        reason = ""
    return (
        f"Max Retries Error- Request attempts with {retries} retries failed. \n{reason}"
    )
