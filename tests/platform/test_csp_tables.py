"""tableToMarkdown, stringEscapeMD and JsonTransformer against the platform's rules.

The golden strings are the worked examples of shared/xsoar-platform.md B.4.
"""

import pytest

from CommonServerPython import (
    JsonTransformer,
    pascalToSpace,
    string_to_table_header,
    stringEscapeMD,
    tableToMarkdown,
    tblToMd,
)


@pytest.mark.parametrize(
    ("name", "table", "options", "expected"),
    [
        pytest.param(
            "Results",
            [
                {
                    "id": 1,
                    "name": "a|b",
                    "tags": ["x", "y"],
                    "meta": {"k": "v"},
                    "note": None,
                    "desc": "l1\nl2",
                }
            ],
            {},
            "### Results\n|desc|id|meta|name|note|tags|\n|---|---|---|---|---|---|\n"
            "| l1<br>l2 | 1 | k: v | a\\|b |  | x,<br>y |\n",
            id="mixed-cells",
        ),
        pytest.param(
            "T",
            {"a": 1, "b": True},
            {},
            "### T\n|a|b|\n|---|---|\n| 1 | true |\n",
            id="one-dict",
        ),
        pytest.param(
            "T",
            {"ids": ["1", "2"]},
            {},
            "### T\n|ids|\n|---|\n| 1 |\n| 2 |\n",
            id="single-key-column",
        ),
        pytest.param(
            "T",
            ["x", "y"],
            {"headers": "Name"},
            "### T\n|Name|\n|---|\n| x |\n| y |\n",
            id="scalars-with-header",
        ),
        pytest.param(
            "",
            [{"b": 2, "a": 1}],
            {"headers": ["b", "a", "c"]},
            "|b|a|c|\n|---|---|---|\n| 2 | 1 |  |\n",
            id="given-headers",
        ),
        pytest.param("T", None, {}, "### T\n**No entries.**\n", id="none"),
        pytest.param("T", [], {}, "### T\n**No entries.**\n", id="empty-list"),
    ],
)
def test_table_to_markdown__worked_examples(name, table, options, expected):
    assert tableToMarkdown(name, table, **options) == expected


def test_table_to_markdown__headers_come_from_the_first_row_only():
    rows = [{"b": 1}, {"a": 2, "b": 3}]

    assert tableToMarkdown("T", rows) == "### T\n|b|\n|---|\n| 1 |\n| 3 |\n"


def test_table_to_markdown__sort_headers_false_keeps_key_order():
    table = tableToMarkdown(None, {"b": 1, "a": 2}, sort_headers=False)

    assert table == "|b|a|\n|---|---|\n| 1 | 2 |\n"


def test_table_to_markdown__remove_null_drops_columns_empty_in_every_row():
    rows = [{"a": 1, "b": None, "c": ""}, {"a": 2, "b": [], "c": "x"}]

    table = tableToMarkdown("T", rows, removeNull=True)

    assert table == "### T\n|a|c|\n|---|---|\n| 1 |  |\n| 2 | x |\n"


def test_table_to_markdown__metadata_and_header_transform():
    table = tableToMarkdown(
        "T",
        [{"first_name": "Ann"}],
        metadata="Two rows",
        headerTransform=string_to_table_header,
    )

    assert table == "### T\nTwo rows\n|First Name|\n|---|\n| Ann |\n"


def test_table_to_markdown__default_header_transform_escapes_pipes_and_breaks():
    table = tableToMarkdown(None, [{"a|b\nc": 1}])

    assert table.splitlines()[0] == "|a\\|b<br>c|"


def test_table_to_markdown__url_keys_become_links_at_any_depth():
    rows = [
        {
            "link": "https://a.example/x",
            "more": {"link": ["https://b.example"]},
            "empty": "",
        }
    ]

    table = tableToMarkdown(None, rows, url_keys=["link", "empty"])

    assert table.splitlines()[2] == (
        "|  | [https://a.example/x](https://a.example/x) | "
        "link: [https://b.example](https://b.example) |"
    )


