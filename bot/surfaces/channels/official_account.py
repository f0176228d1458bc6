"""WeChat Official Account (公众号) callback: signature check, plain and safe (AES) mode,
MsgId de-duplication, passive replies inside the 5-second window and the customer-service API
for answers that would miss it (see docs/WECHAT.md)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from bot.surfaces.channels import wxml
from bot.surfaces.channels.callback import CallbackQuery, ChannelConfigError, Rejected, check_window, masked
from bot.surfaces.channels.crypto import CryptoError, MessageCrypt, signature_matches
from bot.state.ledger import Ledger
from bot.surfaces.channels.replies import Reply, answer_messages, say, welcome
from bot.surfaces.channels.wechat_api import ApiClient, WeChatApiError, official_account_client
from bot.service import Bot
from bot.core.settings import Settings

log = logging.getLogger(__name__)
SUCCESS = "success"
FORWARD_S = 30 * 60  # WeChat gives an agent's session back to us after 30 minutes without a close


class Transfer:
    """The passive reply that hands the user's message to the human customer-service system."""


class OfficialAccount:
    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        ledger: Ledger,
        crypt: MessageCrypt | None,
        api: ApiClient | None,
        workers: ThreadPoolExecutor,
    ):
        self.settings, self.bot, self.ledger, self.crypt, self.api, self.workers = (
            settings,
            bot,
            ledger,
            crypt,
            api,
            workers,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, bot: Bot, ledger: Ledger, workers: ThreadPoolExecutor
    ) -> "OfficialAccount | None":
        """None when no token is configured; a bad AES key or a half-configured account fails here, at start-up."""
        if not settings.wechat_token:
            return None
        crypt = None
        if settings.wechat_aes_key:
            if not settings.wechat_appid:
                raise ChannelConfigError("LICENSEBOT_WECHAT_AES_KEY is set but LICENSEBOT_WECHAT_APPID is not")
            try:
                crypt = MessageCrypt(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
            except CryptoError as exc:
                raise ChannelConfigError(f"LICENSEBOT_WECHAT_AES_KEY: {exc}") from None
        api = None
        if settings.wechat_appid and settings.wechat_secret:
            api = official_account_client(settings.wechat_api_base, settings.wechat_appid, settings.wechat_secret)
        return cls(settings, bot, ledger, crypt, api, workers)

    def _check_signature(self, q: CallbackQuery) -> None:
        if not signature_matches(q.signature, self.settings.wechat_token or "", q.timestamp, q.nonce):
            raise Rejected(403, "bad signature")
        check_window(q.timestamp, self.settings.callback_window_s)

    def echo(self, q: CallbackQuery) -> str:
        self._check_signature(q)
        return q.echostr or ""

    async def receive(self, q: CallbackQuery, body: bytes) -> str:
        self._check_signature(q)
        message = self._open(q, body)
        reply = await self._reply_to(message)
        if reply is None:
            return SUCCESS
        xml = (
            wxml.transfer_reply(message, self.settings.oa_kf_account)
            if isinstance(reply, Transfer)
            else wxml.text_reply(message, reply)
        )
        return self._seal(xml) if q.encrypt_type == "aes" else xml

    def _open(self, q: CallbackQuery, body: bytes) -> dict[str, str]:
        try:
            outer = wxml.parse(body)
            if q.encrypt_type != "aes":
                return outer
            if self.crypt is None:
                raise Rejected(400, "safe mode message but LICENSEBOT_WECHAT_AES_KEY is not set")
            encrypted = outer.get("Encrypt", "")
            if not self.crypt.verify(q.msg_signature, q.timestamp, q.nonce, encrypted):
                raise Rejected(403, "bad msg_signature")
            return wxml.parse(self.crypt.decrypt(encrypted).encode())
        except (wxml.BadXml, CryptoError) as exc:
            raise Rejected(400, str(exc)) from None

    def _seal(self, xml: str) -> str:
        assert self.crypt is not None
        encrypted = self.crypt.encrypt(xml)
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        return wxml.build(
            {
                "Encrypt": encrypted,
                "MsgSignature": self.crypt.sign(timestamp, nonce, encrypted),
                "TimeStamp": timestamp,
                "Nonce": nonce,
            }
        )

    async def _reply_to(self, m: dict[str, str]) -> str | Transfer | None:
        kind = m.get("MsgType", "")
        key = m.get("MsgId") or f"{m.get('CreateTime')}:{m.get('Event', '')}"
        if not self.ledger.claim(f"oa:{m.get('FromUserName', '')}:{key}"):  # a MsgId is only unique per sender
            return None  # a retry of a message already being answered
        if kind == "event":
            return welcome(self.bot) if m.get("Event", "").lower() == "subscribe" else None
        if kind == "text" and not (m.get("Content") or "").strip():
            return say(self.bot, "chat_empty")
        openid = m.get("FromUserName", "")
        if self.ledger.with_person(f"oa:{openid}", FORWARD_S):
            return Transfer()  # a person has (or is about to take) the conversation: their messages go there
        question = m.get("Content") if kind == "text" else m.get("Recognition") if kind == "voice" else None
        if not question:
            return say(self.bot, "chat_not_text")
        return await self._answer(question, openid)

    async def _answer(self, question: str, openid: str) -> str | Transfer | None:
        job = self.workers.submit(
            answer_messages, self.bot, question, f"wechat:{openid}", "wechat", openid, self.api is not None
        )
        if self.api is None:  # nothing can send later: wait and reply passively
            return self._passive(await asyncio.wrap_future(job), openid)
        budget = 0.0 if self.settings.llm_enabled else self.settings.wechat_reply_budget_s
        try:
            reply = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(job)), budget)
        except asyncio.TimeoutError:
            self.workers.submit(self._send_later, job, openid)
            return None
        first = self._passive(reply, openid)
        if reply.handoff:
            self.workers.submit(self._send, reply.messages, openid)  # the notice; the passive reply transfers
        elif len(reply.messages) > 1:
            self.workers.submit(self._send, reply.messages[1:], openid)
        return first

    def _passive(self, reply: Reply, openid: str) -> str | Transfer:
        if not reply.handoff:
            return reply.messages[0]
        self.ledger.set_with_person(f"oa:{openid}", True)
        if self.api is None:
            # A bare transfer would leave the user in silence (nothing can send a notice beside it, and no
            # agent may be online): the notice is this reply, and their next messages are transferred.
            log.info(
                "handing %s to a person from their next message (no AppSecret to send a notice with a transfer)",
                masked(openid),
            )
            return reply.messages[0]
        log.info("handing %s to a person (%s)", masked(openid), reply.handoff)
        return Transfer()

    def _send_later(self, job: "Future[Reply]", openid: str) -> None:
        reply = job.result()
        if reply.handoff:  # too late to transfer this message: the user's next ones are transferred
            self.ledger.set_with_person(f"oa:{openid}", True)
        self._send(reply.messages, openid)

    def _send(self, messages: list[str], openid: str) -> None:
        assert self.api is not None
        for text in messages:
            try:
                self.api.call(
                    "cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": text}}
                )
            except (WeChatApiError, httpx.HTTPError, ValueError) as exc:
                log.warning("custom/send to %s failed, not retrying: %s", masked(openid), exc)
                return
