"""Settings, read only by entry points (create_app, the worker, the CLI)."""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from casework import installation

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - the refused default


class Environment(StrEnum):
    """Where the service runs; only development accepts default secrets."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    """How the worker protects its connection to the mail server."""

    STARTTLS = "starttls"
    TLS = "tls"
    #: Plain SMTP: only for a relay on the same host or in tests.
    NONE = "none"


class LogFormat(StrEnum):
    """How every process writes its log lines."""

    TEXT = "text"
    #: One JSON object a line, for a log collector.
    JSON = "json"


class Settings(BaseSettings):
    """Every setting of the service; each one is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="TAKEDOWN_", extra="forbid")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///takedown-data/takedown.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    database_pool_size: int = 10
    database_pool_overflow: int = 10
    database_pool_timeout_seconds: float = 10.0
    database_lock_wait_seconds: float = 30.0
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    max_fingerprints_per_request: int = 2500
    max_fingerprints_per_case: int = 25000
    max_photos_per_request: int = 100
    max_photos_per_case: int = 1000
    victim_requests_per_minute: int = 120
    pin_failures_per_client_per_minute: int = 20
    cases_per_client_per_minute: int = 5
    fingerprints_per_client_per_minute: int = 10000
    trusted_proxies: str = ""
    pin_lockout_failures: int = 5
    pin_lockout_minutes: int = 15
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_concurrency: int = 4
    argon2_wait_seconds: float = 1.0
    index_refresh_seconds: float = 1.0
    #: Share one bank index among the machine's processes (casework/bank/snapshot.py).
    index_shared: bool = True
    fetch_allow_loopback: bool = False
    #: How often the worker pulls each federation and threatexchange_url bank.
    bank_pull_minutes: float = 10.0
    worker_job_memory_mb: int = 3072
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    #: The bearer token /metrics asks for; empty turns the endpoint off (404).
    metrics_token: SecretStr = SecretStr("")
    default_organisation: str = ""
    platform_registry: str = ""
    console_idle_minutes: int = 30
    console_absolute_hours: int = 12
    console_logins_per_client_per_minute: int = 20
    console_login_failures_per_account_per_minute: int = 10
    platform_requests_per_minute: int = 600
    platform_checks_per_minute: int = 60_000
    flagger_reports_per_minute: int = 150
    flagger_urls_per_minute: int = 1500
    check_image_max_bytes: int = 10 * 1024 * 1024
    check_image_processes: int = 2
    check_image_waiting: int = 4
    check_image_memory_mb: int = 3072
    quarantine_platforms: int = 2
    removal_check_grace_minutes: int = 10
    watch_interval_hours: float = 24.0
    watch_jitter_minutes: int = 120
    watch_host_spacing_seconds: int = 30
    watch_site_pages: int = 20
    watch_site_pause_seconds: float = 1.0
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = ""
    notify_min_interval_minutes: int = 60
    #: Where secret_key came from, in words; get_settings() fills it in for error messages.
    _secret_source: str = PrivateAttr(default="the secret key given to this process")

    @property
    def secret_source(self) -> str:
        """Where the secret key came from, for a message that says which key was used."""
        return self._secret_source

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The reverse proxies whose X-Forwarded-For names the client (none by default)."""
        return tuple(
            ip_network(item.strip()) for item in self.trusted_proxies.split(",") if item.strip()
        )

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        # Docker and Kubernetes hand secrets over as files: TAKEDOWN_SECRET_KEY_FILE wins.
        # settings.env (written by `takedown up`) names its secret key file the same way.
        if not isinstance(data, dict):
            return data
        for name in ("secret_key", "database_url", "redis_url", "smtp_password", "metrics_token"):
            local = data.pop(f"takedown_{name}_file", None)
            path = os.environ.get(f"TAKEDOWN_{name.upper()}_FILE") or local
            if path and name not in data:
                data[name] = Path(path).read_text(encoding="utf-8").strip()
        return data

    @model_validator(mode="after")
    def _fail_closed(self) -> Settings:
        if self.smtp_host and not self.mail_from:
            raise ValueError("TAKEDOWN_MAIL_FROM is required when TAKEDOWN_SMTP_HOST is set")
        if self.environment is Environment.PRODUCTION and self.smtp_security is SmtpSecurity.NONE:
            if self.smtp_host not in ("", "localhost", "127.0.0.1", "::1"):
                raise ValueError("TAKEDOWN_SMTP_SECURITY=none is only for a relay on this host")
        try:
            self.trusted_proxy_networks  # noqa: B018 - a typo must stop the start, not trust nobody
        except ValueError as error:
            raise ValueError(f"TAKEDOWN_TRUSTED_PROXIES: {error}") from None
        if self.environment is Environment.DEVELOPMENT:
            return self
        secret = self.secret_key.get_secret_value()
        if secret == DEVELOPMENT_SECRET or len(secret) < 32:
            raise ValueError(
                "TAKEDOWN_SECRET_KEY must be set to a random value of at least 32 characters "
                f"outside development (environment is {self.environment.value})"
            )
        if self.environment is Environment.PRODUCTION and self.fetch_allow_loopback:
            raise ValueError("TAKEDOWN_FETCH_ALLOW_LOOPBACK is for tests and refused in production")
        return self


@lru_cache
def get_settings() -> Settings:
    """Settings from TAKEDOWN_* variables, then the data folder's settings.env; once a process."""
    settings = Settings(_env_file=installation.settings_file())  # type: ignore[call-arg]
    settings._secret_source = installation.secret_source()
    return settings


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the TAKEDOWN_* settings, in one line for a command's error message."""
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in item["loc"])
        problems.append(f"TAKEDOWN_{field.upper()}: {message}" if field else message)
    return "the settings cannot be used: " + "; ".join(problems)
