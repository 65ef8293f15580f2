"""Peluit's configuration: one frozen object, read once from the environment and `.env`.

Names are the interface other people depend on (see README, "Settings"). A missing required
value stops start-up with a message that says what to set and where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_CATEGORIES = (
    "korupsi",
    "penipuan",
    "maladministrasi",
    "disiplin",
    "pelecehan",
    "netralitas",
    "wewenang",
    "lainnya",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", frozen=True, extra="ignore"
    )

    telegram_bot_token: str = Field("", alias="TELEGRAM_BOT_TOKEN", repr=False)
    telegram_api_url: str = Field("https://api.telegram.org", alias="TELEGRAM_API_URL")
    staff_chat_id: int = Field(0, alias="PELUIT_STAFF_CHAT_ID")
    # More staff groups (optional): one for reports the reporter says concern the team or the
    # leadership, and category routes ("pelecehan:-100…,netralitas:-100…").
    escalation_chat_id: int = Field(0, alias="PELUIT_ESCALATION_CHAT_ID")
    routes: Annotated[tuple[tuple[str, int], ...], NoDecode] = Field((), alias="PELUIT_ROUTES")
    data_dir: Path = Field(Path("./data"), alias="PELUIT_DATA_DIR")
    database_url: str | None = Field(None, alias="PELUIT_DATABASE_URL", repr=False)

    webhook_url: str | None = Field(None, alias="PELUIT_WEBHOOK_URL")
    webhook_listen: str = Field("127.0.0.1", alias="PELUIT_WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, alias="PELUIT_WEBHOOK_PORT")
    webhook_secret: str | None = Field(None, alias="PELUIT_WEBHOOK_SECRET", repr=False)
    # Polling mode: /healthz on 127.0.0.1 at this port (0: no listener). Webhook mode serves
    # /healthz on the webhook listener.
    health_port: int = Field(8444, alias="PELUIT_HEALTH_PORT", ge=0, le=65535)

    # Keys: generated into the data dir on first start unless given here.
    content_keys: str | None = Field(None, alias="PELUIT_CONTENT_KEYS", repr=False)
    routing_keys: str | None = Field(None, alias="PELUIT_ROUTING_KEYS", repr=False)
    lookup_key: str | None = Field(None, alias="PELUIT_LOOKUP_KEY", repr=False)
    disclosure_public_key: str | None = Field(None, alias="PELUIT_DISCLOSURE_PUBLIC_KEY")

    categories: Annotated[tuple[str, ...], NoDecode] = Field(DEFAULT_CATEGORIES, alias="PELUIT_CATEGORIES")
    case_prefix: str = Field("WBS", alias="PELUIT_CASE_PREFIX")
    staff_language: str = Field("id", alias="PELUIT_STAFF_LANGUAGE")
    # Named in the reporter's welcome and help ("Inspektorat Kabupaten Contoh"); empty: "our
    # institution"; reports: "Whistleblowing System"). Dates and times are shown in this zone
    # (an IANA name).
    institution_name: str = Field("", alias="PELUIT_INSTITUTION_NAME", max_length=120)
    timezone: str = Field("Asia/Jakarta", alias="PELUIT_TIMEZONE")

    draft_ttl_hours: float = Field(24, alias="PELUIT_DRAFT_TTL_HOURS")
    ack_deadline_days: int = Field(7, alias="PELUIT_ACK_DEADLINE_DAYS")
    feedback_deadline_days: int = Field(90, alias="PELUIT_FEEDBACK_DEADLINE_DAYS")
    new_case_delay_max_minutes: float = Field(0, alias="PELUIT_NEW_CASE_DELAY_MAX_MINUTES")

    max_answer_chars: int = Field(8000, alias="PELUIT_MAX_ANSWER_CHARS")
    relay_delay_seconds: float = Field(20, ge=0, le=3600, alias="PELUIT_RELAY_DELAY_SECONDS")
    max_attachments: int = Field(10, alias="PELUIT_MAX_ATTACHMENTS")
    max_file_bytes: int = Field(20 * 1024 * 1024, alias="PELUIT_MAX_FILE_BYTES")
    max_image_megapixels: float = Field(40, alias="PELUIT_MAX_IMAGE_MEGAPIXELS")
    case_files_per_day: int = Field(20, alias="PELUIT_CASE_FILES_PER_DAY")
    case_bytes_per_day: int = Field(100 * 1024 * 1024, alias="PELUIT_CASE_BYTES_PER_DAY")
    reports_per_chat_per_hour: int = Field(3, alias="PELUIT_REPORTS_PER_CHAT_PER_HOUR")
    # Failed ticket-code guesses one chat may make per window; then every code is refused there
    # until the window ends. Across all chats nobody is refused: above the global number of failed
    # guesses in a window, the log and the staff group are told (once a window).
    status_attempts_per_chat: int = Field(5, alias="PELUIT_STATUS_ATTEMPTS_PER_CHAT")
    status_attempts_global: int = Field(100, alias="PELUIT_STATUS_ATTEMPTS_GLOBAL")
    status_window_minutes: int = Field(15, alias="PELUIT_STATUS_WINDOW_MINUTES")

    retention_routing_days: int = Field(180, alias="PELUIT_RETENTION_ROUTING_DAYS")
    retention_content_days: int = Field(1825, alias="PELUIT_RETENTION_CONTENT_DAYS")

    send_global_per_second: float = Field(25, alias="PELUIT_SEND_GLOBAL_PER_SECOND")
    send_group_per_minute: float = Field(19, alias="PELUIT_SEND_GROUP_PER_MINUTE")
    # The window a staff group's budget is counted over (PostgreSQL: shared by every replica).
    # Telegram's is a minute; tests shorten it to see a minute's behaviour in seconds.
    send_group_window_seconds: float = Field(60, gt=0, le=3600,
                                             alias="PELUIT_SEND_GROUP_WINDOW_SECONDS")
    outbox_lease_seconds: float = Field(30, alias="PELUIT_OUTBOX_LEASE_SECONDS")
    delivery_horizon_days: float = Field(4, gt=0, alias="PELUIT_DELIVERY_HORIZON_DAYS")
    delivery_backoff_cap_seconds: float = Field(300, gt=0, alias="PELUIT_DELIVERY_BACKOFF_CAP_SECONDS")
    member_cache_seconds: float = Field(60, alias="PELUIT_MEMBER_CACHE_SECONDS")
    poll_timeout_seconds: int = Field(10, alias="PELUIT_POLL_TIMEOUT_SECONDS")
    log_level: str = Field("INFO", alias="PELUIT_LOG_LEVEL")
    # How the bot speaks HTTP to the Bot API: aiohttp (bot/http.py, lighter) or httpx
    # (python-telegram-bot's own client).
    http_client: Literal["aiohttp", "httpx"] = Field("aiohttp", alias="PELUIT_HTTP_CLIENT")
    # `peluit sandbox` only: the port of its page on 127.0.0.1.
    sandbox_port: int = Field(8080, alias="PELUIT_SANDBOX_PORT", ge=0, le=65535)

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("routes", mode="before")
    @classmethod
    def _split_routes(cls, value: object) -> object:
        """`category:chat_id` pairs separated by commas; each part checked, calmly."""
        if not isinstance(value, str):
            return value
        pairs: list[tuple[str, int]] = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            category, sep, chat = part.partition(":")
            category, chat = category.strip(), chat.strip()
            if not sep or not category or not chat:
                raise ValueError(f"'{part}' is not category:chat_id")
            try:
                chat_id = int(chat)
            except ValueError:
                raise ValueError(f"'{chat}' (for {category}) is not a chat id") from None
            if chat_id >= 0:
                raise ValueError(f"'{chat}' (for {category}) is not a group's chat id "
                                 "(a group's id is negative)")
            if any(category == known for known, _ in pairs):
                raise ValueError(f"category '{category}' is routed twice")
            pairs.append((category, chat_id))
        return tuple(pairs)

    @property
    def staff_groups(self) -> tuple[int, ...]:
        """Every configured staff group, the main one first, each once."""
        groups = [self.staff_chat_id, self.escalation_chat_id, *(c for _, c in self.routes)]
        return tuple(dict.fromkeys(g for g in groups if g))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Jakarta,"
                             " Asia/Makassar or Asia/Jayapura)") from None
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url_or_default(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'peluit.db').resolve()}"


# A hint for the operator, not a secret (bandit B105 reads "TOKEN" as a password).
_HINTS = {
    "TELEGRAM_BOT_TOKEN": "the token @BotFather gave you (e.g. 123456:ABC...)",  # nosec B105
    "PELUIT_STAFF_CHAT_ID": "the staff group's chat id, a negative number such as -1001234567890",
    "PELUIT_ESCALATION_CHAT_ID": "the escalation group's chat id (a negative number), "
                                 "different from PELUIT_STAFF_CHAT_ID; or leave it unset",
    "PELUIT_ROUTES": "category:chat_id pairs separated by commas, e.g. "
                     "pelecehan:-1001234567891,netralitas:-1001234567892; categories from "
                     "PELUIT_CATEGORIES",
}


PLACEHOLDER_TOKEN = "123456789:replace-with-the-token-from-BotFather"  # noqa: S105  # nosec B105


def token_is_placeholder(token: str) -> bool:
    """The token .env.example ships with (or any "replace-with…" one): not a configured token."""
    return token.strip() == PLACEHOLDER_TOKEN or "replace-with" in token


def _group_problems(settings: Settings) -> list[tuple[str, str]]:
    """The extra staff groups make sense: negative ids, not the main group, known categories."""
    problems: list[tuple[str, str]] = []
    escalation = settings.escalation_chat_id
    if escalation and (escalation >= 0 or escalation == settings.staff_chat_id):
        problems.append(("PELUIT_ESCALATION_CHAT_ID", _HINTS["PELUIT_ESCALATION_CHAT_ID"]))
    for category, chat_id in settings.routes:
        if category not in settings.categories:
            problems.append(("PELUIT_ROUTES", f"'{category}' is not one of PELUIT_CATEGORIES "
                             f"({', '.join(settings.categories)})"))
        elif escalation and chat_id == escalation:
            problems.append(("PELUIT_ROUTES", f"'{category}' goes to the escalation group: "
                             "route it to another group (or to none)"))
    return problems


class SettingsError(SystemExit):
    """Start-up stops: the message says which setting to set and where."""


def load_settings(*, require_telegram: bool = True, **overrides: object) -> Settings:
    """Settings from the environment and `.env`. Offline commands (migrate, keys, audit) do not
    need the Telegram settings; running the bot does, and stops here when they are missing."""
    problems: list[tuple[str, str]] = []
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            problems.append((name, f"{error['msg']} ({_HINTS.get(name, 'see .env.example')})"))
        settings = None
    if settings is not None and require_telegram:
        if not settings.telegram_bot_token or token_is_placeholder(settings.telegram_bot_token):
            problems.append(("TELEGRAM_BOT_TOKEN", _HINTS["TELEGRAM_BOT_TOKEN"]))
        if not settings.staff_chat_id:
            problems.append(("PELUIT_STAFF_CHAT_ID", _HINTS["PELUIT_STAFF_CHAT_ID"]))
    if settings is not None:
        problems += _group_problems(settings)
    if problems or settings is None:
        lines = ["Peluit cannot start: its configuration is incomplete."]
        lines += [f"  - set {name}: {hint}" for name, hint in problems]
        lines.append("Set them in the environment or in a .env file in the working directory")
        lines.append("(copy .env.example to .env and fill it in).")
        if any(name == "TELEGRAM_BOT_TOKEN" for name, _ in problems):
            lines.append("To try Peluit without Telegram first: `peluit sandbox`.")
        raise SettingsError("\n".join(lines))
    return settings
