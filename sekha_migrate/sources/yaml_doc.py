"""YAML (and JSON) into plain data, keeping the position of every key and value.

We compose the document ourselves from libyaml's event stream instead of using
`yaml.compose`/`yaml.load`: that lets us see duplicate keys (loaders silently keep the
last one), refuse alias bombs and absurd nesting before they cost memory or the C stack,
and record a `Mark` for every path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from sekha_migrate.findings import DataPath, Finding, Mark, Severity, format_path
from sekha_migrate.sources.text import SourceError

try:  # libyaml's parser is an order of magnitude faster; fall back when it is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 200
# Nodes that aliases may add on top of the document's own. A real config reuses a few
# anchors; "billion laughs" documents need millions.
MAX_ALIAS_EXPANSION = 100_000

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_resolver = Resolver()
_constructor = SafeConstructor()


@dataclass
class LoadedYaml:
    """The document, the marks of its keys and values, and problems found while loading."""

    data: Any
    value_marks: dict[DataPath, Mark] = field(default_factory=dict)
    key_marks: dict[DataPath, Mark] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Paths of strings holding "${", so placeholder expansion need not walk the document.
    placeholder_paths: list[DataPath] = field(default_factory=list)
    # Aliases and merge keys share values between paths; placeholder_paths misses those.
    shares_values: bool = False

    def mark_for(self, path: DataPath, *, prefer_key: bool = False) -> Mark | None:
        """The mark of `path`, or of its nearest ancestor that has one."""
        current = tuple(path)
        while True:
            if prefer_key and current in self.key_marks:
                return self.key_marks[current]
            if current in self.value_marks:
                return self.value_marks[current]
            if current in self.key_marks:
                return self.key_marks[current]
            if not current:
                return None
            current = current[:-1]


class _Frame:
    """An open mapping or sequence while its events stream past."""

    __slots__ = ("anchor", "container", "key", "key_mark", "mark", "merges", "path", "size")

    def __init__(
        self, container: dict[Any, Any] | list[Any], path: DataPath, mark: Mark, anchor: str | None
    ) -> None:
        self.container = container
        self.path = path
        self.mark = mark
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_mark: Mark | None = None
        self.merges: list[tuple[Any, Mark]] = []
        self.size = 1


_NO_KEY = object()


def _mark(event: Any) -> Mark:
    start = event.start_mark
    return _new_mark(Mark, (start.line + 1, start.column + 1))  # type: ignore[no-any-return]


# Mark(line, column) goes through NamedTuple's generated __new__; building the tuple
# directly skips a Python-level call on every one of a document's scalars.
_new_mark: Any = tuple.__new__


def load_yaml(text: str) -> LoadedYaml:
    """Parse one YAML/JSON document. Raises `SourceError` with the parser's position."""
    try:
        return _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        plain, hint = _in_plain_words(problem)
        message = f"YAML syntax error: {problem}" + (f" ({plain})" if plain else "")
        code = "too-deep" if "nesting depth" in problem else "syntax"
        if mark is not None and _is_tab_at(text, mark.index):
            message = "YAML syntax error: a tab character cannot be used for indentation"
            hint = "indent with spaces"
        raise SourceError(
            message,
            code=code,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint=hint,
        ) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"YAML syntax error: {exc}", code="syntax") from None


# libyaml's wording for the slips people make most, in words a reader acts on.
_PLAIN_WORDS: tuple[tuple[str, str, str], ...] = (
    ("did not find expected key", "a line is indented differently from the keys around it",
     "line each key up with the keys beside it, using spaces"),
    ("did not find expected '-' indicator", "a list item is indented differently from the "
     "items before it", "start every item of a list at the same column, with '- '"),
    ("mapping values are not allowed", "a ': ' where no key can start: a value that holds "
     "': ' needs quotes, or the line is indented too far", 'quote the value, e.g. "a: b"'),
    ("expected <block end>", "the indentation changes where the block above should go on",
     "check this line's indentation against the lines above it"),
    ("did not find expected ',' or ']'", "a [list] written on one line is not closed",
     "close it with ], or write the items as an indented '- ' list"),
    ("did not find expected ',' or '}'", "a {mapping} written on one line is not closed",
     "close it with }, or write the keys as an indented block"),
)


