"""reminderly: campaigns of appointment reminders, surveys and review requests."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root: `db/` (migrations, procedures, queries) is read from here."""

DB_DIR = PROJECT_ROOT / "db"
