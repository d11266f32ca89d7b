"""A large document is validated with the cycle collector paused, and the caller's collector
state is what it was before, whatever the verdict."""

from __future__ import annotations

import gc

import pytest
from conftest import FIXTURES

from sekha_migrate.validate import engine

TEXT = (FIXTURES / "v2" / "valid" / "minimal-ollama-only.yaml").read_text(encoding="utf-8")


def _large(text: str) -> str:
    padding = "# a comment line to make the document large\n"
    return text + padding * (engine.LARGE_TEXT // len(padding) + 1)


@pytest.mark.parametrize(
    ("text", "checked"), [(_large(TEXT), [False, False]), (_large("version: [\n"), [])]
)
def test_a_large_document_leaves_the_collector_as_it_found_it(
    text: str, checked: list[bool]
) -> None:
    seen: list[bool] = []
    original = engine._check_document

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_check_document", spy)
        large = engine.validate_text(text)
        gc.disable()
        try:
            engine.validate_text(text)
            assert not gc.isenabled()
        finally:
            gc.enable()
    assert gc.isenabled()
    assert seen == checked  # the checks of a parsed document ran with the collector paused
    assert large.valid is bool(checked)
