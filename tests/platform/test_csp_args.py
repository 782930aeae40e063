"""Argument and value helpers of CommonServerPython (shared/xsoar-platform.md B.3)."""

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

import CommonServerPython as csp
from CommonServerPython import (
    argToBoolean,
    argToList,
    arg_to_datetime,
    arg_to_number,
    assign_params,
    batch,
    createContext,
    dict_safe_get,
    get_error,
    is_error,
    remove_empty_elements,
    remove_nulls_from_dictionary,
    timestamp_to_datestring,
    urljoin,
)

STAR_EXPORTED = (
    "base64 binascii gc json logging os re socket sys time traceback types urllib "
    "gzip ssl warnings randint ET OrderedDict datetime timedelta abstractmethod "
    "LooseVersion Lock wraps currentframe requests HTTPAdapter Retry disable_warnings "
    "Optional Dict List Any Union Set cast dateparser timezone demisto"
).split()


def star_namespace() -> dict:
    namespace: dict = {}
    exec("from CommonServerPython import *", namespace)
    return namespace


def test_star_import_exports_the_platform_names():
    namespace = star_namespace()

    assert [name for name in STAR_EXPORTED if name not in namespace] == []
    assert namespace["datetime"] is datetime
    assert namespace["timedelta"] is timedelta


@pytest.mark.parametrize(
    "name", ["Tuple", "Callable", "Iterable", "urllib3", "__all__", "lru_cache"]
)
def test_star_import_does_not_export_names_the_platform_lacks(name):
    assert name not in star_namespace()
    assert not hasattr(csp, "__all__")


def test_lazy_dateparser_reaches_the_real_module():
    assert csp.dateparser.parse("2024-01-02T03:04:05Z") == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    ("arg", "options", "expected"),
    [
        pytest.param(None, {}, [], id="none"),
        pytest.param("", {}, [], id="empty"),
        pytest.param(["a", 1], {}, ["a", 1], id="list-as-is"),
        pytest.param("a, b ,c", {}, ["a", "b", "c"], id="stripped"),
        pytest.param("a,,b", {}, ["a", "", "b"], id="empty-parts-stay"),
        pytest.param('["x", 2]', {}, ["x", 2], id="json-list"),
        pytest.param("[a, b]", {}, ["[a", "b]"], id="bad-json-split"),
        pytest.param("a;b", {"separator": ";"}, ["a", "b"], id="separator"),
        pytest.param(5, {}, [5], id="other-type"),
        pytest.param("1,2", {"transform": int}, [1, 2], id="transform"),
    ],
)
def test_arg_to_list(arg, options, expected):
    assert argToList(arg, **options) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("YES", True),
        ("False", False),
        ("no", False),
    ],
)
def test_arg_to_boolean(value, expected):
    assert argToBoolean(value) is expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("maybe", "Argument does not contain a valid boolean-like value"),
        (1, "Argument is neither a string nor a boolean"),
        (None, "Argument is neither a string nor a boolean"),
    ],
)
def test_arg_to_boolean__refuses(value, message):
    with pytest.raises(ValueError) as error:
        argToBoolean(value)

    assert str(error.value) == message


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("12", 12),
        ("1.9", 1),
        ("-3", -3),
        (" 5 ", 5),
        ("1e3", 1000),
        (7, 7),
        (True, True),
        (None, None),
        ("", None),
    ],
)
def test_arg_to_number(arg, expected):
    assert arg_to_number(arg) == expected


@pytest.mark.parametrize(
    ("arg", "arg_name", "required", "message"),
    [
        pytest.param(None, "limit", True, 'Missing "limit"', id="missing-named"),
        pytest.param("", None, True, "Missing required argument", id="missing"),
        pytest.param(
            "abc", "limit", False, 'Invalid number: "limit"="abc"', id="named"
        ),
        pytest.param("abc", None, False, '"abc" is not a valid number', id="unnamed"),
        pytest.param(1.5, None, False, '"1.5" is not a valid number', id="float"),
        pytest.param("inf", None, False, '"inf" is not a valid number', id="infinite"),
    ],
)
def test_arg_to_number__refuses(arg, arg_name, required, message):
    with pytest.raises(ValueError) as error:
        arg_to_number(arg, arg_name=arg_name, required=required)

    assert str(error.value) == message


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        pytest.param(
            "1700000000",
            datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
            id="epoch-text",
        ),
        pytest.param(
            1700000000000,
            datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
            id="epoch-ms",
        ),
        pytest.param("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5), id="naive"),
        pytest.param(
            "2024-01-02T03:04:05Z",
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
            id="zulu",
        ),
        pytest.param(
            "2024-01-02T03:04:05+02:00",
            datetime(2024, 1, 2, 1, 4, 5, tzinfo=timezone.utc),
            id="offset",
        ),
    ],
)
def test_arg_to_datetime(arg, expected):
    parsed = arg_to_datetime(arg)

    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@freeze_time("2024-05-10 12:00:00")
def test_arg_to_datetime__relative_text_counts_back_from_now():
    assert arg_to_datetime("3 days") == datetime(2024, 5, 7, 12, 0, 0)


@pytest.mark.parametrize(
    ("arg", "arg_name", "message"),
    [
        ("garbage", "since", 'Invalid date: "since"="garbage"'),
        ("", None, '"" is not a valid date'),
        ([1], None, '"[1]" is not a valid date'),
    ],
)
def test_arg_to_datetime__refuses(arg, arg_name, message):
    with pytest.raises(ValueError) as error:
        arg_to_datetime(arg, arg_name=arg_name)

    assert str(error.value) == message


