"""First look at an untrusted file, before any spreadsheet reader touches it.

Decides what the file really is (by its bytes, not its name) and rejects what must not be
read: empty files, other formats renamed .xlsx, password-protected workbooks, zip bombs,
XML with DTDs/entities. Macro-enabled workbooks are read for values only (macros never run,
never copied).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cpxl.core.problems import Problem
from cpxl.core.zipparts import Package

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
MAX_SHEETS = 200  # a template has about twenty
_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _declares_entities(zf: Package, name: str) -> bool:
    """Whether the part's prolog holds a DTD; a prolog longer than the first 4 KB is read whole."""
    head = zf.head(name)
    if _DTD.search(head):
        return True
    return _ELEMENT.search(head) is None and _DTD.search(zf.read(name)) is not None


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024  # a template filled by one enterprise is well under 1 MB
    max_unzipped_bytes: int = 300 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed / compressed, per member
    max_members: int = 2000
    max_rows: int = 100_000  # rows per sheet read
    seconds_per_file: float = 60.0
    memory_per_worker: int = 3 * 1024**3


@dataclass
class Sniffed:
    kind: str  # xlsx | xlsm | xls | unknown
    problems: list[Problem] = field(default_factory=list)
    dimensions: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheet -> (rows, cols) it claims

    @property
    def readable(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _err(rule: str, msg: str, fix: str) -> Problem:
    return Problem(rule, "error", msg, fix)


def sniff(path: Path, limits: Limits = Limits()) -> Sniffed:
    size = path.stat().st_size
    if size == 0:
        return Sniffed("unknown", [_err("file.empty", "文件是空的（0 字节）", "重新保存模板后报送完整文件")])
    if size > limits.max_file_bytes:
        return Sniffed("unknown", [_err("file.too_large", f"文件过大（{size / 1024 / 1024:.0f} MB）",
                                        "只填写模板中的内容，不要粘贴图片或大量无关数据；确有需要请联系审核组")])
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path)
    if not head.startswith(ZIP_MAGIC):
        suffix = path.suffix.lower()
        what = "文本或 CSV 文件" if _looks_text(path) else "其他格式的文件"
        return Sniffed("unknown", [_err("file.not_excel", f"不是 Excel 工作簿（实际是{what}，扩展名为 {suffix}）",
                                        "请用 Excel 或 WPS 打开原模板填写，并以“Excel 工作簿（*.xlsx）”格式保存")])
    return _sniff_zip(path, limits)


def _looks_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        chunk = fh.read(2048)
    return b"\x00" not in chunk


def _sniff_ole(path: Path) -> Sniffed:
    with open(path, "rb") as fh:
        data = fh.read(2 * 1024 * 1024)
    enc = "EncryptionInfo".encode("utf-16-le")
    if enc in data or b"EncryptedPackage" in data or "EncryptedPackage".encode("utf-16-le") in data:
        return Sniffed("unknown", [_err("file.encrypted", "文件设置了打开密码，无法读取",
                                        "在 Excel 中打开文件 → 文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码后保存再报送"
                                        "（WPS：文件 → 文档加密 → 密码加密，清空）")])
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return Sniffed("xls", [Problem("file.legacy_xls", "warning", "文件是旧版 Excel 97-2003 格式（.xls），已尽力读取",
                                       "今后请另存为“Excel 工作簿（*.xlsx）”后报送")])
    return Sniffed("unknown", [_err("file.not_excel", "不是 Excel 工作簿（可能是 Word 或其他 Office 文件）",
                                    "请用原模板填写并保存为 .xlsx 报送")])


def _corrupt() -> Sniffed:
    return Sniffed("unknown", [_err("file.corrupt", "文件已损坏或不完整（无法解压）",
                                    "请重新保存后再报送；如为邮件附件，请确认已完整下载")])


