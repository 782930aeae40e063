"""Reading War Room command lines: quoting, escapes, and the errors a typo gives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xsoar_local.commandline import CommandLine, CommandLineError, parse_command_line

PARSED_LINES = [
    pytest.param("!test-module", CommandLine("test-module", {}), id="no-arguments"),
    pytest.param("cofense-x id=7", CommandLine("cofense-x", {"id": "7"}),
                 id="without-bang"),
    pytest.param("  !cofense-x   id=7   ", CommandLine("cofense-x", {"id": "7"}),
                 id="surrounding-spaces"),
    pytest.param('!cofense-x a=b c="quoted value" d=\'single\'',
                 CommandLine("cofense-x",
                             {"a": "b", "c": "quoted value", "d": "single"}),
                 id="three-quote-styles"),
    pytest.param(r'!cofense-x e="with \"esc\""',
                 CommandLine("cofense-x", {"e": 'with "esc"'}),
                 id="escaped-double-quote"),
    pytest.param(r'!cofense-x p="C:\\temp\d+"',
                 CommandLine("cofense-x", {"p": r"C:\temp\d+"}),
                 id="backslash-escapes-only-quote-and-backslash"),
    pytest.param(r"!cofense-x p='it\'", CommandLine("cofense-x", {"p": "it\\"}),
                 id="single-quotes-are-literal"),
    pytest.param("!cofense-x q=a=b=c", CommandLine("cofense-x", {"q": "a=b=c"}),
                 id="equals-inside-value"),
    pytest.param('!cofense-x emails="<a@b.c>:x@y.z, <d@e.f>:g@h.i"',
                 CommandLine("cofense-x", {"emails": "<a@b.c>:x@y.z, <d@e.f>:g@h.i"}),
                 id="angle-brackets-colons-commas"),
    pytest.param("!cofense-x sort=id:asc,date:desc",
                 CommandLine("cofense-x", {"sort": "id:asc,date:desc"}),
                 id="bare-commas-and-colons"),
    pytest.param("!cofense-x json=`[{\"a\": 'b'}]`",
                 CommandLine("cofense-x", {"json": "[{\"a\": 'b'}]"}),
                 id="backticks-keep-both-quotes"),
    pytest.param('!cofense-x v=pre"mid dle"post',
                 CommandLine("cofense-x", {"v": "premid dlepost"}),
                 id="quoted-part-inside-bare-value"),
    pytest.param('!cofense-x empty= other=""',
                 CommandLine("cofense-x", {"empty": "", "other": ""}),
                 id="empty-values"),
    pytest.param("!cofense-x page=-1", CommandLine("cofense-x", {"page": "-1"}),
                 id="negative-number"),
    pytest.param("!cofense-x\tid=7\nsize=2",
                 CommandLine("cofense-x", {"id": "7", "size": "2"}),
                 id="tabs-newlines"),
    pytest.param('!cofense-x s="ünïcödé ✓"',
                 CommandLine("cofense-x", {"s": "ünïcödé ✓"}), id="unicode"),
]

REFUSED_LINES = [
    pytest.param("", "no command given", id="empty"),
    pytest.param("  !  ", "no command given", id="only-bang"),
    pytest.param("!!cofense-x", "'!cofense-x' is not a command name", id="double-bang"),
    pytest.param('!"cofense-x"', "'cofense-x' is not a command name",
                 id="quoted-command"),
    pytest.param('!cofense-x a="open',
                 'unbalanced " quote: the one opened at column 13',
                 id="unbalanced-double"),
    pytest.param("!cofense-x a='open", "unbalanced ' quote", id="unbalanced-single"),
    pytest.param(r'!cofense-x a="ends with escape\"', 'unbalanced " quote',
                 id="escaped-closing-quote"),
    pytest.param("!cofense-x a=1 stray", "'stray' is not an argument: write it as "
                 "name=value", id="token-without-equals"),
    pytest.param('!cofense-x "a=1"', "'a=1' is not an argument", id="quoted-equals"),
    pytest.param("!cofense-x =1", "'=1' is not an argument: '' is no argument name",
                 id="empty-name"),
    pytest.param("!cofense-x 1a=1", "'1a' is no argument name", id="digit-first-name"),
    pytest.param("!cofense-x id=1 size=2 id=3", "argument 'id' is given more than once",
                 id="repeated-argument"),
    pytest.param("!cofense-x http://u:UrlPw999@h", "'http://u:********@h' is not an "
                 "argument", id="url-password-masked"),
]


@pytest.mark.parametrize("line, expected", PARSED_LINES)
def test_parse_command_line(line, expected):
    assert parse_command_line(line) == expected


@pytest.mark.parametrize("line, message", REFUSED_LINES)
def test_parse_command_line__refused(line, message):
    with pytest.raises(CommandLineError) as caught:
        parse_command_line(line)

    assert message in str(caught.value)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_double_quoted_value__round_trips(value):
    """Any text, escaped the way the hunt script does, comes back unchanged."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')

    parsed = parse_command_line(f'!cofense-x v="{escaped}"')

    assert parsed.args == {"v": value}
