"""Log lines are scrubbed where they are handled: a traceback quoting a URL with a token, a
password inside a Redis URL, a JSON body with an openid, and the configured secrets themselves."""

from __future__ import annotations

import io
import logging

from bot.core.redact import Redactor, RedactingFilter


def handled(redactor: Redactor, emit) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


def test_tracebacks_urls_json_and_configured_secrets_are_masked():
    redactor = Redactor()
    redactor.remember("s3cr3t-wecom-key", "abc")  # too short to mask safely: ordinary words stay

    def emit(logger):
        try:
            raise RuntimeError(
                "Client error for url 'https://qyapi.example/cgi-bin/gettoken?corpid=ww1&corpsecret=XyZ987'"
            )
        except RuntimeError:
            logger.exception("send failed with %s", "s3cr3t-wecom-key")
        logger.warning(
            "redis at rediss://user:pa55word@cache:6380/0, body %s", '{"touser": "oOpenId123", "msgtype": "text"}'
        )

    text = handled(redactor, emit)
    for leaked in ("XyZ987", "s3cr3t-wecom-key", "pa55word", "oOpenId123"):
        assert leaked not in text
    assert "corpsecret=***" in text and "corpid=ww1" in text and '"msgtype": "text"' in text
    assert "RuntimeError" in text and "send failed with ***" in text
