"""Errors a person must act on, and operating-system errors said in one line of Chinese.

:class:`AuditError` carries a message for a person (what is wrong, where, how to fix it). :func:`os_message`
turns an ``OSError`` or a SQLite error into such a line, so Python's own text (``[Errno 28]``,
``PermissionError``) never reaches a user. :func:`writable` and :func:`require_writable` check before anything
is changed, honouring read-only marks even for root (who may write anything).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Iterable
from pathlib import Path


class AuditError(ValueError):
    """A condition of the audit folder a person must fix; ``str(exc)`` is one line of Chinese."""


_ERRNO_ZH = {
    errno.EACCES: "没有读写权限",
    errno.EPERM: "操作不被允许（没有权限）",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "所在的磁盘或文件夹是只读的",
    errno.ENOENT: "找不到文件或文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中的某一级不是文件夹",
    errno.EFBIG: "文件超过了系统允许的大小",
    errno.EMFILE: "同时打开的文件过多",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EIO: "磁盘读写错误",
    errno.EBUSY: "文件正被其他程序占用",
    errno.ETXTBSY: "文件正被其他程序占用",
}
_FIX = {
    errno.EACCES: "请检查该文件或文件夹的权限（是否被设为只读或属于其他用户）后重试",
    errno.EPERM: "请检查该文件或文件夹的权限后重试",
    errno.ENOSPC: "请清理磁盘空间后重试；已处理的文件不会重复处理",
    errno.EDQUOT: "请清理空间或联系管理员提高配额后重试",
    errno.EROFS: "请把审核文件夹复制到可写的位置后重试",
    errno.ENOENT: "请检查路径是否正确",
    errno.EFBIG: "请清理磁盘空间或联系管理员后重试",
}


def os_message(exc: BaseException) -> str:
    """One line of Chinese for an ``OSError`` or a SQLite error (what, where, what to do)."""
    if isinstance(exc, AuditError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            return "台账（ledger.sqlite）是只读的，无法记录报送：请取消它和审核文件夹的只读属性后重试"
        if "locked" in text or "busy" in text:
            return "台账（ledger.sqlite）正被另一个程序使用：请等它结束后重试"
        if "disk" in text and "full" in text:
            return "磁盘空间不足，无法写入台账（ledger.sqlite）：请清理磁盘空间后重试"
        if "malformed" in text or "not a database" in text:
            return "台账（ledger.sqlite）已损坏：请从备份恢复，或联系技术支持"
        if "unable to open" in text:
            return "无法打开台账（ledger.sqlite）：请检查审核文件夹的权限后重试"
        return "台账（ledger.sqlite）读写失败：请检查磁盘空间和权限后重试"
    if isinstance(exc, OSError):
        what = _ERRNO_ZH.get(exc.errno or 0, f"系统读写错误（代码 {exc.errno}）")
        where = exc.filename if exc.filename else ""
        fix = _FIX.get(exc.errno or 0, "请检查磁盘空间和权限后重试")
        return f"{what}：{where}。{fix}" if where else f"{what}。{fix}"
    return str(exc)


def writable(path: Path) -> bool:
    """Whether ``path`` (file or folder) may be written: permission, and for root also the read-only mark."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return False
    if os.geteuid() == 0 if hasattr(os, "geteuid") else False:
        return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return os.access(path, os.W_OK)


def read_only_message(path: Path, what: str) -> str:
    try:
        mode = oct(Path(path).stat().st_mode & 0o777)[2:]
    except OSError:
        mode = "?"
    return (f"{what}是只读的（{path}，权限 {mode}），cpxl 不会改动它：如需继续，请先取消只读属性"
            f"（Windows：属性 → 取消“只读”；Linux/macOS：chmod u+w）后重试")


def require_writable(items: Iterable[tuple[Path, str]]) -> None:
    """Raise :class:`AuditError` naming the first existing path of ``items`` that may not be written."""
    for path, what in items:
        if Path(path).exists() and not writable(path):
            raise AuditError(read_only_message(Path(path), what))
