"""Numbers of the report's tables and figures, and the cross-references that cite them.

The template's captions read ``表 {{ num['s211.economy'] }} …``; the keys, in the order they first occur
in the template, are the document order. A table is present when its rows are not empty, a figure when
its chart was drawn — the same conditions the template tests — so the numbers are known before rendering:
body tables 表2-1…, figures 图2-1…, annex tables 附表1…. The narrative's :meth:`Data.ref` tokens are
replaced by the same numbers; a reference to an absent table is removed together with its “见”.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .context.data import REF_CLOSE, REF_OPEN
from .docx_kit import kind_of

_KEY = re.compile(r"num\[(?:'|&apos;|&#39;)([^'&]+)(?:'|&apos;|&#39;)\]")
_TOKEN = re.compile(re.escape(REF_OPEN) + r"([^" + re.escape(REF_CLOSE) + r"]+)" + re.escape(REF_CLOSE))


def template_keys(template: Path) -> list[str]:
    """The table and figure keys of the template's captions, in document order."""
    with zipfile.ZipFile(template) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", xml)
    return list(dict.fromkeys(_KEY.findall(text)))


def _resolve(context: Mapping[str, Any], key: str) -> Any:
    cur: Any = context
    for part in key.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def number_tables(keys: list[str], context: Mapping[str, Any], figures: Mapping[str, Any]) -> dict[str, str]:
    """key → its number (``2-5``, ``3``) for every table/figure that will be present."""
    counters = {"表": 0, "图": 0, "附表": 0}
    out: dict[str, str] = {}
    for key in keys:
        kind = kind_of(key)
        present = bool(figures.get(key.split(".", 1)[1])) if kind == "图" else bool(_resolve(context, key))
        if not present:
            continue
        counters[kind] += 1
        out[key] = f"2-{counters[kind]}" if kind in ("表", "图") else str(counters[kind])
    return out


def label(key: str, numbers: Mapping[str, str]) -> str | None:
    n = numbers.get(key)
    return f"{kind_of(key)}{n}" if n else None


def resolve_refs(obj: Any, numbers: Mapping[str, str], missing: list[str]) -> Any:
    """``obj`` with every reference token replaced by its table/figure label (absent targets removed)."""
    if isinstance(obj, str):
        if REF_OPEN not in obj:
            return obj

        def sub(m: re.Match[str]) -> str:
            lab = label(m.group(1), numbers)
            if lab is None:
                missing.append(m.group(1))
                return "\x00"
            return lab

        s = _TOKEN.sub(sub, obj)
        if "\x00" in s:  # drop what pointed at an absent table: “（见\x00）”, “，见\x00”, “见\x00、”
            s = re.sub(r"[（(]见\x00[）)]", "", s)
            s = re.sub(r"[，、；]?(?:详)?见\x00(?:[、及和]\x00)*", "", s)
            s = s.replace("\x00、", "").replace("、\x00", "").replace("\x00", "")
            s = s.replace("（）", "").replace("（，", "（").replace("，）", "）").replace("（；", "（")
        return s
    if isinstance(obj, list):
        return [resolve_refs(x, numbers, missing) for x in obj]
    if isinstance(obj, tuple):
        return tuple(resolve_refs(x, numbers, missing) for x in obj)
    if isinstance(obj, dict):
        return {k: resolve_refs(v, numbers, missing) for k, v in obj.items()}
    return obj
