from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import typer

from sekha_migrate.commands.common import fail, stdin_is_terminal
from sekha_migrate.commands.options import Target


class Template(str, Enum):
    minimal = "minimal"
    hybrid = "hybrid"
    full = "full"


def init_command(
    template: Template | None = typer.Option(
        None, "--template",
        help="minimal: Ollama only; hybrid: Ollama and OpenAI; full: Ollama, OpenRouter, "
        "OpenAI and Anthropic. Without it, a terminal is asked which providers and models.",
        show_default=False,
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Where to write; - for stdout. Default: config.yaml (sekha.env for --target env).",
        show_default=False,
    ),
    target: Target = typer.Option(
        Target.docker, "--target", "-t",
        help="The dialect to write: docker (sekha-docker's schema), bridge (sekha-llm-bridge's "
        "config.yaml) or env (the compose environment).",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    schema_url: str | None = typer.Option(
        None, "--schema-url",
        help="Schema URL (or path relative to the output) for the editor modeline. Default: "
        "the repository's copy of the schema (sekha schema --output schema/NAME), named "
        "relatively; else no modeline.", show_default=False,
    ),
) -> None:
    """Write a commented, valid v2 configuration to start from.

    API keys are written as ${VAR} references, embedding dimensions come from the table of
    known models. An existing file is never replaced without --force.
    """
    from sekha_migrate import exit_codes
    from sekha_migrate.modelines import modeline, schema_reference
    from sekha_migrate.templates import (
        DUMPERS,
        StarterError,
        choices_for_template,
        render_starter,
    )

    if target.value not in DUMPERS:
        known = ", ".join(DUMPERS)
        fail("init", f"--target {target.value}: choose one of {known}", exit_codes.USAGE)
    if output is None:
        output = Path("sekha.env" if target.value == "env" else "config.yaml")
    from sekha_migrate.io import special_file_kind, standard_stream

    to_stdout = standard_stream(output) is not None
    kind = None if to_stdout else special_file_kind(output)
    if kind is not None:
        fail("init", f"{output} is {kind}, not a regular file; choose a file path (or - for "
             "stdout)", exit_codes.USAGE)
    if not to_stdout and output.exists() and not force:
        fail("init", f"{output} exists; pass --force to replace it", exit_codes.USAGE)
    if template is not None:
        choices = choices_for_template(template.value)
    elif stdin_is_terminal():
        choices = ask_choices()
    else:
        fail("init", "no --template and no terminal to ask on: pass --template "
              "minimal|hybrid|full", exit_codes.USAGE)
    reference = None if target.value == "env" else schema_reference(
        Path.cwd() if to_stdout else output.parent, target.value, schema_url)
    try:
        text = render_starter(choices, target=target.value,
                              modeline=modeline(reference) if reference else None)
    except StarterError as exc:
        fail("init", str(exc), exit_codes.USAGE)
    _write(output, text)
    if to_stdout:
        raise typer.Exit(exit_codes.OK)
    from sekha_migrate.report.console import make_writer

    done = f"Wrote {output}. Check it with: sekha-migrate validate {output}"
    if reference is None and target.value != "env":
        done += f"\n{_NO_MODELINE.format(name=schema_name(target.value))}"
    make_writer(stderr=True).print(done, markup=False)


_NO_MODELINE = ("No editor modeline: this repository has no copy of the schema. Write one with "
                "sekha schema --output schema/{name} (and commit it), then run this again; or "
                "pass --schema-url.")


def schema_name(target: str) -> str:
    from sekha_migrate.schema import SCHEMA_FILES

    return SCHEMA_FILES[target]


def ask_choices() -> Any:
    """The few questions a first configuration needs, with the minimal template's answers
    as defaults. Each answer is checked as it is given: a wrong one is said, with the nearest
    name for a typo, and only that question is asked again."""
    from sekha_migrate.templates import (
        DEFAULT_CHAT,
        DEFAULT_EMBEDDING,
        PROVIDER_TYPES,
        StarterChoices,
    )
    from sekha_migrate.templates.answers import check_chat_model, parse_providers

    providers = _ask(f"Providers, in order of priority ({', '.join(PROVIDER_TYPES)})",
                     "ollama", parse_providers)
    embedding, chat, dimension = DEFAULT_EMBEDDING, DEFAULT_CHAT, None
    if "ollama" in providers:
        embedding = _ask_embedding_model(DEFAULT_EMBEDDING)
        chat = _ask("Ollama chat model", DEFAULT_CHAT, check_chat_model)
        dimension = _dimension_if_unknown(embedding)
    return StarterChoices(providers, embedding, chat, dimension)


T = TypeVar("T")


def _ask(question: str, default: str, check: Callable[[str], T]) -> T:
    """Ask until `check` takes the answer; a refusal's suggestion becomes the default."""
    from sekha_migrate.templates.answers import AnswerError

    while True:
        answer: str = typer.prompt(question, default=default, err=True)
        try:
            return check(answer)
        except AnswerError as exc:
            typer.echo(f"  {exc}", err=True)
            default = exc.suggestion or answer


def _ask_embedding_model(default: str) -> str:
    """A name close to a known model is asked again once; given again, it is kept."""
    from sekha_migrate.templates.answers import check_embedding_model

    refused: list[str] = []

    def check(answer: str) -> str:
        insisted = answer.strip() in refused
        refused.append(answer.strip())
        return check_embedding_model(answer, insisted=insisted)

    return _ask("Ollama embedding model", default, check)


def _dimension_if_unknown(model: str) -> int | None:
    from sekha_migrate.migrate.embedding import lookup_embedding_model
    from sekha_migrate.templates.answers import AnswerError, check_dimension

    if lookup_embedding_model(model) is not None:
        return None
    while True:
        value: int = typer.prompt(f"{model} is not in the model table: its dimension",
                                  type=int, err=True)
        try:
            return check_dimension(value)
        except AnswerError as exc:
            typer.echo(f"  {exc}", err=True)


def _write(output: Path, text: str) -> None:
    from sekha_migrate import exit_codes
    from sekha_migrate.io import WriteError, write_output

    try:
        write_output(output, text)
    except WriteError as exc:
        fail("init", str(exc), exit_codes.USAGE)
