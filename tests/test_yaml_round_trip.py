"""The hand-written YAML writer and comment reader against a round-trip corpus: whatever the
writer writes, `yaml.safe_load` reads back as the same value (every scalar kind, control
characters, lone surrogates, odd keys), and every comment lands on the key it belongs to
(in every position, beside quotes, around block scalars)."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sekha_migrate.dialects.yaml_text import render_document
from sekha_migrate.findings import DataPath
from sekha_migrate.sources.yaml_comments import KeyComments, comments_by_key
from sekha_migrate.sources.yaml_doc import load_yaml

# ---- the writer: what it writes reads back as what it was given -------------------------

AWKWARD_TEXT = {
    # `$` matches before a final newline: a plain-text test written with it let "A\n" out
    # unquoted, and as a key the newline broke the mapping (found by the property test below)
    "word and newline": "A\n",
    "delete": "a\x7fb",  # U+007F: not printable in YAML
    "c1": "a\x80b\x9fc",  # C1 controls
    "next line": "a\x85b",  # NEL: a line break to YAML 1.1
    "line separator": "a\u2028b\u2029c",  # line breaks to YAML 1.1 too
    "lone high surrogate": "a\ud800b",
    "lone low surrogate": "\udfff",
    "bom inside": "a\ufeffb",
    "non-characters": "\ufffe\uffff",
    "nul and escape": "\x00\x1b[31m",
    "tab and newlines": "a\tb\nc\r\nd",
    "astral": "\U0001f600 \U0010ffff",
    "quotes": "it's \"quoted\" \\ back",
    "hash": "a #b",
    "leading space": " x",
    "trailing space": "x ",
    "empty": "",
    "colon": "a: b",
    "dash": "- x",
    "looks like null": "null",
    "looks like tilde": "~",
    "looks like bool": "yes",
    "looks like int": "0x1F",
    "looks like octal": "0o17",
    "looks like float": "1e3",
    "looks like date": "2026-12-04",
    "looks like merge": "<<",
    "indicator start": "&anchor",
    "percent": "%TAG",
    "backtick": "`x`",
}

SCALARS: dict[str, Any] = {
    "null": None,
    "true": True,
    "false": False,
    "zero": 0,
    "negative": -17,
    "big": 2**70,
    "float": 0.1,
    "tiny": 1e-05,
    "huge": 1e300,
    "negative zero": -0.0,
    "inf": math.inf,
    "minus inf": -math.inf,
    "date": datetime.date(2026, 12, 4),
    "datetime": datetime.datetime(2026, 12, 4, 19, 5, 30, 123456),
    "aware datetime": datetime.datetime(2026, 12, 4, 19, 5, tzinfo=datetime.timezone.utc),
    "empty list": [],
    "empty mapping": {},
}

ODD_KEYS: list[dict[Any, Any]] = [
    {None: "null key"},
    {True: "true key", False: "false key"},
    {1: "int key", -2: "negative key", 0: "zero key"},
    {1.5: "float key"},
    {"None": "text None", "True": "text True", "1": "text 1", "null": "text null"},
    {"": "empty key", " ": "space key", "a: b": "colon key", "#x": "hash key"},
    {"\x7f": "delete key", "\ud800": "surrogate key"},
    {datetime.date(2026, 1, 2): "date key"},
]


def _round_trip(document: dict[Any, Any]) -> Any:
    return yaml.safe_load(render_document(document))


@pytest.mark.parametrize("name", sorted(AWKWARD_TEXT))
def test_awkward_text_reads_back_as_written(name: str) -> None:
    document = {"value": AWKWARD_TEXT[name], "listed": [AWKWARD_TEXT[name]]}
    assert _round_trip(document) == document


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_every_scalar_kind_reads_back_as_itself(name: str) -> None:
    document = {"value": SCALARS[name], "nested": {"value": SCALARS[name]}}
    back = _round_trip(document)
    assert back == document
    assert type(back["value"]) is type(SCALARS[name])


def test_negative_zero_keeps_its_sign() -> None:
    assert math.copysign(1.0, _round_trip({"value": -0.0})["value"]) == -1.0


def test_nan_reads_back_as_nan() -> None:
    assert math.isnan(_round_trip({"value": math.nan})["value"])


@pytest.mark.parametrize("keys", ODD_KEYS, ids=repr)
def test_odd_keys_keep_their_type(keys: dict[Any, Any]) -> None:
    document = {"other": keys, "items": [keys]}
    back = _round_trip(document)
    assert back == document
    assert [type(key) for key in back["other"]] == [type(key) for key in keys]


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_any_text_reads_back_as_written(text: str) -> None:
    document = {"value": text, "other": {text: text}}
    assert _round_trip(document) == document


# ---- the comment reader: each comment on the key it belongs to ---------------------------


def _comments(text: str) -> dict[DataPath, KeyComments]:
    return comments_by_key(text, load_yaml(text).key_marks)


COMMENTED = """\
# opening the file
version: "2.0"  # end of a quoted value
name: don't panic  # after an apostrophe in a plain value
quoted: 'it''s # not a comment'  # after a quoted value holding a hash
double: "a \\" # still inside"  # after an escaped quote
plain: a#b  # a hash without a space before it is text
url: http://x/#frag  # a fragment
# above a mapping
section:  # on a mapping's own line
  # above a nested key
  inner: 1
  list:
    # above a list item
    - id: a  # on a list item's first key
      # between the keys of an item
      type: b
    - plain item  # on a plain item (no key to hold it)