def test_table_to_markdown__cells_of_nested_values():
    rows = [
        {
            "a": [{"k": 1}],
            "b": {"x": {"y": 1}, "z": [1, 2]},
            "c": 0,
            "d": 1.5,
            "e": False,
            "f": [],
            "g": {},
        }
    ]

    cells = tableToMarkdown(None, rows).splitlines()[2]

    assert cells == (
        "| {'k': 1} | x: {\"y\": 1}<br>z: 1,<br>2 | 0 | 1.5 | false |  |  |"
    )


def test_table_to_markdown__backticks_and_carriage_returns_are_escaped():
    cells = tableToMarkdown(None, [{"a": "`x`\r\ny\rz"}]).splitlines()[2]

    assert cells == "| \\`x\\`<br>y<br>z |"


def test_table_to_markdown__a_list_of_scalars_needs_headers():
    with pytest.raises(Exception) as error:
        tableToMarkdown("T", ["x"])

    assert str(error.value) == (
        "Missing headers param for tableToMarkdown. Example: headers=['Some Header']"
    )


def test_table_to_markdown__single_key_with_empty_list_fails_as_upstream():
    with pytest.raises(IndexError):
        tableToMarkdown("T", {"k": []})


def test_table_to_markdown__single_key_with_dict_gives_an_empty_cell():
    assert tableToMarkdown("T", {"k": {"a": 1}}) == "### T\n|k|\n|---|\n|  |\n"


def test_table_to_markdown__date_fields_are_rendered_in_local_time():
    table = tableToMarkdown(
        None, [{"when": 0, "bad": "x"}], date_fields=["when", "bad"]
    )

    from datetime import datetime

    local = datetime.fromtimestamp(0).strftime("%Y-%m-%d %H:%M:%S")
    assert table.splitlines()[2] == f"| x | {local} |"


def test_table_to_markdown__auto_json_transform_renders_a_tree():
    rows = [{"a": {"b": {"c": "1"}, "d": ["x", "y"]}}]

    table = tableToMarkdown(None, rows, is_auto_json_transform=True)

    assert table.splitlines()[2] == (
        "| **b**:<br>\t***c***: 1<br>**d**:<br>\t***values***: x, y |"
    )


def test_table_to_markdown__json_transformer_keys_and_function():
    rows = [{"a": {"keep": "1", "drop": "2"}, "b": {"n": 1}}]
    mapping = {
        "a": JsonTransformer(keys=["keep"]),
        "b": JsonTransformer(func=lambda value: f"n={value['n']}"),
    }

    table = tableToMarkdown(None, rows, json_transform_mapping=mapping)

    assert table.splitlines()[2] == "| ***keep***: 1 | n=1 |"


def test_tbl_to_md_is_an_alias():
    assert tblToMd is tableToMarkdown


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        pytest.param("a*b_c|d", {}, "a\\*b\\_c\\|d", id="full"),
        pytest.param(
            "\\`*_{}[]()#+-!|",
            {},
            "\\\\\\`\\*\\_\\{\\}\\[\\]\\(\\)\\#\\+\\-\\!\\|",
            id="every-char",
        ),
        pytest.param(
            "a*b|`c`", {"minimal_escaping": True}, "a*b\\|\\`c\\`", id="minimal"
        ),
        pytest.param(
            "a\r\nb\nc\rd",
            {"escape_multiline": True, "minimal_escaping": True},
            "a<br>b<br>c<br>d",
            id="multiline",
        ),
    ],
)
def test_string_escape_md(text, options, expected):
    assert stringEscapeMD(text, **options) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ThreatScore", "Threat Score"),
        ("threatScore", "Threat Score"),
        ("MD5Hash", "MD5 Hash"),
        ("Id", "Id"),
    ],
)
def test_pascal_to_space(text, expected):
    assert pascalToSpace(text) == expected


def test_string_to_table_header():
    assert string_to_table_header("one_two three") == "One Two Three"
    with pytest.raises(Exception) as error:
        string_to_table_header(5)
    assert str(error.value) == "The key is not a string: 5"
