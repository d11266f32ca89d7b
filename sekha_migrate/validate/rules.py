"""The registry of finding codes: what each one means and what fixes it.

Renderers that describe rules (SARIF's `tool.driver.rules`, GitLab's `check_name`) read it, so
a new check adds one entry here with its code, its usual severity and its documentation.
Schema rules are a family (`schema-<keyword>`), described by one entry built on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from sekha_migrate.findings import Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity  # the usual one; --strict turns warnings into errors
    description: str
    help: str


_RULES = (
    Rule("syntax", E, "The file is not valid YAML or JSON.", "Fix the syntax at the position "
         "shown; indent with spaces, not tabs."),
    Rule("encoding", E, "The file is not valid UTF-8.", "Save the file as UTF-8."),
    Rule("binary", E, "The file holds binary data, not text.", "Point validate at the YAML or "
         "JSON configuration."),
    Rule("too-large", E, "The input is larger than any configuration.", "Check that the path "
         "names a configuration file."),
    Rule("unreadable", E, "The path does not exist or cannot be read.", "Check the path and "
         "its permissions."),
    Rule("empty-document", E, "The file holds no configuration.", "Start from `sekha init` or "
         "convert a v1 configuration with `sekha migrate`."),
    Rule("not-a-mapping", E, "The top level is a list or a single value, not keys.",
         "Make the top level a mapping of keys such as version and llm_providers."),
    Rule("multiple-documents", E, "The file holds several YAML documents.", "Keep one "
         "configuration per file."),
    Rule("alias-bomb", E, "YAML aliases expand to too many nodes.", "Replace the nested "
         "aliases with plain values."),
    Rule("too-deep", E, "The document nests deeper than 200 levels.", "Flatten the structure."),
    Rule("duplicate-key", E, "A key appears twice in one mapping; loaders keep only the last.",
         "Remove one of the two entries."),
    Rule("non-string-key", E, "A key that YAML reads as something other than a string.",
         "Quote the key, e.g. 'on'."),
    Rule("complex-key", E, "A key that is a list or a mapping.", "Use a plain string key."),
    Rule("v1-config", E, "A v1 configuration given where v2 is expected.", "Convert it with "
         "`sekha-migrate migrate`."),
    Rule("duplicate-provider-id", E, "Two providers share one id.", "Give every provider a "
         "unique id."),
    Rule("unknown-default-model", E, "A default_models entry names a model no provider "
         "offers.", "Use a model_id listed under one of the providers."),
    Rule("default-model-task", E, "A default model has the wrong task for its role.",
         "Pick an embedding model for embedding, a vision model for chat_vision, chat models "
         "for chat defaults."),
    Rule("url-scheme", E, "A URL Sekha talks HTTP to lacks http(s):// or a host.",
         "Write the full URL, e.g. http://localhost:11434."),
    Rule("url-invalid", E, "A URL that cannot be parsed.", "Fix the URL."),
    Rule("unresolved-variable", N, "A ${VAR} is not set, so only the placeholder was "
         "checked.", "Set the variable or pass --env-file to check the real value."),
    Rule("dialect-key", W, "A key spelled as another Sekha component spells it: the file's own "
         "consumer ignores it.", "Rename it to the key the message names (sekha migrate does "
         "this)."),
    Rule("both-dialects", E, "Both 'providers' (the bridge's) and 'llm_providers' (the docker "
         "schema's) in one file; each consumer ignores the other's.", "Keep one registry; "
         "convert with sekha migrate --target docker|bridge."),
    Rule("bridge-literal-placeholder", W, "A ${VAR} the LLM bridge takes literally: it expands "
         "only the whole value of a provider's api_key.", "Write the value itself, or set it in "
         "the bridge's environment."),
    Rule("env-json", E, "SEKHA__LLM_PROVIDERS or SEKHA__DEFAULT_MODELS is not valid JSON.",
         "Write the value as JSON in single quotes (sekha migrate --target env does)."),
    Rule("env-syntax", W, "A .env line that is not a NAME=value assignment; it is skipped.",
         "Fix or remove the line."),
    Rule("unread-name", W, "A compose environment name no Sekha component reads: dead "
         "configuration.", "Remove it, or set the value the consumer reads."),
    Rule("unknown-name", W, "A SEKHA__ name no Sekha component reads.", "Check the spelling "
         "against sekha schema."),
    Rule("misplaced-key", W, "A routing key at the top level.", "Move it under routing:."),
    Rule("unknown-key", W, "A key Sekha does not read.", "Fix the spelling or remove the key; "
         "prefix your own keys with x-."),
    Rule("other-component-key", N, "A key of the LLM bridge's own configuration.",
         "Nothing to do unless this file is meant for the controller only."),
    Rule("literal-secret", W, "An API key written literally instead of as ${VAR}.",
         "Reference an environment variable, e.g. api_key: ${OPENAI_API_KEY}."),
    Rule("insecure-transport", W, "An API key sent over plain http:// to a remote host.",
         "Use https:// for remote providers."),
    Rule("missing-version", N, "No version key.", 'Add version: "2.0" at the top.'),
    Rule("not-sekha", N, "A YAML file with no Sekha keys at all, skipped (--skip-non-sekha).",
         "Nothing to do: the file is not a Sekha configuration."),
)
RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
SCHEMA_PREFIX = "schema-"


def rule_for(code: str) -> Rule:
    """The rule behind a finding code; any `schema-<keyword>` is described generically."""
    known = RULES.get(code)
    if known is not None:
        return known
    if code.startswith(SCHEMA_PREFIX):
        keyword = code[len(SCHEMA_PREFIX):]
        return Rule(code, E, f"The value breaks the v2 schema's '{keyword}' rule.",
                    "Change the value as the message says; `sekha schema` prints the schema.")
    return Rule(code, W, f"Finding '{code}'.", "See the message.")
