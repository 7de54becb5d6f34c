"""All configuration in one place: environment variables and an optional `.env` file."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.library.api import ResourceKind

ROOT = Path(__file__).resolve().parent.parent  # the repository
# Where `make run` keeps the key it generated when SECRET_KEY is unset (scripts/run_stack.py).
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32  # a short HS256 key can be guessed offline from any one token


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

    # Signs access tokens and console CSRF tokens. No default: SECRET_KEY, else var_dir/secret_key
    # (which `make run` generates once); without either the API refuses to start.
    secret_key: str | None = Field(default=None, min_length=MIN_SECRET_KEY_LENGTH)
    access_token_minutes: int = 12 * 60
    # Activation codes (开通码) of teachers' logins: how long one stays usable after it is issued.
    activation_code_days: int = 14
    # Login attempts allowed before a 429 (the `limits` library's notation, moving windows; every
    # window must allow the attempt, so the wait grows with the attempts). Every attempt counts
    # before its password is checked, so a burst cannot outrun the count; per username a success
    # starts again, per client address (a school behind one NAT) successes count too.
    login_limits_per_username: str = "10/minute;20/hour;50/day"
    login_limits_per_address: str = "50/minute;200/hour;1000/day"
    # argon2 checks running at once per API process. Each takes 64 MiB and already runs 4 lanes in
    # threads of its own: a burst of logins queues for this one instead of taking every core.
    password_check_threads: int = Field(default=1, ge=1)
    # Who may say, in X-Forwarded-For, which address a request comes from: comma-separated IPs or
    # networks of the reverse proxies in front of the API. Empty: the peer's address, always.
    trusted_proxies: str = ""
    # What the API server accepts before the body (scripts/serve_api.py): request line and headers
    # together at most this many bytes (400 beyond), and at most this many connections and
    # requests in flight per process (503 beyond).
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_connections: int = Field(default=1000, ge=1)

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

    # Check-in windows per kind of attendance (services/attendance/window.py): minutes before the
    # start it opens, minutes after it closes (after a training's end, a session's start). A new
    # campaign or series fixes them when it is created; a series may choose its own.
    checkin_training_opens_minutes_before: int = Field(default=30, ge=0, le=24 * 60)
    checkin_training_closes_minutes_after: int = Field(default=30, ge=0, le=24 * 60)
    checkin_session_opens_minutes_before: int = Field(default=30, ge=0, le=24 * 60)
    checkin_session_closes_minutes_after: int = Field(default=60, ge=0, le=24 * 60)
    # Touring lessons (送教下乡 · 巡回送教, README "Touring lessons"). A stop's check-in window opens
    # before its start and closes after its end. The seeds (001_… §一) ask for careful preparation
    # but give no numbers: the presenter's checklist is due a week before the stop; the host school's
    # feedback is asked for when the stop ends and chased every few days until given, the tour's
    # staff told after the last chase. A tour fixes these when it is created (its run acts on them).
    checkin_tour_stop_opens_minutes_before: int = Field(default=30, ge=0, le=24 * 60)
    checkin_tour_stop_closes_minutes_after: int = Field(default=30, ge=0, le=24 * 60)
    tour_checklist_days_before: int = Field(default=7, ge=1, le=60)
    tour_feedback_chase_days: int = Field(default=3, ge=1, le=30)
    tour_feedback_chases: int = Field(default=3, ge=1, le=10)

    # Mentor pairs (青蓝工程, issue 20). The seeds (002_…) ask for staged assessments (阶段考评) but give
    # no count, dates or observation quota: two stages, mid-year and year-end (MM-DD in the school
    # year that starts 1 September), and no monthly log quota until staff set one for a programme.
    mentoring_stage_dates: str = "01-20,07-05"
    mentoring_monthly_log_quota: int = Field(default=0, ge=0, le=31)
    mentoring_form_reminder_days: int = Field(default=7, ge=0, le=60)  # before a stage's date
    mentoring_escalate_after_days: int = Field(default=3, ge=1, le=60)  # to the school contact, twice that to staff

    # Notifications (issue 4). External channels (e-mail, robots) are off under environment=test
    # unless a test turns them on: other tests then never wait on a mail server.
    notification_channels: bool | None = None
    # Quiet hours are the default of every teacher's preferences.
    quiet_hours_start: str = "22:00"
    quiet_hours_end: str = "07:00"
    digest_time: str = "18:00"  # when a teacher's daily digest goes out
    delivery_batch_size: int = 500  # deliveries claimed at a time by a delivery activity
    # Delivery activities in flight per notice, and sends in flight inside each.
    delivery_parallel_batches: int = 2
    delivery_concurrency: int = 10
    # Delivery activities one worker process runs at once, whatever the number of notices: the
    # rest wait on their queue (contracts/notifications/delivery.py: drains_queue). Times
    # DELIVERY_CONCURRENCY, the most messages a killed worker can leave sent but unrecorded.
    delivery_drains_per_worker: int = Field(default=4, ge=1, le=100)
    # A claim on a delivery lasts this long, renewed four times as often; it is also the activity's
    # heartbeat timeout (the stall watch beats), so a lost worker's claims lapse as Temporal retries.
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
    # Robots and webhooks post only to public addresses (checked as they connect), except to
    # these hosts: comma-separated names or IPs, e.g. a school's webhook receiver on the LAN.
    channel_private_hosts: str = ""
    # A run whose activity has failed this many times, or for this long, shows as stalled and
    # alerts the admins (once); it goes on retrying and carries on when the cause is gone.
    stall_after_attempts: int = 5
    stall_after_minutes: int = 10
    # How often the worker starts the run of any campaign or series the database holds live
    # without one (created while Temporal was down, or its process killed before the start).
    reconcile_seconds: float = 300.0
    public_base_url: str = "http://127.0.0.1:8000"

    # Operations (issue 23). Backups (`make backup`, scripts/backup.py): archives in BACKUP_DIR
    # (default var_dir/backups), the newest BACKUP_KEEP kept; `make run` takes one when the newest
    # is older than BACKUP_EVERY_HOURS (0: never). /metrics of the API and of the worker: on
    # METRICS_HOST (loopback unless a scraper elsewhere needs it), one port each (None: not served);
    # the worker refreshes the product's gauges (notices, stalled runs, backup age) every
    # METRICS_REFRESH_SECONDS and writes its heartbeat every WORKER_HEARTBEAT_SECONDS (/health/ready
    # wants one younger than 3 of them). OTLP_ENDPOINT (e.g. http://127.0.0.1:4318): traces from the
    # API through the Update to the activity are exported there; unset, none are made. LOG_FORMAT:
    # json | text | auto (json unless the output is a terminal).
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1)
    backup_every_hours: float = Field(default=24.0, ge=0)
    metrics_host: str = "127.0.0.1"
    api_metrics_port: int | None = 9464
    worker_metrics_port: int | None = 9465
    metrics_refresh_seconds: float = Field(default=15.0, gt=0)
    # Workflow tasks a worker process takes at once. Their code runs under one GIL: after a restore
    # or a long outage every run wakes at once, and a worker that took 100 cold tasks (each loading
    # its sandbox) finished none inside the 10 s task timeout and kept retrying them (measured here).
    worker_workflow_tasks: int = Field(default=10, ge=2)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    otlp_endpoint: str | None = None
    log_format: str = "auto"
    # Teacher exchanges (交流轮岗, issue 20). The quotas' defaults are the seed's (002_…): per alliance
    # at least 5 long-term (one year or more) two-way exchanges with town schools, and 20 % of
    # teachers on short ones (a week or more); the seed does not say 20 % of whom, hence
    # EXCHANGE_SHORT_BASE: the alliance's teachers, or its lead school's. The quota year runs from
    # EXCHANGE_YEAR_START to EXCHANGE_YEAR_END (MM-DD); its checkpoints fall halfway and six weeks
    # before its end. The timings are a research office's habits, no seed's: notices a week before
    # the start, a reminder two weeks before the end, the return report due two weeks after the
    # return, three days late to the home school's contact, three more to staff.
    exchange_notice_days_before: int = Field(default=7, ge=0, le=60)
    exchange_end_reminder_days_before: int = Field(default=14, ge=0, le=120)
    exchange_report_due_days: int = Field(default=14, ge=1, le=90)
    exchange_escalate_after_days: int = Field(default=3, ge=1, le=60)
    exchange_long_target: int = Field(default=5, ge=0)
    exchange_short_percent: int = Field(default=20, ge=0, le=100)
    exchange_short_base: Literal["alliance", "lead_school"] = "alliance"
    exchange_year_start: str = Field(default="09-01", pattern=r"^\d{2}-\d{2}$")
    exchange_year_end: str = Field(default="07-15", pattern=r"^\d{2}-\d{2}$")

    # Request bodies larger than this are refused (413) before they are read: roster imports,
    # and every other request.
    max_import_bytes: int = 10 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024

    # The shared library (合作教研云, services/library/). Files go to the local disk under VAR_DIR/library
    # (LIBRARY_DIR) or, with LIBRARY_STORAGE=s3, to an S3-compatible store (MinIO in compose). An upload
    # larger than its kind's limit (bytes; JSON, e.g. {"recording": 4294967296}) is refused as it
    # streams. The worker offers authors to publish their approved plans, reflections and minutes
    # every LIBRARY_OFFER_SECONDS.
    library_storage: Literal["local", "s3"] = "local"
    library_dir: Path | None = None
    library_s3_bucket: str = "jiaoyan-library"
    library_s3_endpoint: str = ""  # e.g. http://minio:9000; empty: AWS
    library_s3_region: str = "us-east-1"
    library_s3_access_key: str = ""
    library_s3_secret_key: str = ""
    library_max_bytes: dict[ResourceKind, int] = {
        ResourceKind.recording: 2 * 1024**3, ResourceKind.courseware: 200 * 1024**2,
        ResourceKind.school_course: 200 * 1024**2, ResourceKind.lesson_plan: 50 * 1024**2,
        ResourceKind.reflection: 50 * 1024**2, ResourceKind.minutes: 50 * 1024**2, ResourceKind.experience: 50 * 1024**2,
    }  # fmt: skip
    library_offer_seconds: float = 60.0

    # /docs, /redoc and /openapi.json: a map of every route for whoever asks. Unset: served except
    # under environment=production.
    api_docs: bool | None = None

    @model_validator(mode="after")
    def _defaults_and_checks(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'jiaoyan.db'}"
        if self.backup_dir is None:
            self.backup_dir = self.var_dir / "backups"
        if self.environment == "test":  # tests run side by side: no fixed port unless a test names one
            for port in {"api_metrics_port", "worker_metrics_port"} - self.model_fields_set:
                setattr(self, port, None)
        if self.library_dir is None:
            self.library_dir = self.var_dir / "library"
        key_file = self.var_dir / SECRET_KEY_FILE
        if self.secret_key is None and key_file.is_file():
            self.secret_key = key_file.read_text().strip()
        return self

    @property
    def external_channels(self) -> bool:
        return self.notification_channels if self.notification_channels is not None else self.environment != "test"

    @property
    def api_docs_served(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    @property
    def secure_cookies(self) -> bool:
        """Served over https: cookies are then sent over https only."""
        return self.public_base_url.startswith("https://")

    @property
    def channel_private_host_set(self) -> frozenset[str]:
        """CHANNEL_PRIVATE_HOSTS as URLs name them: lower case, IP addresses in their usual form."""
        hosts = {host.strip().strip("[]").lower() for host in self.channel_private_hosts.split(",")} - {""}
        return frozenset(_canonical_ip(host) for host in hosts)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [proxy.strip() for proxy in self.trusted_proxies.split(",") if proxy.strip()]

    @property
    def library_upload_limit(self) -> int:
        """The largest upload of any kind: the body limit of the upload routes."""
        return max(self.library_max_bytes.values(), default=0)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _canonical_ip(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host  # a name


@lru_cache
def get_settings() -> Settings:
    return Settings()
