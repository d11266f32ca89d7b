"""A JSON-schema validator compiled into plain Python closures, once per process.

Importing jsonschema costs more start-up time than the rest of `sekha validate` together,
so our own schema (which uses a small, fixed set of draft-07 keywords) is compiled here.
A schema with any other keyword is handed to jsonschema instead; tests check that both
engines report the same errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sekha_migrate.findings import DataPath
from sekha_migrate.schema import FORMATS, format_checker, load_schema


@dataclass(frozen=True)
class SchemaViolation:
    """The parts of a jsonschema ValidationError that our messages use."""

    validator: str
    validator_value: Any
    instance: Any
    absolute_path: DataPath
    schema: Mapping[str, Any]
    message: str
    relative_schema_path: tuple[Any, ...] = ()
    context: tuple[SchemaViolation, ...] = field(default=())


class UnsupportedSchema(Exception):
    """The schema uses a keyword this compiler does not know."""


# A compiled check appends what it finds to `out`: plain calls, no generator per node.
Check = Callable[[Any, DataPath, list["SchemaViolation"]], None]

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "title", "description", "default", "definitions", "examples", "$comment"}
)
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@cache
def ecma_pattern(pattern: str) -> re.Pattern[str]:
    r"""A schema `pattern` as JSON Schema reads it (ECMA-262): found anywhere in the string, but
    `$` is the end of the string only. Python's `$` also matches before a final newline, which
    let `version: "2.0\n"` pass `^2\.0$`; an unescaped `$` outside a class becomes `\Z`."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
    return re.compile("".join(out))


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


