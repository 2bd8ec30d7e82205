"""Settings from the environment and `.env`, all prefixed `LIAISON_`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Security = Literal["ssl", "starttls", "none"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./liaison.db"
    public_url: str = "http://localhost:8000"
    secret_key: SecretStr = SecretStr("change-me-in-production")
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./var")
    templates_dir: Path = PROJECT_ROOT / "templates"
    buyer_company: str = "Liaison"
    default_timezone: str = "UTC"
    followup_interval: float = 30.0  # seconds between follow-up sweeps in `liaison serve`

    # email: IMAP in, SMTP out
    imap_host: str | None = None
    imap_port: int | None = None
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_oauth2_token: SecretStr | None = None
    imap_security: Security = "ssl"
    imap_folder: str = "INBOX"
    imap_processed_folder: str | None = None  # move there after commit; else flag \Seen
    imap_ca_file: Path | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Security = "starttls"
    smtp_ca_file: Path | None = None
    mail_from: str | None = None
    attachment_max_bytes: int = 20 * 1024 * 1024

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_bot_username: str | None = None

    @property
    def mail_enabled(self) -> bool:
        return bool(self.imap_host and self.smtp_host)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None and bool(self.telegram_token.get_secret_value().strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