block: |  # on a block scalar's header
  # not a comment: text of the block
  text
    # indented text of the block

  # still the block, after an empty line
# above the key after the block
after: 1
folded: >-
  # text of a folded block
  more
item:
  - |
    # text of a block in a list
  - x
last: 2  # end of the last key
# closing the file
"""


def test_comments_belong_to_the_right_keys() -> None:
    assert _comments(COMMENTED) == {
        ("version",): KeyComments(("# opening the file",), "# end of a quoted value"),
        ("name",): KeyComments((), "# after an apostrophe in a plain value"),
        ("quoted",): KeyComments((), "# after a quoted value holding a hash"),
        ("double",): KeyComments((), "# after an escaped quote"),
        ("plain",): KeyComments((), "# a hash without a space before it is text"),
        ("url",): KeyComments((), "# a fragment"),
        ("section",): KeyComments(("# above a mapping",), "# on a mapping's own line"),
        ("section", "inner"): KeyComments(("# above a nested key",)),
        ("section", "list", 0, "id"): KeyComments(
            ("# above a list item",), "# on a list item's first key"),
        ("section", "list", 0, "type"): KeyComments(("# between the keys of an item",)),
        ("block",): KeyComments((), "# on a block scalar's header"),
        ("after",): KeyComments(("# above the key after the block",)),
        ("last",): KeyComments((), "# end of the last key"),
    }


def test_the_block_scalars_keep_their_hash_lines_as_text() -> None:
    data = yaml.safe_load(COMMENTED)
    assert data["block"] == (
        "# not a comment: text of the block\ntext\n  # indented text of the block\n\n"
        "# still the block, after an empty line\n"
    )
    assert data["folded"] == "# text of a folded block more"
    assert data["item"] == ["# text of a block in a list\n", "x"]


def test_a_written_file_reads_back_with_its_comments() -> None:
    """Writer and reader together: the comments the reader found are written back beside
    the same keys (below any section comment the writer adds), and the result still loads
    as the same document."""
    found = _comments(COMMENTED)
    data = yaml.safe_load(COMMENTED)
    written = render_document(data, comments=found.get)
    assert yaml.safe_load(written) == data
    again = _comments(written)
    assert set(again) == set(found)
    for path, comments in found.items():
        assert again[path].end == comments.end
        assert again[path].above[len(again[path].above) - len(comments.above):] == comments.above