class CompiledValidator:
    def __init__(self, schema: Mapping[str, Any], formats: Mapping[str, Callable[[Any], bool]]):
        self._root = schema
        self._formats = formats
        self._refs: dict[str, Check] = {}
        self._check = self._compile(schema)

    def iter_errors(self, instance: Any) -> Iterator[SchemaViolation]:
        out: list[SchemaViolation] = []
        self._check(instance, (), out)
        return iter(out)

    def is_valid(self, instance: Any) -> bool:
        out: list[SchemaViolation] = []
        self._check(instance, (), out)
        return not out

    # ---- compiling --------------------------------------------------------------------

    def _compile(self, node: Mapping[str, Any]) -> Check:
        if "$ref" in node:
            return self._ref(node["$ref"])
        checks: list[Check] = []
        for keyword, value in node.items():
            if keyword in _ANNOTATIONS or keyword == "then":
                continue
            builder = getattr(self, f"_kw_{keyword.replace('$', '')}", None)
            if builder is None:
                raise UnsupportedSchema(keyword)
            checks.append(builder(value, node))

        if len(checks) == 1:
            return checks[0]

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            for one in checks:
                one(instance, path, out)

        return check

    def _ref(self, ref: str) -> Check:
        if not ref.startswith("#/"):
            raise UnsupportedSchema(f"$ref {ref}")
        if ref not in self._refs:
            target: Any = self._root
            for part in ref[2:].split("/"):
                target = target[part]
            self._refs[ref] = _pending
            self._refs[ref] = self._compile(target)
        refs = self._refs

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            refs[ref](instance, path, out)

        return check

    @staticmethod
    def _violation(
        keyword: str, node: Mapping[str, Any], instance: Any, path: DataPath, message: str
    ) -> SchemaViolation:
        return SchemaViolation(keyword, node[keyword], instance, path, node, message, (keyword,))

    def _kw_type(self, value: Any, node: Mapping[str, Any]) -> Check:
        tests = [_TYPES[t] for t in (value if isinstance(value, list) else [value])]

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if not any(test(instance) for test in tests):
                message = f"{instance!r} is not {value}"
                out.append(self._violation("type", node, instance, path, message))

        return check

    def _kw_enum(self, value: Any, node: Mapping[str, Any]) -> Check:
        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if not any(_same(instance, choice) for choice in value):
                error = self._violation("enum", node, instance, path, f"{instance!r} not in enum")
                out.append(error)

        return check

    def _kw_const(self, value: Any, node: Mapping[str, Any]) -> Check:
        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if not _same(instance, value):
                error = self._violation("const", node, instance, path, f"{value!r} was expected")
                out.append(error)

        return check

    def _kw_pattern(self, value: str, node: Mapping[str, Any]) -> Check:
        regex = ecma_pattern(value)

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if isinstance(instance, str) and not regex.search(instance):
                error = self._violation("pattern", node, instance, path, f"does not match {value}")
                out.append(error)

        return check

    def _kw_minLength(self, value: int, node: Mapping[str, Any]) -> Check:
        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if isinstance(instance, str) and len(instance) < value:
                out.append(self._violation("minLength", node, instance, path, "is too short"))

        return check

    def _bound(self, keyword: str, fails: Callable[[Any, Any], bool]) -> Callable[..., Check]:
        def build(value: Any, node: Mapping[str, Any]) -> Check:
            def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
                if _is_number(instance) and fails(instance, value):
                    out.append(self._violation(keyword, node, instance, path, f"{keyword} {value}"))

            return check

        return build

    def _kw_minimum(self, value: Any, node: Mapping[str, Any]) -> Check:
        return self._bound("minimum", lambda i, v: i < v)(value, node)

    def _kw_maximum(self, value: Any, node: Mapping[str, Any]) -> Check:
        return self._bound("maximum", lambda i, v: i > v)(value, node)

    def _kw_exclusiveMinimum(self, value: Any, node: Mapping[str, Any]) -> Check:
        return self._bound("exclusiveMinimum", lambda i, v: i <= v)(value, node)

    def _kw_minItems(self, value: int, node: Mapping[str, Any]) -> Check:
        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if isinstance(instance, list) and len(instance) < value:
                out.append(self._violation("minItems", node, instance, path, "is too short"))

        return check

    def _kw_required(self, value: list[str], node: Mapping[str, Any]) -> Check:
        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if isinstance(instance, dict):
                for name in value:
                    if name not in instance:
                        message = f"{name!r} is a required property"
                        out.append(self._violation("required", node, instance, path, message))

        return check

    def _kw_properties(self, value: Mapping[str, Any], node: Mapping[str, Any]) -> Check:
        children = {name: self._compile(sub) for name, sub in value.items()}

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if isinstance(instance, dict):
                for name, child in children.items():
                    if name in instance:
                        child(instance[name], (*path, name), out)

        return check

    def _kw_items(self, value: Mapping[str, Any], node: Mapping[str, Any]) -> Check:
        if not isinstance(value, Mapping):
            raise UnsupportedSchema("items as a list")
        child = self._compile(value)

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if isinstance(instance, list):
                for index, item in enumerate(instance):
                    child(item, (*path, index), out)

        return check

    def _kw_anyOf(self, value: list[Mapping[str, Any]], node: Mapping[str, Any]) -> Check:
        branches = [self._compile(sub) for sub in value]

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            context: list[SchemaViolation] = []
            for index, branch in enumerate(branches):
                errors: list[SchemaViolation] = []
                branch(instance, path, errors)
                if not errors:
                    return
                context.extend(
                    _with_schema_path(e, (index, *e.relative_schema_path)) for e in errors
                )
            out.append(
                SchemaViolation(
                    "anyOf", value, instance, path, node, "matches none of anyOf",
                    ("anyOf",), tuple(context),
                )
            )

        return check

    def _kw_if(self, value: Mapping[str, Any], node: Mapping[str, Any]) -> Check:
        condition = self._compile(value)
        then = self._compile(node["then"]) if "then" in node else None

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if then is None:
                return
            failures: list[SchemaViolation] = []
            condition(instance, path, failures)
            if not failures:
                then(instance, path, out)

        return check

    def _kw_format(self, value: str, node: Mapping[str, Any]) -> Check:
        test = self._formats.get(value)

        def check(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
            if test is not None and not test(instance):
                out.append(self._violation("format", node, instance, path, f"is not a {value!r}"))

        return check


def _pending(instance: Any, path: DataPath, out: list[SchemaViolation]) -> None:
    raise UnsupportedSchema("recursive $ref")  # only reached while compiling a cycle


def _with_schema_path(error: SchemaViolation, schema_path: tuple[Any, ...]) -> SchemaViolation:
    return SchemaViolation(
        error.validator, error.validator_value, error.instance, error.absolute_path,
        error.schema, error.message, schema_path, error.context,
    )


@cache
def compiled_validator(target: str = "docker") -> Any:
    """Built once per process and dialect, and reused for every file."""
    return validator_for(load_schema(target))


def validator_for(schema: dict[str, Any]) -> Any:
    """Our compiled validator when it knows every keyword of `schema`, else jsonschema's."""
    try:
        return CompiledValidator(schema, FORMATS)
    except UnsupportedSchema:
        from jsonschema import Draft7Validator, ValidationError, validators

        def pattern(validator: Any, value: str, instance: Any, _: Any) -> Iterator[Any]:
            # jsonschema's own `pattern` uses Python's `$`; both engines read it as ECMA-262.
            if validator.is_type(instance, "string") and not ecma_pattern(value).search(instance):
                yield ValidationError(f"{instance!r} does not match {value!r}")

        ecma_draft7 = validators.extend(  # type: ignore[no-untyped-call]  # untyped in the stubs
            Draft7Validator, {"pattern": pattern}
        )
        return ecma_draft7(schema, format_checker=format_checker())
