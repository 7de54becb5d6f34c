"""All configuration in one place: environment variables and an optional `.env` file."""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent  # the repository
DEV_SECRET_KEY = "dev-only-secret-change-me-in-production-please"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ROOT / ".env", extra="ignore")

    environment: str = "development"  # development | test | production

    temporal_address: str = "127.0.0.1:7233"
    # `make run` starts an embedded dev server on these ports when TEMPORAL_ADDRESS is unset.
    temporal_dev_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    temporal_task_queue: str = "jiaoyan"

    # Runtime state of `make run`: the SQLite databases and the logs.
    var_dir: Path = ROOT / "var"
    database_url: str = ""  # default: SQLite in var_dir

    secret_key: str = DEV_SECRET_KEY
    access_token_minutes: int = 12 * 60

    admin_username: str = "admin"
    admin_password: str = "demo-pass"
    demo_data: bool = True
    demo_password: str = "demo-pass"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_use_tls: bool = False
    smtp_sender_name: str = "教研流"
    smtp_sender_address: str = "noreply@jiaoyan.local"

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    timezone: str = "Asia/Shanghai"

    # Notifications (issue 4). External channels (e-mail, robots) are off under environment=test
    # unless a test turns them on: other tests then never wait on a mail server.
    notification_channels: bool | None = None
    # Quiet hours are the default of every teacher's preferences.
    quiet_hours_start: str = "22:00"
    quiet_hours_end: str = "07:00"
    digest_time: str = "18:00"  # when a teacher's daily digest goes out
    delivery_batch_size: int = 500  # deliveries claimed at a time by a delivery activity
    # Delivery activities in flight per notice, and sends in flight inside each: their product is
    # the most messages a crashed worker can leave sent but unrecorded (sent again after it).
    delivery_parallel_batches: int = 2
    delivery_concurrency: int = 10
    # A claim on a delivery lasts this long, renewed (with a heartbeat) four times as often; it is
    # also the activity's heartbeat timeout, so a lost worker's claims lapse as Temporal retries.
    delivery_lease_seconds: float = 20.0
    # Rounds of delivery activities (the database gone, the worker lost) before the rows still
    # open are marked failed; the pause between rounds starts here and doubles (5+10+20+40 s).
    delivery_rounds: int = 5
    delivery_round_retry_seconds: float = 5.0
    delivery_attempts: int = 3  # tries per message on transient errors (5xx, timeouts)
    delivery_retry_base_seconds: float = 2.0  # backoff: base, 2×base, 4×base...
    robot_rate_per_minute: int = 20  # WeCom and DingTalk group robots
    robot_max_mentions: int = 50  # @-mentions per robot message; more are split
    http_timeout_seconds: float = 10.0
    # A run whose activity has failed this many times, or for this long, shows as stalled and
    # alerts the admins (once); it goes on retrying and carries on when the cause is gone.
    stall_after_attempts: int = 5
    stall_after_minutes: int = 10
    public_base_url: str = "http://127.0.0.1:8000"

    # Request bodies larger than this are refused (413) before they are read: roster imports,
    # and every other request.
    max_import_bytes: int = 10 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024

    @model_validator(mode="after")
    def _defaults_and_checks(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'jiaoyan.db'}"
        if self.environment not in ("development", "test") and self.secret_key == DEV_SECRET_KEY:
            raise ValueError("SECRET_KEY must be set outside development (the default is public)")
        return self

    @property
    def external_channels(self) -> bool:
        return self.notification_channels if self.notification_channels is not None else self.environment != "test"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
