"""Render a message from its step's template in the bounded sandbox (app_service.template_sandbox).
A merge field the data does not have fails the message with the field's name, never a blank
in a customer's text; any other failure of the template fails it as `template_error: ...`."""

from __future__ import annotations

from app_service.template_sandbox import RenderError, RendererUnavailable, render, render_many

__all__ = ["RenderError", "RendererUnavailable", "render", "render_many"]
