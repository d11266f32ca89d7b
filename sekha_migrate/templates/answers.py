"""Checking `sekha init`'s answers one at a time, as they are given.

Each check returns the answer's value or raises `AnswerError` with what is wrong and, for a
typo, the answer with the nearest name put in (the question is asked again with it as the
default, so Enter accepts the correction). Only the question answered wrongly is asked
again; the answers before it are kept.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sekha_migrate.templates import PROVIDER_TYPES

DIMENSION_RANGE = (128, 4096)  # the v2 schema's minimum and maximum for dimension


class AnswerError(ValueError):
    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


def nearest(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def parse_providers(answer: str) -> tuple[str, ...]:
    """`ollama, openai` -> ("ollama", "openai"): known types, each once, one that embeds."""
    names = [name.strip().lower() for name in answer.replace(",", " ").split()]
    if not names:
        raise AnswerError(f"name at least one provider: {', '.join(PROVIDER_TYPES)}")
    for index, name in enumerate(names):
        if name in PROVIDER_TYPES:
            continue
        guess = nearest(name, PROVIDER_TYPES)
        known = ", ".join(PROVIDER_TYPES)
        if guess is None:
            raise AnswerError(f"{name!r} is not a provider type (choose from {known})")
        corrected = ", ".join([*names[:index], guess, *names[index + 1:]])
        raise AnswerError(f"{name!r} is not a provider type: did you mean {guess}? (choose "
                          f"from {known})", suggestion=corrected)
    twice = next((name for index, name in enumerate(names) if name in names[:index]), None)
    if twice is not None:
        raise AnswerError(f"{twice} is listed twice", suggestion=", ".join(dict.fromkeys(names)))
    if not {"ollama", "openai"} & set(names):
        raise AnswerError("embeddings need ollama or openai among the providers: add one",
                          suggestion=", ".join([*names, "ollama"]))
    return tuple(names)


def check_embedding_model(answer: str, *, insisted: bool = False) -> str:
    """A model the table knows, or one the operator gave twice (then its dimension is asked);
    a name close to a known one is taken for a typo the first time."""
    from sekha_migrate.migrate.embedding import KNOWN_MODELS, lookup_embedding_model

    name = answer.strip()
    if not name:
        raise AnswerError("name the embedding model (ollama list shows the pulled ones)")
    if insisted or lookup_embedding_model(name) is not None:
        return name
    guess = nearest(name.lower(), KNOWN_MODELS)
    if guess is None:
        return name
    raise AnswerError(f"{name} is not in the model table: did you mean {guess}? (Enter takes "
                      f"{guess}; give {name} again to keep it)", suggestion=guess)


def check_chat_model(answer: str) -> str:
    name = answer.strip()
    if not name:
        raise AnswerError("name the chat model (ollama list shows the pulled ones)")
    return name


def check_dimension(value: int) -> int:
    low, high = DIMENSION_RANGE
    if not low <= value <= high:
        raise AnswerError(f"a dimension is between {low} and {high} (the model's card or "
                          "ollama show lists it)")
    return value
