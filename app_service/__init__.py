"""reminderly: campaigns of appointment reminders, surveys and review requests."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout's root, for what only exists in a checkout (tests, stacks, runbooks, the
generated client). Installed code reads its SQL and OpenAPI files through app_service.resources,
never through this."""
