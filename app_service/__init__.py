"""reminderly: campaigns of appointment reminders, surveys and review requests."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root: `db/` (migrations, procedures, queries) is read from here."""

DB_DIR = Path(os.environ.get("REMINDERLY_DB_DIR") or PROJECT_ROOT / "db")
"""SQL files: the repository's db/, or REMINDERLY_DB_DIR where the package is installed (image)."""