def _sniff_zip(path: Path, limits: Limits) -> Sniffed:
    problems: list[Problem] = []
    try:
        zf = Package(path)  # the bytes read once; each part's head inflated straight from them
    except zipfile.BadZipFile:
        return _corrupt()
    with zf:
        infos = zf.infos
        names = {i.filename for i in infos}
        if "mimetype" in names and "[Content_Types].xml" not in names:
            try:
                mime = zf.read("mimetype")[:100].decode("ascii", "replace")
            except (KeyError, zipfile.BadZipFile, RuntimeError):
                mime = ""
            if mime.startswith("application/vnd.oasis.opendocument"):
                what = "OpenDocument 表格（.ods，LibreOffice/WPS 的格式）" if "spreadsheet" in mime else \
                    "OpenDocument 文档（LibreOffice/WPS 的格式）"
                return Sniffed("unknown", [_err("file.opendocument", f"不是 Excel 工作簿，而是{what}",
                                                "在 WPS 或 LibreOffice 中打开原模板填写，用“另存为 → Excel 工作簿（*.xlsx）”保存后报送")])
        sheets = sum(1 for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if sheets > MAX_SHEETS:
            return Sniffed("unknown", [_err("file.too_many_sheets", f"工作簿有 {sheets} 个工作表，远多于填报模板的工作表数",
                                            "使用审核组下发的原模板填写，不要增加工作表")])
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            what = "Word 文档" if any(n.startswith("word/") for n in names) else "压缩包或其他格式的文件"
            return Sniffed("unknown", [_err("file.not_excel", f"不是 Excel 工作簿（实际是{what}）",
                                            "请用原模板填写并保存为 .xlsx 报送")])
        if len(infos) > limits.max_members:
            return Sniffed("unknown", [_err("file.zip_bomb", f"文件内部结构异常：有 {len(infos)} 个部件（填报模板不到 100 个），已拒绝读取",
                                            "请用原模板重新填写并保存")])
        total = 0
        for i in infos:
            total += i.file_size
            if i.compress_size and i.file_size / max(i.compress_size, 1) > limits.max_ratio and i.file_size > 10 * 1024**2:
                return Sniffed("unknown", [_err("file.zip_bomb", "文件解压后异常巨大（疑似压缩炸弹），已拒绝读取",
                                                "请用原模板重新填写并保存")])
        if total > limits.max_unzipped_bytes:
            return Sniffed("unknown", [_err("file.zip_bomb", f"文件解压后过大（{total / 1024**2:.0f} MB），已拒绝读取",
                                            "删除与填报无关的内容（图片、大量空白格式）后重新保存")])
        try:
            entity = any(_declares_entities(zf, n) for n in names if n.endswith((".xml", ".rels")))
        except zipfile.BadZipFile:
            return _corrupt()
        if entity:
            return Sniffed("unknown", [_err("file.xml_entity", "文件含有 XML 实体声明（可能是恶意构造的文件），已拒绝读取",
                                            "请用原模板重新填写并用 Excel 或 WPS 保存")])
        kind = "xlsx"
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            kind = "xlsm"
            problems.append(Problem("file.macros", "warning", "文件含有宏（VBA）；cpxl 只读取单元格数值，宏不会运行，也不会带入审核总表",
                                    "请另存为不含宏的“Excel 工作簿（*.xlsx）”后报送"))
        if "xl/workbook.xml" not in names:
            return Sniffed("unknown", [_err("file.corrupt", "文件缺少工作簿主体，已损坏", "请重新保存后再报送")])
        dims = _dimensions(zf)
    return Sniffed(kind, problems, dims)


_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', re.S)
_REL2 = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"', re.S)
_DIM = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _dimensions(zf: Package) -> dict[str, tuple[int, int]]:
    """The used range each sheet claims in its <dimension> tag (cheap: first 4 KB of each sheet part)."""
    import html

    try:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile):
        return {}
    targets = {i: t for i, t in _REL.findall(rels)} | {i: t for t, i in _REL2.findall(rels)}
    out = {}
    for name, rid in _SHEET.findall(wb):
        target = targets.get(rid)
        if not target:
            continue
        t = target.decode()
        part = t.lstrip("/") if t.startswith("/") else "xl/" + t
        try:
            m = _DIM.search(zf.head(part))
        except (KeyError, zipfile.BadZipFile):
            continue
        if m:
            out[html.unescape(name.decode("utf-8"))] = (int(m.group(2)), _col_index(m.group(1)))
    return out
