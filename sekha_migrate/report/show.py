"""`sekha show`: each component's effective configuration, value by value with its origin,
in the spirit of `git config --show-origin`. Secrets are masked in every format.

The JSON document is a public interface (see the README):

    {"components": [{"component", "service", "mode", "starts", "files_read",
                     "settings": [{"key", "value", "origin", "overrides", "secret", "note"}],
                     "not_read": [{"what", "reason", "origin"}], "findings": [...]}],
     "findings": [...]}

An origin is {"kind": "default" | "file" | "env", "file", "line", "column", "name", "via",
"description"}.
"""

from __future__ import annotations

import json
from typing import Any

from sekha_migrate.effective.deployment import EffectiveDeployment
from sekha_migrate.effective.values import EffectiveConfig, Setting, masked, origin_kind
from sekha_migrate.json_text import dump_json
from sekha_migrate.origin import ENVIRONMENT, Origin
from sekha_migrate.report.console import Line
from sekha_migrate.report.findings import finding_lines

_CONTROL = {code: f"\\x{code:02x}" for code in range(32) if code not in (9,)}


def origin_dict(origin: Origin) -> dict[str, Any]:
    kind = origin_kind(origin)
    return {
        "kind": kind,
        "file": None if origin.file in (None, ENVIRONMENT) else origin.file,
        "line": origin.line,
        "column": origin.column,
        "name": origin.key if kind != "default" else None,
        "via": origin.via or None,
        "description": origin.describe(),
    }


def _setting_dict(setting: Setting, secrets: frozenset[str]) -> dict[str, Any]:
    return {
        "key": setting.key,
        "value": masked(setting.shown(), secrets),
        "origin": origin_dict(setting.origin),
        "overrides": [{"value": masked(value, secrets), "origin": origin_dict(origin)}
                      for value, origin in setting.shown_overrides()],
        "secret": setting.secret,
        "note": setting.note,
    }


def component_document(config: EffectiveConfig, *, changed_only: bool = False
                       ) -> dict[str, Any]:
    return {
        "component": config.component,
        "service": config.service,
        "mode": config.mode,
        "starts": config.starts,
        "files_read": list(config.files_read),
        "settings": [_setting_dict(s, config.secrets) for s in config.settings.values()
                     if not (changed_only and s.origin.is_default)],
        "not_read": [{"what": u.what, "reason": u.reason,
                      "origin": origin_dict(u.origin) if u.origin else None}
                     for u in config.unread],
        "findings": [f.to_dict() for f in config.findings],
    }


def show_json(deployment: EffectiveDeployment, *, changed_only: bool = False) -> str:
    return dump_json({
        "components": [component_document(c, changed_only=changed_only)
                       for c in deployment.configs],
        "findings": [f.to_dict() for f in deployment.findings],
    })


def show_lines(deployment: EffectiveDeployment, *, changed_only: bool = False,
               hints: bool = True) -> list[Line]:
    lines: list[Line] = []
    for finding in deployment.findings:
        lines += finding_lines(finding, hint=hints)
    for index, config in enumerate(deployment.configs):
        if index or deployment.findings:
            lines.append([("", "")])
        lines += _component_lines(config, changed_only, hints)
    return lines


def _component_lines(config: EffectiveConfig, changed_only: bool, hints: bool) -> list[Line]:
    lines: list[Line] = [[(config.label, "bold"), (f"  ({config.mode})", "dim")]]
    if config.files_read:
        lines.append([("  reads: ", "dim"), (", ".join(config.files_read), "")])
    settings = [s for s in config.settings.values()
                if not (changed_only and s.origin.is_default)]
    width = max((len(s.key) for s in settings), default=0)
    for setting in settings:
        lines.append([
            (f"  {setting.key.ljust(width)}  ", ""),
            (_text(masked(setting.shown(), config.secrets)),
             "bold" if not setting.origin.is_default else ""),
            ("  <- ", "dim"),
            (_safe(setting.origin.describe()), "dim" if setting.origin.is_default else "cyan"),
        ])
        for value, origin in setting.shown_overrides():
            shown = _text(masked(value, config.secrets))
            lines.append([(f"  {' ' * width}    overrides {shown} from "
                           f"{_safe(origin.describe())}", "dim")])
        if setting.note:
            lines.append([(f"  {' ' * width}    ", ""), ("note: ", "yellow"),
                          (_safe(setting.note), "")])
    if config.unread:
        lines.append([("  not read:", "dim")])
        for unread in config.unread:
            where = f" ({_safe(unread.origin.describe())})" if unread.origin else ""
            lines.append([(f"    {_safe(unread.what)}{where}: {_safe(unread.reason)}", "")])
    for finding in config.findings:
        lines += finding_lines(finding, indent="  ", hint=hints)
    return lines


def _text(value: Any) -> str:
    """A value on one line: plain text as it is, anything else (and text that would read
    ambiguously: empty, padded, with line breaks) as JSON."""
    if isinstance(value, str) and value and value == value.strip() and value.isprintable():
        return value
    return _safe(json.dumps(value, ensure_ascii=False, default=str))


def _safe(text: str) -> str:
    """Input text never moves the cursor or starts a line of its own."""
    return text.translate(_CONTROL)
