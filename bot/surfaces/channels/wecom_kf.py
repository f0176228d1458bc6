"""WeCom 微信客服 (kf) callback: the event only says "there are messages"; they are pulled
with kf/sync_msg from a cursor kept per kf account, and answered with kf/send_msg.

The callback is acknowledged at once and the pull runs in a worker, so WeCom's 5-second limit
never depends on answering speed. Only customer (origin 3) text is answered, each msgid once,
even when two events race or a worker restarts mid-page.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import httpx

from bot.surfaces.channels import wxml
from bot.surfaces.channels.crypto import CryptoError, MessageCrypt
from bot.state.ledger import Ledger
from bot.surfaces.channels.callback import CallbackQuery, ChannelConfigError, Rejected, check_window, masked
from bot.surfaces.channels.replies import answer_messages, say
from bot.surfaces.channels.wechat_api import ApiClient, WeChatApiError, wecom_client
from bot.service import Bot
from bot.core.settings import Settings

log = logging.getLogger(__name__)
CUSTOMER = 3
MAX_PAGES = 100  # a guard against a server that says has_more forever
HUMAN_AGENT = 95018
POOL, PERSON = 2, 3  # kf service states: queued for an agent, held by a person


class WeComKf:
    def __init__(
        self,
        bot: Bot,
        ledger: Ledger,
        crypt: MessageCrypt,
        api: ApiClient,
        workers: ThreadPoolExecutor,
        window_s: int = 0,
        servicer: str | None = None,
    ):
        self.bot, self.ledger, self.crypt, self.api, self.workers, self.window_s = (
            bot,
            ledger,
            crypt,
            api,
            workers,
            window_s,
        )
        self.servicer = servicer
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)

    @classmethod
    def from_settings(
        cls, settings: Settings, bot: Bot, ledger: Ledger, workers: ThreadPoolExecutor
    ) -> "WeComKf | None":
        if not settings.wecom_token:
            return None
        missing = [name for name in ("wecom_aes_key", "wecom_corpid", "wecom_secret") if not getattr(settings, name)]
        if missing:
            raise ChannelConfigError(
                "LICENSEBOT_WECOM_TOKEN is set but not " + ", ".join(f"LICENSEBOT_{m.upper()}" for m in missing)
            )
        try:
            crypt = MessageCrypt(settings.wecom_token, settings.wecom_aes_key or "", settings.wecom_corpid or "")
        except CryptoError as exc:
            raise ChannelConfigError(f"LICENSEBOT_WECOM_AES_KEY: {exc}") from None
        api = wecom_client(settings.wecom_api_base, settings.wecom_corpid or "", settings.wecom_secret or "")
        return cls(bot, ledger, crypt, api, workers, settings.callback_window_s, settings.kf_servicer)

    def echo(self, q: CallbackQuery) -> str:
        echostr = q.echostr or ""
        if "%" in echostr:  # it may arrive URL-encoded twice
            echostr = unquote(echostr)
        echostr = echostr.replace(" ", "+")  # a bare '+' decodes to a space
        if not self.crypt.verify(q.msg_signature, q.timestamp, q.nonce, echostr):
            raise Rejected(403, "bad msg_signature")
        check_window(q.timestamp, self.window_s)
        try:
            return self.crypt.decrypt(echostr)
        except CryptoError as exc:
            raise Rejected(400, str(exc)) from None

    def receive(self, q: CallbackQuery, body: bytes) -> None:
        """Authenticate and schedule the pull; the caller returns an empty 200 immediately."""
        try:
            encrypted = wxml.parse(body).get("Encrypt", "")
            if not self.crypt.verify(q.msg_signature, q.timestamp, q.nonce, encrypted):
                raise Rejected(403, "bad msg_signature")
            check_window(q.timestamp, self.window_s)
            event = wxml.parse(self.crypt.decrypt(encrypted).encode())
        except (wxml.BadXml, CryptoError) as exc:
            raise Rejected(400, str(exc)) from None
        if event.get("MsgType") == "event" and event.get("Event") == "kf_msg_or_event":
            self.workers.submit(self.sync, event.get("Token", ""), event.get("OpenKfId", ""))

    def sync(self, event_token: str, open_kfid: str) -> int:
        """Pull every page after the stored cursor; returns how many messages were answered."""
        answered = 0
        with self._locks[open_kfid]:
            cursor = self.ledger.cursor(open_kfid)
            for _ in range(MAX_PAGES):
                try:
                    page = self.api.call(
                        "cgi-bin/kf/sync_msg",
                        {"cursor": cursor, "token": event_token, "limit": 1000, "open_kfid": open_kfid},
                    )
                except (WeChatApiError, httpx.HTTPError, ValueError) as exc:
                    log.warning("kf/sync_msg for %s failed: %s", open_kfid, exc)
                    break
                for message in page.get("msg_list") or []:
                    answered += self._handle(message, open_kfid)
                cursor = page.get("next_cursor") or cursor
                self.ledger.save_cursor(open_kfid, cursor)
                if int(page.get("has_more", 0) or 0) != 1:
                    break
        return answered

    def _handle(self, message: dict, open_kfid: str) -> int:
        if message.get("origin") != CUSTOMER or message.get("msgtype") != "text":
            return 0
        if not self.ledger.claim(f"kf:{open_kfid}:{message.get('msgid')}"):
            return 0
        user = message.get("external_userid", "")
        if self._with_person(open_kfid, user):
            return 0  # a person has the conversation: the bot stays quiet
        question = (message.get("text") or {}).get("content", "")
        reply = answer_messages(self.bot, question, f"wecom:{open_kfid}:{user}", "wecom_kf", user)
        sent = self._send(reply.messages, open_kfid, user)
        if reply.handoff and sent and not self._hand_over(open_kfid, user, reply.handoff):
            self.bot.handoff_failed(reply.log_id)
            self._send(
                [say(self.bot, "chat_no_person")], open_kfid, user
            )  # the notice promised a person: say that it did not work
        return 1

    def _send(self, texts: list[str], open_kfid: str, user: str) -> bool:
        for text in texts:
            try:
                self.api.call(
                    "cgi-bin/kf/send_msg",
                    {"touser": user, "open_kfid": open_kfid, "msgtype": "text", "text": {"content": text}},
                )
            except (WeChatApiError, httpx.HTTPError, ValueError) as exc:
                level = logging.INFO if getattr(exc, "errcode", None) == HUMAN_AGENT else logging.WARNING
                log.log(level, "kf/send_msg to %s failed, not retrying: %s", masked(user), exc)
                return False
        return True

    def _hand_over(self, open_kfid: str, user: str, why: str) -> bool:
        """Move the session to a person: a configured servicer (state 3) or the pool (state 2). The
        notice goes first, since the bot may only send while it has the session (state 0 or 1)."""
        body = {"open_kfid": open_kfid, "external_userid": user, "service_state": POOL}
        if self.servicer:
            body.update(service_state=PERSON, servicer_userid=self.servicer)
        try:
            self.api.call("cgi-bin/kf/service_state/trans", body)
        except (WeChatApiError, httpx.HTTPError, ValueError) as exc:
            log.warning("kf/service_state/trans for %s failed; the bot keeps answering: %s", masked(user), exc)
            return False
        self.ledger.set_with_person(f"kf:{open_kfid}:{user}", True)
        log.info("handed %s to %s (%s)", masked(user), "a servicer" if self.servicer else "the pool", why)
        return True

    def _with_person(self, open_kfid: str, user: str) -> bool:
        """True while the session is queued for or held by a person; once it is back with the bot
        (or ended, or new) the bot answers again. Asked of WeCom only for users handed over."""
        key = f"kf:{open_kfid}:{user}"
        if not self.ledger.with_person(key):
            return False
        try:
            state = int(
                self.api.call("cgi-bin/kf/service_state/get", {"open_kfid": open_kfid, "external_userid": user}).get(
                    "service_state", 0
                )
            )
        except (WeChatApiError, httpx.HTTPError, ValueError) as exc:
            log.warning("kf/service_state/get for %s failed; leaving it to the person: %s", masked(user), exc)
            return True
        if state in (POOL, PERSON):
            return True
        self.ledger.set_with_person(key, False)
        return False
