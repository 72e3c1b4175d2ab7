"""Secrets read from the environment or from files, never from the config file.

`Secret` masks itself in `repr`/`str` so a secret cannot leak through a log line, an
exception message or a pydantic error by accident. Leaf module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["Secret", "SecretError", "resolve_secret"]


class SecretError(ValueError):
    """A secret reference could not be resolved; the message never contains the secret."""


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def resolve_secret(
    *, env: str | None, file: Path | None, environ: Mapping[str, str] | None = None
) -> Secret | None:
    """Read a secret from an environment variable or a file (trailing newline stripped)."""
    if env and file:
        raise SecretError("set either the environment variable or the file, not both")
    if env:
        value = (os.environ if environ is None else environ).get(env)
        if value is None or value == "":
            raise SecretError(f"environment variable {env} is not set")
        return Secret(value)
    if file:
        try:
            return Secret(file.read_text(encoding="utf-8").rstrip("\r\n"))
        except OSError as err:
            raise SecretError(f"cannot read secret file {file}: {err.strerror}") from None
    return None
