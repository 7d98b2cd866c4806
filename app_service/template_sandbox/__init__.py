"""Message templates rendered within bounds: `limits` checks what a template may build,
`pool` runs it in a child process under a timeout and a memory cap. `render` and
`render_many` are what the worker, the preview and campaign checks call."""

from __future__ import annotations

from app_service.template_sandbox.pool import Failure, RendererUnavailable, shared_pool

__all__ = ["RenderError", "RendererUnavailable", "render", "render_many"]


class RenderError(Exception):
    """The template cannot be rendered for this message (permanent). `kind` is `missing` (a
    merge field the data lacks), `recipient` (no address to send to), `syntax`, or a template
    error: `limit`, `unsafe`, `error`, `timeout`, `memory`, `crashed`."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind, self.detail = kind, detail
        if kind == "missing":
            text = f"missing merge field: {detail}"
        elif kind == "recipient":
            text = detail
        elif kind == "syntax":
            text = f"template_error: cannot be parsed: {detail}"
        else:
            text = f"template_error: {detail}"
        super().__init__(text)


def render_many(jobs: list[tuple[str, dict]]) -> list[str | RenderError]:
    """Render (source, fields) jobs in one round trip: each job's text or its RenderError."""
    out = shared_pool().render_many(jobs)
    return [RenderError(r.kind, r.detail) if isinstance(r, Failure) else r for r in out]


def render(source: str, fields: dict) -> str:
    (result,) = render_many([(source, fields)])
    if isinstance(result, RenderError):
        raise result
    return result
