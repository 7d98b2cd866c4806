"""Render a message from its step's template in jinja2's sandbox. A merge field the data
does not have fails the message with the field's name, never a blank in a customer's text."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


class RenderError(Exception):
    """The template cannot be rendered for this message (permanent)."""


@lru_cache(maxsize=512)
def _compile(source: str):
    return _ENV.from_string(source)


def render(source: str, fields: dict) -> str:
    try:
        return _compile(source).render(**fields).strip()
    except UndefinedError as exc:
        raise RenderError(f"missing merge field: {exc.message}") from None
    except TemplateError as exc:
        raise RenderError(f"template error: {exc}") from None
