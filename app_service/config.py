"""Where the database is: `DATABASE_URL` if set, else the PG* variables libpq reads (PGHOST
set), else the embedded server's folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app_service.resources import default_data_dir


@dataclass(frozen=True)
class Settings:
    """Process settings read once from the environment."""

    database_url: str | None
    data_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = os.environ.get("REMINDERLY_DATA_DIR")
        url = os.environ.get("DATABASE_URL") or None
        if url is None and os.environ.get("PGHOST"):
            # In ECS the credentials arrive as PG* variables from Secrets Manager; libpq
            # completes an empty URL from them.
            url = "postgresql://"
        return cls(
            database_url=url,
            data_dir=Path(data_dir) if data_dir else default_data_dir(),
        )

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"
