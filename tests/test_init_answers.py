"""Interactive `sekha init` checks each answer as it is given (issue 17, item 7): a typo is
named with the nearest name and only that question is asked again, the answers before it
kept. Driven through real stdin: the CLI runner's input, and a pseudo-terminal."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import CliResult
from terminal_support import on_terminal

Sekha = Callable[..., CliResult]
PROVIDERS_QUESTION = "Providers, in order of priority (ollama, openai, anthropic, openrouter)"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from sekha_migrate.commands import init

    monkeypatch.setattr(init, "stdin_is_terminal", lambda: True)


def _dialogue(stderr: str) -> list[str]:
    """Each question and each remark on its own line (the runner echoes no typed newline)."""
    return [line.strip() for line in re.sub(r"(\]|dimension): ?", r"\1:\n", stderr).splitlines()
            if line.strip()]


def _document(stdout: str) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(stdout[stdout.index("# Sekha configuration"):])
    return loaded


def _provider_types(document: dict[str, object]) -> list[str]:
    providers = document["llm_providers"]
    assert isinstance(providers, list)
    return [p["type"] for p in providers]


def test_a_misspelt_provider_is_named_with_the_nearest_and_asked_again(
    sekha_inprocess: Sekha, terminal: None, tmp_path: Path
) -> None:
    # "opneai" is refused; Enter takes the corrected answer offered as the default.
    answers = "ollama, opneai\n\nmxbai-embed-large\nqwen2.5:7b\n"
    result = sekha_inprocess("init", "-o", "-", input=answers, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _dialogue(result.stderr)[:3] == [
        f"{PROVIDERS_QUESTION} [ollama]:",
        "'opneai' is not a provider type: did you mean openai? (choose from ollama, openai, "
        "anthropic, openrouter)",
        f"{PROVIDERS_QUESTION} [ollama, openai]:",
    ]
    document = _document(result.stdout)
    assert _provider_types(document) == ["ollama", "openai"]
    assert document["default_models"] == {"embedding": "mxbai-embed-large",
                                          "chat_fast": "qwen2.5:7b", "chat_smart": "gpt-4o",
                                          "chat_vision": "gpt-4o"}


def test_answers_given_before_a_wrong_one_are_kept(
    sekha_inprocess: Sekha, terminal: None, tmp_path: Path
) -> None:
    # The embedding model is misspelt after the providers were answered: only it is asked
    # again, and the typed correction is taken.
    answers = "ollama anthropic\nnomic-embed-txt\nnomic-embed-text\nqwen2.5:7b\n"
    result = sekha_inprocess("init", "-o", "-", input=answers, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _dialogue(result.stderr) == [
        f"{PROVIDERS_QUESTION} [ollama]:",
        "Ollama embedding model [nomic-embed-text]:",
        "nomic-embed-txt is not in the model table: did you mean nomic-embed-text? (Enter "
        "takes nomic-embed-text; give nomic-embed-txt again to keep it)",
        "Ollama embedding model [nomic-embed-text]:",
        "Ollama chat model [llama3.1:8b]:",
    ]
    document = _document(result.stdout)
    assert _provider_types(document) == ["ollama", "anthropic"]


def test_an_unknown_model_given_twice_is_kept_and_its_dimension_checked(
    sekha_inprocess: Sekha, terminal: None, tmp_path: Path
) -> None:
    answers = "ollama\nnomic-embed-txt\nnomic-embed-txt\n\n64\n384\n"
    result = sekha_inprocess("init", "-o", "-", input=answers, cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _dialogue(result.stderr)[-3:] == [
        "nomic-embed-txt is not in the model table: its dimension:",
        "a dimension is between 128 and 4096 (the model's card or ollama show lists it)",
        "nomic-embed-txt is not in the model table: its dimension:",
    ]
    providers = _document(result.stdout)["llm_providers"]
    assert isinstance(providers, list)
    assert providers[0]["models"][0] == {"model_id": "nomic-embed-txt", "task": "embedding",
                                         "context_window": 8192, "dimension": 384}


@pytest.mark.parametrize(("answer", "said", "next_default"), [
    ("", None, None),  # Enter: the default, ollama
    ("anthropic", "embeddings need ollama or openai among the providers: add one",
     "anthropic, ollama"),
    ("ollama ollama", "ollama is listed twice", "ollama"),
    ("llamacpp", "'llamacpp' is not a provider type: did you mean ollama? (choose from "
     "ollama, openai, anthropic, openrouter)", "ollama"),
    ("zzz", "'zzz' is not a provider type (choose from ollama, openai, anthropic, "
     "openrouter)", "zzz"),
])
def test_each_wrong_providers_answer_says_what_is_wrong(
    sekha_inprocess: Sekha, terminal: None, tmp_path: Path, answer: str, said: str | None,
    next_default: str | None
) -> None:
    corrected = "ollama\n" if said is not None else ""
    result = sekha_inprocess("init", "-o", "-", input=f"{answer}\n{corrected}\n\n", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    lines = _dialogue(result.stderr)
    if said is None:
        assert lines[1] == "Ollama embedding model [nomic-embed-text]:"
        return
    assert lines[1:3] == [said, f"{PROVIDERS_QUESTION} [{next_default}]:"]


def test_a_typo_is_corrected_on_a_real_terminal(tmp_path: Path) -> None:
    """The installed command on a pseudo-terminal: what an operator types, in order."""
    terminal = on_terminal("init", "-o", "config.yaml", cwd=tmp_path)
    for expected, typed in [
        (b"[ollama]: ", b"opneai\n"),
        (b"did you mean openai?", b""),
        (b"[openai]: ", b"openai ollama\n"),
        (b"[nomic-embed-text]: ", b"\n"),
        (b"[llama3.1:8b]: ", b"\n"),
    ]:
        terminal.wait_for(expected)
        terminal.type(typed)
    code, shown = terminal.finish()
    assert code == 0, shown
    document = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    assert _provider_types(document) == ["openai", "ollama"]
