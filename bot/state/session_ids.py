"""Session ids for HTTP clients: issued by the server and signed, so a client can only continue a
conversation it was given and can never name one of another surface ("wechat:<openid>") or guess
another client's. The secret comes from LICENSEBOT_SESSION_SECRET, else from a key file in the data
directory that every worker process shares."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from bot.core.private import private_dir


def load_secret(configured: str | None, data_dir: Path, name: str = "session.key") -> bytes:
    """The configured secret, else the data directory's key file `name`, made once."""
    if configured:
        return configured.encode()
    path = data_dir / name
    if not path.exists():
        private_dir(data_dir)
        fd, tmp_name = tempfile.mkstemp(prefix=f"{name}.", suffix=".tmp", dir=data_dir)  # 0600, unique per thread
        tmp = Path(tmp_name)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # the first worker to get here wins; the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip().encode()


class SessionIds:
    def __init__(self, secret: bytes):
        self._secret = secret

    def _sign(self, token: str) -> str:
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        token = secrets.token_urlsafe(18)
        return f"{token}.{self._sign(token)}"

    def valid(self, session_id: str) -> bool:
        token, _, signature = session_id.partition(".")
        return bool(token and signature) and hmac.compare_digest(self._sign(token), signature)
