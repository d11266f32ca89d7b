"""What a migration changes in what a component runs with: the effective configuration of
the v1 sources against that of the written file (with the environment that stays), both
from the engine in `sekha_migrate.effective`, compared value by value.

A v1 value that reached v2 unchanged says nothing; each difference is named, so that no
change of behaviour goes unreported (a name v1 never read now taking effect, a setting the
target dialect has no place for falling back to its default, the bridge leaving from_env).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from sekha_migrate.effective.sources import SourceSet, resolve_source_set
from sekha_migrate.effective.values import EffectiveConfig, Setting, masked
from sekha_migrate.migrate.discover import SourceKind, SourceLayer
from sekha_migrate.migrate.results import EffectChange, MigrationPlan, PlanKind
from sekha_migrate.model import loaders
from sekha_migrate.model.masking import mask_value
from sekha_migrate.origin import Origin

# The component that reads what each target writes.
READER: dict[str, str] = {"docker": loaders.CONTROLLER, "env": loaders.CONTROLLER,
                          "bridge": loaders.BRIDGE}


class Effects(NamedTuple):
    component: str
    before: EffectiveConfig
    after: EffectiveConfig
    changes: tuple[EffectChange, ...]


def migration_effects(plan: MigrationPlan, environ: Mapping[str, str]) -> Effects | None:
    """The reader of the written file, before and after; None when there is nothing to
    compare (a v2 input, nothing written)."""
    if plan.kind is not PlanKind.V1 or not plan.text:
        return None
    component = READER[plan.target]
    before_set = _before(plan, environ)
    if plan.target == "env":
        after_set = SourceSet(env_files=before_set.env_files,
                              compose_files=before_set.compose_files, environ=environ,
                              env_texts=((str(plan.output), plan.text), *_secrets(plan)))
    else:
        after_set = SourceSet(env_files=before_set.env_files,
                              compose_files=before_set.compose_files, environ=environ,
                              # installed where its reader looks, whatever it is called here
                              config_texts=(("config.yaml", str(plan.output), plan.text),),
                              env_texts=_secrets(plan))
    before = resolve_source_set(component, before_set)
    after = resolve_source_set(component, after_set)
    secrets = before.secrets | after.secrets
    changes = [c._replace(before=masked(c.before, secrets), after=masked(c.after, secrets))
               for c in compare(before, after)]
    return Effects(component, before, after, tuple(changes))


def compare(before: EffectiveConfig, after: EffectiveConfig) -> list[EffectChange]:
    """Every setting whose value differs (a key only one side has counts as None there)."""
    changes = []
    keys = [*before.settings, *(k for k in after.settings if k not in before.settings)]
    for key in keys:
        if key in loaders.CONTROLLER_UNUSED and before.component == loaders.CONTROLLER:
            continue  # read nowhere: a change of value changes nothing
        old, new = before.settings.get(key), after.settings.get(key)
        if _same(key, _value(old), _value(new)):
            continue
        changes.append(EffectChange(before.component, key, _masked(old), _origin(old),
                                    _masked(new), _origin(new)))
    return changes


def _before(plan: MigrationPlan, environ: Mapping[str, str]) -> SourceSet:
    sources = plan.sources
    compose = [s.path for s in sources
               if s.kind is SourceKind.YAML and s.layer is SourceLayer.ENV_FILE]
    compose_dirs = {path.parent.resolve() for path in compose}
    env_files = [s.path for s in sources if s.kind is SourceKind.ENV
                 and not (s.path.name == ".env" and s.path.parent.resolve() in compose_dirs)]
    return SourceSet(
        config_files=[s.path for s in sources if s.layer is SourceLayer.FILE],
        home_files=[s.path for s in sources if s.layer is SourceLayer.HOME],
        env_files=env_files, compose_files=compose, environ=environ,
    )


def _secrets(plan: MigrationPlan) -> tuple[tuple[str, str], ...]:
    if not plan.secrets_text or plan.secrets_file is None:
        return ()
    return ((str(plan.secrets_file), plan.secrets_text),)


def _same(key: str, old: Any, new: Any) -> bool:
    # Both components case-fold their log level before use ("INFO" is "info").
    if key == "log_level" and isinstance(old, str) and isinstance(new, str):
        return old.lower() == new.lower()
    return bool(old == new)


def _value(setting: Setting | None) -> Any:
    return None if setting is None else setting.value


def _masked(setting: Setting | None) -> Any:
    if setting is None:
        return None
    # JSON's types only: a report and a table must be able to show it.
    return json.loads(json.dumps(mask_value(setting.value, secret=setting.secret), default=str))


def _origin(setting: Setting | None) -> Origin:
    return Origin(None, key="not set") if setting is None else setting.origin