def _in_plain_words(problem: str) -> tuple[str | None, str | None]:
    for wording, plain, hint in _PLAIN_WORDS:
        if wording in problem:
            return plain, hint
    return None, None


def _is_tab_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index] == "\t"


def _compose(text: str) -> LoadedYaml:
    composer = _Composer()
    handlers = {
        yaml.ScalarEvent: composer.scalar,
        yaml.MappingStartEvent: composer.start,
        yaml.SequenceStartEvent: composer.start,
        yaml.MappingEndEvent: composer.end,
        yaml.SequenceEndEvent: composer.end,
        yaml.AliasEvent: composer.alias,
        yaml.DocumentStartEvent: composer.document,
    }
    event: Any
    for event in yaml.parse(text, Loader=_Loader):
        handler = handlers.get(type(event))
        if handler is not None:
            handler(event)
    return composer.result


class _Composer:
    """Builds the document from libyaml's event stream, with the marks of every key and
    value, refusing alias bombs and nesting the C composer would crash on."""

    def __init__(self) -> None:
        self.result = LoadedYaml(data=None)
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.documents = 0
        self.alias_expansion = 0

    # -- events --------------------------------------------------------------------------------

    def scalar(self, event: Any) -> None:
        text = event.value
        if event.tag is None and event.implicit[0]:  # plain and untagged: most scalars
            known = _plain_values.get(text)
            if known is None:
                known = _plain_value(event)
            tag, value = known
        else:
            tag = _scalar_tag(event)
            value = _construct_scalar(event, tag)
        self.attach(value, _mark(event), 1, event.anchor, tag, text)

    def start(self, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _refuse(f"the document is nested more than {MAX_DEPTH} levels deep",
                          "too-deep", event)
        _check_collection_tag(event)
        container: dict[Any, Any] | list[Any] = (
            {} if type(event) is yaml.MappingStartEvent else []
        )
        self.stack.append(_Frame(container, _child_path(self.stack), _mark(event), event.anchor))

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.merges:
            _apply_merges(frame, self.result)
        self.attach(frame.container, frame.mark, frame.size, frame.anchor, None)

    def alias(self, event: Any) -> None:
        if event.anchor not in self.anchors:
            raise _refuse(f"alias *{event.anchor} refers to an anchor that is not defined",
                          "syntax", event)
        value, size = self.anchors[event.anchor]
        self.result.shares_values = True
        self.alias_expansion += size
        if self.alias_expansion > MAX_ALIAS_EXPANSION:
            raise _refuse(f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes; "
                          "refusing a possible alias bomb", "alias-bomb", event)
        self.attach(value, _mark(event), size, None, None)

    def document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise _refuse(
                "the file holds more than one YAML document; a Sekha config is one document",
                "multiple-documents",
                event,
                hint="remove the '---' separator and merge or split the documents into files",
            )

    # -- placing a finished value -----------------------------------------------------------

    def attach(
        self,
        value: Any,
        mark: Mark,
        size: int,
        anchor: str | None,
        tag: str | None,
        text: str | None = None,
    ) -> None:
        if anchor:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.result.data = value
            self.result.value_marks[()] = mark
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            self._append(frame, value, mark)
        elif frame.key is _NO_KEY:
            _take_key(frame, value, mark, tag, self.result, text)
        else:
            self._set(frame, value, mark)

    def _append(self, frame: _Frame, value: Any, mark: Mark) -> None:
        assert isinstance(frame.container, list)
        path = (*frame.path, len(frame.container))
        frame.container.append(value)
        self.result.value_marks.setdefault(path, mark)
        if isinstance(value, str) and "${" in value:
            self.result.placeholder_paths.append(path)

    def _set(self, frame: _Frame, value: Any, mark: Mark) -> None:
        result = self.result
        key, key_mark = frame.key, frame.key_mark
        frame.key, frame.key_mark = _NO_KEY, None
        if key is _MERGE_KEY:
            if frame.merges:  # PyYAML keeps the last `<<`, a merge-aware reader the first
                first = frame.merges[0][1]
                result.findings.append(_duplicate_key("<<", (*frame.path, "<<"), key_mark, first))
            frame.merges.append((value, mark))
            return
        path = (*frame.path, key)
        container = frame.container
        assert isinstance(container, dict)
        if key in container:
            result.findings.append(_duplicate_key(key, path, key_mark, result.key_marks.get(path)))
            del container[key]
            # the first value's `${` strings are gone with it
            result.placeholder_paths = [
                p for p in result.placeholder_paths if p[: len(path)] != path
            ]
        container[key] = value
        if isinstance(value, str) and "${" in value:
            result.placeholder_paths.append(path)
        if key_mark is not None:
            result.key_marks[path] = key_mark
        result.value_marks[path] = mark


def _refuse(message: str, code: str, event: Any, hint: str | None = None) -> SourceError:
    mark = _mark(event)
    return SourceError(message, code=code, line=mark.line, column=mark.column, hint=hint)


def _duplicate_key(key: Any, path: DataPath, at: Mark | None, first: Mark | None) -> Finding:
    where = f" (first defined on line {first.line})" if first else ""
    return Finding(
        Severity.ERROR,
        "duplicate-key",
        f"duplicate key {key!r}{where}; YAML loaders keep only the last value",
        path=format_path(path),
        line=at.line if at else None,
        column=at.column if at else None,
        hint="list the sources in one merge key: <<: [*a, *b]" if key == "<<"
        else "remove one of the two entries",
    )


_MERGE_KEY = object()


def _child_path(stack: list[_Frame]) -> DataPath:
    if not stack:
        return ()
    frame = stack[-1]
    if isinstance(frame.container, list):
        return (*frame.path, len(frame.container))
    if frame.key is _NO_KEY:  # a collection used as a mapping key; refused in _take_key
        return frame.path
    if frame.key is _MERGE_KEY:  # a merge source: its marks must not land on the real keys
        return (*frame.path, "<<")
    return (*frame.path, frame.key)


def _take_key(
    frame: _Frame, value: Any, mark: Mark, tag: str | None, result: LoadedYaml, text: str | None
) -> None:
    if tag == _MERGE_TAG:
        frame.key, frame.key_mark = _MERGE_KEY, mark
        return
    if isinstance(value, (dict, list)):
        raise SourceError(
            "a mapping or list cannot be used as a key",
            code="complex-key",
            line=mark.line,
            column=mark.column,
        )
    if not isinstance(value, str):
        # Speak of the key as written: `on:` is read as the boolean True, `null:` as None.
        written = text if text is not None else str(value)
        result.findings.append(
            Finding(
                Severity.ERROR,
                "non-string-key",
                f"key '{written}' is read as {_describe_type(value)}, not a string",
                path=format_path((*frame.path, written)),
                line=mark.line,
                column=mark.column,
                hint=f"quote it: '{written}'",
            )
        )
        value = written
    frame.key, frame.key_mark = value, mark


def _apply_merges(frame: _Frame, result: LoadedYaml) -> None:
    """YAML merge keys (`<<: *base`): explicit keys win over merged ones."""
    assert isinstance(frame.container, dict)
    result.shares_values = True  # merged values sit at paths placeholder_paths does not list
    for source, mark in frame.merges:
        sources = source if isinstance(source, list) else [source]
        for item in sources:
            if not isinstance(item, dict):
                raise SourceError(
                    "a merge key ('<<') needs a mapping or a list of mappings",
                    code="syntax",
                    line=mark.line,
                    column=mark.column,
                )
            for key, value in item.items():
                if key not in frame.container:
                    frame.container[key] = value
                    # An inline source (`<<: {type: ollama}`) knows where each value is.
                    own = result.value_marks.get((*frame.path, "<<", key), mark)
                    result.value_marks.setdefault((*frame.path, key), own)


# Plain scalars repeat a lot in configs ("true", "embedding", 8192): resolve each text once.
_plain_tags: dict[str, str] = {}


def _scalar_tag(event: Any) -> str:
    tag = event.tag
    if tag:
        return _STR_TAG if tag == "!" else str(tag)
    if not event.implicit[0]:  # quoted
        return _STR_TAG
    value = event.value
    resolved = _plain_tags.get(value)
    if resolved is None:
        resolved = str(_resolver.resolve(ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]
        if len(_plain_tags) < 4096:
            _plain_tags[value] = resolved
    return resolved


# First characters the resolver has a pattern for; any other plain scalar is a string
# (Resolver.resolve itself picks its patterns by the first character).
_RESOLVED_FIRST = frozenset(_resolver.yaml_implicit_resolvers)
# Plain scalars' (tag, value), for the texts configs repeat; the values are immutable.
_plain_values: dict[str, tuple[str, Any]] = {}


def _plain_value(event: Any) -> tuple[str, Any]:
    text = event.value
    if text and text[0] not in _RESOLVED_FIRST and None not in _RESOLVED_FIRST:
        return _STR_TAG, text  # ids, urls, model names: distinct, so not worth caching
    tag = _scalar_tag(event)
    known = (tag, _construct_scalar(event, tag))
    if len(_plain_values) < 4096:
        _plain_values[text] = known
    return known


_BINARY_TAG = "tag:yaml.org,2002:binary"
_MAX_INT_BITS = 256  # far above any port, timeout or dimension


def _construct_scalar(event: Any, tag: str) -> Any:
    if tag in (_STR_TAG, _MERGE_TAG):
        return event.value
    builder = _constructor.yaml_constructors.get(tag)
    if builder is None:
        mark = _mark(event)
        raise SourceError(
            f"unknown YAML tag {tag!r}",
            code="syntax",
            line=mark.line,
            column=mark.column,
            hint="Sekha configs use plain YAML; remove the tag",
        )
    if tag == _BINARY_TAG:
        mark = _mark(event)
        raise SourceError("a !!binary value: Sekha settings are text, numbers and booleans",
                          code="syntax", line=mark.line, column=mark.column,
                          hint="write the value as a plain string, without the !!binary tag")
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        value = builder(_constructor, node)
    except Exception:
        # PyYAML's constructors fail in assorted ways on text their explicit tag does not
        # fit (`!!int ""` IndexError, `!!bool maybe` KeyError, `!!timestamp x` AttributeError);
        # their wording means nothing to a user, so say it in ours.
        mark = _mark(event)
        kind = tag.rsplit(":", 1)[-1]
        raise SourceError(
            f"cannot read {event.value!r} as {kind}",
            code="syntax",
            line=mark.line,
            column=mark.column,
            hint=f"fix the value, or remove the !!{kind} tag",
        ) from None
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        # No setting holds such a number, and Python will not even print it in decimal.
        mark = _mark(event)
        raise SourceError(f"a number of {len(event.value)} digits: no Sekha setting holds a "
                          "number that large", code="syntax", line=mark.line,
                          column=mark.column, hint="fix the value")
    return value


def _check_collection_tag(event: Any) -> None:
    tag = event.tag
    if tag in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
        return
    mark = _mark(event)
    raise SourceError(
        f"unknown YAML tag {tag!r}",
        code="syntax",
        line=mark.line,
        column=mark.column,
        hint="Sekha configs use plain YAML; remove the tag",
    )


def _describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"
