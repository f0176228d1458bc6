"""WeChat signatures and WXBizMsgCrypt against the published vectors in docs/WECHAT.md."""

from __future__ import annotations

import base64

import pytest

from bot.surfaces.channels.crypto import CryptoError, MessageCrypt, aes_key_bytes, signature, signature_matches

OA_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrX"
    "pbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjl"
    "pKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1"
    "DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
OA = dict(
    token="spamtest",
    key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    appid="wx2c2769f8efd9abc2",
    timestamp="1409735669",
    nonce="1320562132",
)
WECOM = dict(
    token="hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    key="6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
    corpid="ww1436e0e65a779aee",
    timestamp="1476416373",
    nonce="47744683",
    echostr="fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
    msg_signature="012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
)


def flip(text: str, at: int = 5) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.fixture
def oa() -> MessageCrypt:
    return MessageCrypt(OA["token"], OA["key"], OA["appid"])


def test_plain_signature_vector():
    assert signature("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
    assert signature_matches("f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "test", "1410685589", "test")
    assert not signature_matches(flip("f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"), "test", "1410685589", "test")
    assert not signature_matches(None, "test", "1410685589", "test")


def test_safe_mode_get_signature_vector():
    assert signature(OA["token"], OA["timestamp"], OA["nonce"]) == "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"


def test_safe_mode_message_vector(oa):
    assert oa.verify("5d197aaffba7e9b25a30732f161a50dee96bd5fa", OA["timestamp"], OA["nonce"], OA_ENCRYPT)
    assert not oa.verify("5d197aaffba7e9b25a30732f161a50dee96bd5fa", OA["timestamp"], OA["nonce"], flip(OA_ENCRYPT, 40))
    message = oa.decrypt(OA_ENCRYPT)
    assert "<Content><![CDATA[abcdteT]]></Content>" in message
    assert "<MsgId>6054768590064713728</MsgId>" in message
    assert oa.encrypt(message, random16=b"89465c840c5f116f") == OA_ENCRYPT


def test_flipped_ciphertext_or_wrong_appid_is_refused(oa):
    with pytest.raises(CryptoError):
        oa.decrypt(flip(OA_ENCRYPT, len(OA_ENCRYPT) - 10))
    with pytest.raises(CryptoError):
        MessageCrypt(OA["token"], OA["key"], "wx0000000000000000").decrypt(OA_ENCRYPT)
    with pytest.raises(CryptoError):
        oa.decrypt("not base64!!")


def test_wecom_echostr_vector():
    crypt = MessageCrypt(WECOM["token"], WECOM["key"], WECOM["corpid"])
    assert crypt.verify(WECOM["msg_signature"], WECOM["timestamp"], WECOM["nonce"], WECOM["echostr"])
    assert not crypt.verify(flip(WECOM["msg_signature"]), WECOM["timestamp"], WECOM["nonce"], WECOM["echostr"])
    assert crypt.decrypt(WECOM["echostr"]) == "1288432023552776189"


@pytest.mark.parametrize("payload", ["", "a" * 31, "b" * 32, "c" * 33, "语音聊天房需要多方通信许可证吗？", "😀" * 40])
def test_round_trip_and_32_byte_padding(oa, payload):
    encrypted = oa.encrypt(payload)
    assert oa.decrypt(encrypted) == payload
    plain_len = 16 + 4 + len(payload.encode()) + len(OA["appid"])
    assert len(base64.b64decode(encrypted)) == (plain_len // 32 + 1) * 32  # a full 32-byte block when aligned


def test_aligned_payload_gets_a_whole_block_of_padding(oa):
    payload = "x" * (64 - 20 - len(OA["appid"]))  # plaintext exactly 64 bytes
    assert len(base64.b64decode(oa.encrypt(payload))) == 96


@pytest.mark.parametrize("key", ["short", OA["key"] + "H", "!" * 43])
def test_bad_aes_keys_fail_with_a_reason(key):
    with pytest.raises(CryptoError, match="EncodingAESKey"):
        aes_key_bytes(key)
