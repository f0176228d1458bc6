"""WeChat's callback signatures and the WXBizMsgCrypt AES scheme, shared by the Official
Account (receive id = AppID) and WeCom 微信客服 (receive id = CorpID).

Written against `cryptography` rather than wechatpy: the scheme is small, wechatpy's stable
release predates WeCom kf, and its signature check is not constant-time. Every step follows
docs/WECHAT.md and is pinned by the published test vectors in tests/test_wechat_crypto.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32-byte blocks, not AES's 16


class CryptoError(ValueError):
    """A message that cannot be authenticated or decrypted: the caller answers 400/403."""


def signature(*parts: str) -> str:
    """sha1 of the sorted concatenation: [token, timestamp, nonce] or with the Encrypt field."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(expected: str | None, *parts: str) -> bool:
    if not expected:
        return False
    return hmac.compare_digest(signature(*parts).encode(), expected.encode())


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    """Validate an EncodingAESKey (43 base64 characters -> 32 bytes) so a typo fails at start-up."""
    if len(encoding_aes_key) != 43:
        raise CryptoError(f"EncodingAESKey must be 43 characters, got {len(encoding_aes_key)}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise CryptoError(f"EncodingAESKey is not base64: {exc}") from None
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must decode to 32 bytes")
    return key


class MessageCrypt:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str):
        if not token:
            raise CryptoError("a token is required")
        self.token = token
        self.key = aes_key_bytes(encoding_aes_key)
        self.receive_id = receive_id

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        body = message.encode()
        plain = (random16 or os.urandom(16)) + struct.pack("!I", len(body)) + body + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except binascii.Error:
            raise CryptoError("Encrypt is not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("Encrypt has a bad length")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding (wrong EncodingAESKey?)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("decrypted message too short")
        (length,) = struct.unpack("!I", plain[16:20])
        body, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length or not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise CryptoError("message is for another AppID/CorpID")
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise CryptoError("decrypted message is not UTF-8") from None

    def verify(self, msg_signature: str | None, timestamp: str, nonce: str, encrypted: str) -> bool:
        return signature_matches(msg_signature, self.token, timestamp, nonce, encrypted)

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self.token, timestamp, nonce, encrypted)
