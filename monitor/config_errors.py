"""Config error messages that point at the exact line and key of the offending value."""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from pydantic import ValidationError

__all__ = ["ConfigError", "describe_validation_error", "located", "secret_key_problems"]

# Keys that would hold a secret; their `*_env` / `*_file` twins are the accepted forms.
SECRET_KEYS = frozenset(
    {
        "token",
        "password",
        "secret",
        "client_secret",
        "api_key",
        "bearer_token",
        "private_key",
        "routing_key",
        "webhook_url",
        "database_url",
        "credentials",
    }
)
_TAGS_AT = {"sources": 2, "receivers": 2}


class ConfigError(Exception):
    """A config file is invalid; each entry of `problems` is one self-contained line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def dotted(loc: Sequence[int | str]) -> str:
    """`("sources", 3, "path")` -> `sources[3].path`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def located(node: yaml.Node | None, source: str, loc: Sequence[int | str], message: str) -> str:
    line = _line(node, loc)
    where = f"{source}:{line}" if line else source
    return f"{where}: {dotted(loc)}: {message}"


def _clean_loc(loc: Sequence[int | str]) -> list[int | str]:
    """Drop the discriminator tag pydantic inserts after a union member's index."""
    parts = list(loc)
    for index in range(len(parts) - 2):
        if parts[index] in _TAGS_AT and isinstance(parts[index + 1], int):
            del parts[index + 2]
            break
    return parts


def describe_validation_error(
    err: ValidationError, node: yaml.Node | None, source: str
) -> list[str]:
    problems = []
    for item in err.errors(include_url=False, include_input=False):
        loc = _clean_loc(item["loc"])
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "union_tag_invalid":
            message = (
                "unknown source type "
                + str(item.get("ctx", {}).get("tag", ""))
                + " (known: "
                + str(item.get("ctx", {}).get("expected_tags", ""))
                + ")"
            )
        elif item["type"] == "union_tag_not_found":
            message = "missing `type`"
        elif item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(located(node, source, loc, message))
    return problems


def secret_key_problems(data: object, node: yaml.Node | None, source: str) -> list[str]:
    """Refuse literal secrets anywhere in the document, without echoing them."""
    problems: list[str] = []

    def walk(value: object, loc: list[int | str]) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and key.lower() in SECRET_KEYS and child not in (None, ""):
                    problems.append(
                        located(
                            node,
                            source,
                            [*loc, key],
                            f"secrets are not read from the config file; set "
                            f"{key}_env (an environment variable name) or "
                            f"{key}_file (a file path) instead",
                        )
                    )
                else:
                    walk(child, [*loc, key])
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, [*loc, index])

    walk(data, [])
    return problems
