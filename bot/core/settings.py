"""One settings object, read from the environment (and an optional `.env`).

Every entry point (CLI, HTTP, Streamlit, WeChat, eval) builds its behaviour from this object,
so a deployment is configured in one place and tests can point everything at a temp dir.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LICENSEBOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / ".licensebot", description="index, sessions, feedback, dedupe store")
    knowledge_dir: Path = Field(default=REPO_ROOT / "knowledge", description="articles/, licenses.yaml, rules.yaml")
    embedder: str = Field(default="e5-small", description="`e5-small` (bundled, offline) or `st:<path or hub name>`")
    # Off until the answers use the reader: training embeds ~16,000 texts (minutes) for a fresh `make run`.
    train_on_ingest: bool = Field(
        default=False,
        description="`licensebot ingest` also trains the learned reader when it "
        "is missing or its training data or embedder changed",
    )
    chroma_host: str | None = Field(
        default=None, description="a `chroma run` server to keep vectors in, instead of the embedded store"
    )
    chroma_port: int | None = Field(default=None, description="its port")

    llm_base_url: str | None = Field(
        default=None,
        description="an OpenAI-compatible endpoint that may write the answer text "
        "(checked against the same quotes); unset: extractive answers only",
    )
    llm_api_key: str | None = Field(default=None, description="its API key")
    llm_model: str | None = Field(default=None, description="its model name")
    llm_timeout_s: float = Field(default=20.0, description="after this, the extractive answer is given instead")

    page_language: Literal["zh", "en"] = Field(
        default="zh",
        description="the pages' own words, chat and staff pages (knowledge/messages/<language>.yaml); answers follow the question",
    )
    host: str = Field(default="127.0.0.1", description="`licensebot serve` listens here")
    port: int = Field(default=8000, description="and on this port")
    max_question_chars: int = Field(
        default=500, description="longer questions are refused with a 422 / a clear message"
    )
    max_body_bytes: int = Field(
        default=16384, description="largest /v1/ask or /v1/chat/completions body read; larger ones get 413 unread"
    )
    session_ttl_s: int = Field(
        default=1800, description="a conversation is forgotten after this long without a message"
    )
    session_secret: str | None = Field(
        default=None, description="signs HTTP session ids (default: a key file in the data dir)"
    )
    docs_enabled: bool = Field(
        default=True, description="serve /docs and /openapi.json (turn off for a public deployment)"
    )
    retire_grace_s: float = Field(
        default=60.0, description="a replaced index generation is kept this long for readers still using it"
    )
    callback_window_s: int = Field(
        default=300, description="WeChat callbacks older or newer than this are refused; 0: no window"
    )

    wechat_token: str | None = Field(
        default=None, description="WeChat Official Account: the callback token (set: the channel is on)"
    )
    wechat_appid: str | None = Field(default=None, description="its AppID")
    wechat_aes_key: str | None = Field(default=None, description="its EncodingAESKey (set: safe mode is accepted)")
    wechat_secret: str | None = Field(default=None, description="its AppSecret, for replies sent later through the API")
    wechat_api_base: str = Field(default="https://api.weixin.qq.com", description="base URL of its outbound API calls")
    wecom_token: str | None = Field(
        default=None, description="WeCom customer service (微信客服): the callback token (set: the channel is on)"
    )
    wecom_aes_key: str | None = Field(default=None, description="its EncodingAESKey")
    wecom_corpid: str | None = Field(default=None, description="its corp id")
    wecom_secret: str | None = Field(default=None, description="its secret, for reading and sending messages")
    wecom_api_base: str = Field(default="https://qyapi.weixin.qq.com", description="base URL of its outbound API calls")
    wechat_reply_budget_s: float = Field(
        default=4.0, description="answer within this or reply `success` and send later"
    )
    redis_url: str | None = Field(
        default=None, description="redis://… : sessions, message ids, kf cursors, feedback shared by replicas"
    )
    redis_prefix: str = Field(
        default="licensebot:", description="prefix of every Redis key (deployments may share a server)"
    )
    channel_store: Path | None = Field(
        default=None, description="SQLite file for message de-duplication and kf cursors"
    )

    question_log: bool = Field(
        default=True, description="record every answer for the operator page; false: nothing is recorded"
    )
    question_log_file: Path | None = Field(
        default=None, description="SQLite file of the question log (default: questions.sqlite in the data dir)"
    )
    log_salt: str | None = Field(
        default=None, description="salts the hash of user ids in the question log (default: a key file in the data dir)"
    )
    log_retention_days: int = Field(default=90, ge=1, description="questions older than this leave the log")
    admin_password: str | None = Field(
        default=None, description="shows the operator page, after this password is entered"
    )
    admin_retry_delay_s: float = Field(
        default=1.0, ge=0, description="wait after a wrong operator password, doubled after each further one"
    )
    admin_max_failures: int = Field(
        default=5, ge=1, description="wrong operator passwords in a row before the client is locked out"
    )
    admin_lockout_s: float = Field(
        default=900.0, gt=0, description="how long a lockout lasts; failures this old are forgotten"
    )
    admin_global_failures: int = Field(
        default=20, ge=1, description="wrong passwords of all clients together that lock the page for everyone"
    )
    admin_client_header: str | None = Field(
        default=None, description="header in which a trusted reverse proxy names the client (X-Real-IP)"
    )
    admin_login_store: Path | None = Field(
        default=None, description="SQLite file of failed operator logins (default: logins.sqlite in the data dir)"
    )
    operator_suite: Path = Field(
        default=REPO_ROOT / "eval" / "suites" / "operator.yaml",
        description="the suite file the operator page appends eval cases to",
    )
    service_hours: str = Field(default="工作日 9:00–18:00", description="told to a user handed over to a person")
    kf_servicer: str | None = Field(
        default=None, description="WeCom servicer userid that takes hand-offs (default: the pool)"
    )
    oa_kf_account: str | None = Field(
        default=None, description="Official Account agent (kf account) that takes hand-offs"
    )
    uploads_dir: Path | None = Field(
        default=None,
        description="where articles uploaded on the knowledge page or /v1/articles are kept (default: "
        "<data dir>/uploads); indexed with knowledge/articles, outside the package so a reinstall keeps them",
    )
    max_upload_bytes: int = Field(default=2_000_000, ge=1, description="largest article upload; a larger one gets 413")
    admin_token: str | None = Field(
        default=None,
        description="bearer token of /v1/articles and /v1/debug/ask on `licensebot serve`; unset: those routes answer 404",
    )
    openai_api_keys: str | None = Field(
        default=None,
        description="comma-separated keys a client of /v1/chat/completions and /v1/models must send as "
        "`Authorization: Bearer <key>`; unset: open, as /v1/ask is",
    )
    handoff_contact: str | None = Field(
        default=None,
        description="how to reach a person besides this chat (phone, e-mail, a "
        "consultant's WeChat id), told with every hand-off and where nobody can take over",
    )

    @field_validator("data_dir", "knowledge_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    def secret_values(self) -> list[str]:
        """Every configured value that must never be printed (bot.core.redact masks them in logs)."""
        values = [
            self.llm_api_key,
            self.session_secret,
            self.wechat_token,
            self.wechat_aes_key,
            self.wechat_secret,
            self.wecom_token,
            self.wecom_aes_key,
            self.wecom_secret,
            self.log_salt,
            self.admin_password,
            self.admin_token,
            *self.openai_keys,
        ]
        return [v for v in values if v]

    @property
    def openai_keys(self) -> list[str]:
        return [key.strip() for key in (self.openai_api_keys or "").split(",") if key.strip()]

    @property
    def articles_dir(self) -> Path:
        return self.knowledge_dir / "articles"

    @property
    def uploads_path(self) -> Path:
        return (self.uploads_dir or self.data_dir / "uploads").expanduser().resolve()

    @property
    def channel_store_path(self) -> Path:
        return self.channel_store or self.data_dir / "channels.sqlite"

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
