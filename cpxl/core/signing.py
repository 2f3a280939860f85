"""Per-audit signing key for the stamps of enterprise templates (HMAC-SHA256).

The key is random, made once per audit folder and kept in the folder's state directory (``.cpxl/template.key``),
never in the master workbook or in a template. A stamp is signed over what identifies a submission — audit,
enterprise, template version — and nothing that changes when templates are made again, so a template sent out
earlier stays valid after ``cpxl templates`` runs again, while a template of another audit (another key) or a
stamp edited to another enterprise does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_NAME = "template.key"


def key_path(state_dir: Path) -> Path:
    return Path(state_dir) / KEY_NAME


def load_key(state_dir: Path, create: bool = False) -> bytes | None:
    """The audit's signing key; made (and kept) when ``create`` and there is none yet."""
    path = key_path(state_dir)
    if path.exists():
        data = path.read_bytes().strip()
        return bytes.fromhex(data.decode("ascii")) if data else None
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    os.replace(tmp, path)
    return key


def sign(key: bytes, *parts: str) -> str:
    msg = "\x1f".join(parts).encode("utf-8")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def verify(key: bytes, signature: str, *parts: str) -> bool:
    given = (signature or "").strip().lower().encode("utf-8", "replace")  # bytes: any text a stamp may hold
    return hmac.compare_digest(sign(key, *parts).encode("ascii"), given)