def test_arg_to_datetime__missing():
    assert arg_to_datetime(None) is None
    with pytest.raises(ValueError, match='^Missing "since"$'):
        arg_to_datetime(None, arg_name="since", required=True)


def test_assign_params_keeps_zero_and_false_and_order():
    params = assign_params(
        a=0, b=False, c=None, d="", e=[], f={}, g=(), h="x", keys_to_ignore=["h"]
    )

    assert list(params.items()) == [("a", 0), ("b", False)]


def test_assign_params__values_to_ignore():
    assert assign_params(values_to_ignore=(0,), a=0, b=None) == {"b": None}


def test_remove_empty_elements():
    data = {
        "a": None,
        "b": {"c": {}, "d": [None, {}, 0]},
        "e": "",
        "f": False,
        "g": [[]],
    }

    assert remove_empty_elements(data) == {"b": {"d": [0]}, "e": "", "f": False}
    assert remove_empty_elements(5) == 5


def test_remove_nulls_from_dictionary_is_in_place_and_shallow():
    data = {"a": "", "b": None, "c": [], "d": {}, "e": (), "f": 0, "g": {"h": None}}

    assert remove_nulls_from_dictionary(data) is None
    assert data == {"f": 0, "g": {"h": None}}


def test_create_context():
    data = [{"a.b.c": 1, "x": "", "y": 2}, {"z": 3}]

    context = createContext(data, id=7, keyTransform=str.upper, removeNull=True)

    assert context == [{"a": {"b": {"C": 1}}, "Y": 2, "ID": 7}, {"Z": 3, "ID": 7}]


@pytest.mark.parametrize(
    ("url", "suffix", "expected"),
    [
        ("http://h", "/api", "http://h/api"),
        ("http://h/", "api", "http://h/api"),
        ("http://h/", "/api", "http://h/api"),
        ("http://h", "", "http://h/"),
    ],
)
def test_urljoin(url, suffix, expected):
    assert urljoin(url, suffix) == expected


def test_dict_safe_get():
    data = {"a": [{"b": 1}]}

    assert dict_safe_get(data, ["a", 0, "b"]) == 1
    assert dict_safe_get(data, ["a", 3, "b"], "none") == "none"
    assert dict_safe_get(data, ["a", 0, "b"], "x", str, False) == "x"
    with pytest.raises(TypeError):
        dict_safe_get(data, ["a", 0, "b"], return_type=str)


def test_batch():
    assert list(batch([1, 2, 3, 4, 5], batch_size=2)) == [[1, 2], [3, 4], [5]]
    assert list(batch(iter(range(3)), batch_size=2)) == [[0, 1], [2]]


def test_is_error_and_get_error():
    error = {"Type": 4, "Contents": "bad"}
    note = {"Type": 1, "Contents": "ok"}

    assert is_error(error) and is_error([error, note])
    assert not is_error(note) and not is_error(None) and not is_error([])
    assert get_error(error) == "bad"
    assert get_error([error, {"Type": 4, "Contents": "worse"}]) == "bad\nworse"
    with pytest.raises(ValueError):
        get_error(note)


def test_timestamp_to_datestring():
    assert timestamp_to_datestring(1700000000123) == "2023-11-14T22:13:20.000Z"
    assert (
        timestamp_to_datestring(0, "%Y-%m-%d %H:%M", is_utc=True) == "1970-01-01 00:00"
    )


@pytest.mark.parametrize(
    ("score", "word"),
    [
        (4, "Critical"),
        (3, "Bad"),
        (2, "Suspicious"),
        (1, "Good"),
        (0.5, "Informational"),
        (0, "Unknown"),
        (9, "None"),
    ],
)
def test_score_to_reputation(score, word):
    assert csp.scoreToReputation(score) == word


def test_reliability_from_string():
    reliability = csp.DBotScoreReliability

    assert (
        reliability.get_dbot_score_reliability_from_str("B - Usually reliable")
        == reliability.B
    )
    with pytest.raises(Exception, match="^Please use supported reliability only.$"):
        reliability.get_dbot_score_reliability_from_str("B")


def test_dbot_score_type_keeps_the_cidr_quirk():
    assert csp.DBotScoreType.CIDR == ("cidr",)
    assert csp.DBotScoreType.is_valid_type(csp.DBotScoreType.CIDR)
    assert not csp.DBotScoreType.is_valid_type("cidr")


def test_demisto_exception():
    cause = OSError("down")

    error = csp.DemistoException("failed", cause, res="reply", error_type="AuthError")

    assert str(error) == "failed"
    assert error.args == ("failed", cause, "AuthError")
    assert (error.message, error.exception, error.res) == ("failed", cause, "reply")


def test_integration_logger_masks_secret_params(monkeypatch):
    params = {
        "credentials": {"identifier": "client", "password": "s3cret-pass"},
        "api_key": "key-123456",
        "url": "https://vision.example",
    }
    monkeypatch.setattr(csp.demisto, "params", lambda: params)
    shown = []
    monkeypatch.setattr(csp.demisto, "info", shown.append)
    logger = csp.IntegrationLogger()

    logger("calling https://vision.example with s3cret-pass and key-123456")
    logger("basic Y2xpZW50OnMzY3JldC1wYXNz")
    logger.print_log()

    assert shown == [
        "calling https://vision.example with <XX_REPLACED> and <XX_REPLACED>\n"
        "basic <XX_REPLACED>"
    ]
    assert logger.messages == []
