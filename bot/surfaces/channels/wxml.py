"""WeChat's XML envelopes, read safely and written with CDATA.

Bodies come from the internet: defusedxml refuses DTDs (XXE, entity expansion) and a size cap
stops oversized posts before parsing. Both raise `BadXml`, which the routes turn into a 400.
"""

from __future__ import annotations

import time
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 64 * 1024  # WeChat callbacks are a few hundred bytes; 64 KiB is generous


class BadXml(ValueError):
    pass


def parse(body: bytes) -> dict[str, str]:
    """Flat <xml><Field>value</Field>…</xml> -> {"Field": "value"}."""
    if len(body) > MAX_BODY_BYTES:
        raise BadXml(f"body of {len(body)} bytes is over the {MAX_BODY_BYTES}-byte limit")
    if not body.strip():
        raise BadXml("empty body")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadXml("unsafe XML (DTDs and entities are not accepted)") from None
    except (ParseError, ValueError):
        raise BadXml("malformed XML") from None
    if root.tag != "xml":
        raise BadXml(f"expected <xml>, got <{root.tag[:40]}>")
    return {child.tag: (child.text or "") for child in root}


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build(fields: dict[str, str | int]) -> str:
    inner = "".join(f"<{k}>{v if isinstance(v, int) else cdata(v)}</{k}>" for k, v in fields.items())
    return f"<xml>{inner}</xml>"


def text_reply(incoming: dict[str, str], content: str) -> str:
    """Passive reply: the two user names swapped."""
    return build(
        {
            "ToUserName": incoming.get("FromUserName", ""),
            "FromUserName": incoming.get("ToUserName", ""),
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": content,
        }
    )


def transfer_reply(incoming: dict[str, str], kf_account: str | None = None) -> str:
    """Passive reply that passes the user's message to the human customer-service system,
    to one agent when `kf_account` is given."""
    fields: dict[str, str | int] = {
        "ToUserName": incoming.get("FromUserName", ""),
        "FromUserName": incoming.get("ToUserName", ""),
        "CreateTime": int(time.time()),
        "MsgType": "transfer_customer_service",
    }
    xml = build(fields)
    if kf_account:
        xml = xml[: -len("</xml>")] + f"<TransInfo><KfAccount>{cdata(kf_account)}</KfAccount></TransInfo></xml>"
    return xml
