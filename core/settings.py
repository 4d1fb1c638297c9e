"""Process-wide configuration, read once from the environment (no streamlit, no I/O at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "tripod.db"


def normalise_database_url(url: str) -> str:
    """Accept the URL forms people paste and return one SQLAlchemy understands.

    `postgres://` and `postgresql://` (as Heroku-style providers print them) are sent to
    the psycopg 3 driver, which is the one Tripod installs.
    """
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    timezone: str = "Asia/Shanghai"
    demo_mode: bool = True
    # SQLite waits this long for a competing writer before reporting "busy".
    sqlite_busy_timeout_ms: int = 5000
    # Committed demo data older than this many days is regenerated for today on first start.
    demo_max_age_days: int = 21
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (os.environ by default)."""
    env = dict(os.environ if env is None else env)
    url = env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    return Settings(
        database_url=normalise_database_url(url),
        timezone=env.get("TRIPOD_TIMEZONE", "Asia/Shanghai"),
        demo_mode=_flag(env, "TRIPOD_DEMO", True),
        sqlite_busy_timeout_ms=int(env.get("TRIPOD_SQLITE_BUSY_MS", "5000")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
