"""A VBA project (``vbaProject.bin``) written from source text in the form [MS-OVBA] asks of writers.

What a writer must produce, and what this module writes (section numbers of [MS-OVBA] v13):

* ``VBA/_VBA_PROJECT`` (2.3.4.1): seven bytes, ``Version`` 0xFFFF and no performance cache. With 0xFFFF
  every Office version ignores cached p-code and compiles the project from its source.
* module streams (2.3.4.3): source only — the compressed text starts at offset 0 (``MODULEOFFSET`` = 0);
  no compiled code, no ``__SRP_`` streams.
* ``VBA/dir`` (2.3.4.2): the project information, references and modules, compressed (2.4.1); the
  ``PROJECTCOOKIE`` and every ``MODULECOOKIE`` are 0xFFFF ("MUST be 0xFFFF on write"); ``PROJECTSYSKIND`` is
  the platform the project claims to have been saved on — Win32 by default, what 32-bit Office and LibreOffice
  write; 64-bit Office opens such projects and recompiles them (the source is all there is).
* ``PROJECT`` (2.3.1): the text properties, with the protection, password and visibility fields obfuscated by
  the Data Encryption of 2.4.3 (no protection, no password, visible).
* ``PROJECTwm`` (2.3.3): the module names in MBCS and UTF-16.

The compound file (MS-CFB version 3) is written here too. Everything is deterministic — the project ID is
derived from the project name and the encryption seeds are fixed — so the same sources always give the same
bytes; a signature over the project stays valid across rebuilds of unchanged sources.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Union

SYSKIND_WIN32 = 0x00000001
SYSKIND_MAC = 0x00000002
SYSKIND_WIN64 = 0x00000003

CODEPAGE = 1252  # Western European (Windows): the source of every cpxl module is ASCII
LCID = 0x0409
VBA_PROJECT_STREAM = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])  # Reserved1, Version 0xFFFF, Reserved2, 3

CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"  # VB_Base of a class module
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"  # Excel.Workbook (document module ThisWorkbook)
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"  # Excel.Worksheet (document module of a sheet)
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"


Tree = Union[bytes, Mapping[str, "Tree"]]  # noqa: UP007 - a recursive alias needs Union at run time


class VbaError(ValueError):
    """Sources that cannot become a VBA project; the message is for a person (Chinese)."""


@dataclass(frozen=True)
class Reference:
    """A registered type library the project refers to (REFERENCEREGISTERED, 2.3.4.2.2.5)."""

    name: str
    libid: str


# The two references every Excel project has; the paths are hints, VBA finds the libraries by GUID and version.
STDOLE = Reference(
    "stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
)
OFFICE = Reference(
    "Office",
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared\OFFICE16"
    r"\MSO.DLL#Microsoft Office 16.0 Object Library",
)


@dataclass(frozen=True)
class Module:
    """One module as stored: ``code`` is the text of its stream (attribute lines first, CRLF line ends)."""

    name: str
    kind: str  # "standard", "class" or "document"

    code: str

    @property
    def declaration(self) -> str:
        """The module's line in the PROJECT stream (2.3.1.3-2.3.1.6)."""
        if self.kind == "document":
            return f"Document={self.name}/&H00000000"
        return f"{'Module' if self.kind == 'standard' else 'Class'}={self.name}"


# ------------------------------------------------------------------------------------------- module text


def _lines(text: str) -> list[str]:
    """The lines of ``text`` (any line ends); a final line end does not start another line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _crlf(lines: Sequence[str]) -> str:
    return "".join(line + "\r\n" for line in lines)


_ATTRIBUTE = re.compile(r'^Attribute (VB_\w+) = (.*)$')


def _header_and_body(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """The leading ``Attribute VB_…`` lines (module attributes) and the rest of a module's text."""
    attributes: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _ATTRIBUTE.match(lines[i])
        if not m:
            break
        attributes[m.group(1)] = m.group(2)
        i += 1
    return attributes, lines[i:]


def standard_module(name: str, text: str) -> Module:
    """A standard module from the text of a ``.bas`` file (first line ``Attribute VB_Name = "name"``)."""
    attributes, body = _header_and_body(_lines(text))
    if attributes.get("VB_Name") != f'"{name}"':
        raise VbaError(f'模块 {name} 的第一行应为 Attribute VB_Name = "{name}"。')
    return Module(name, "standard", _crlf([f'Attribute VB_Name = "{name}"', *body]))


def class_module(name: str, text: str) -> Module:
    """A class module from the text of a ``.cls`` file as the VBA editor exports it.

    The ``VERSION 1.0 CLASS`` … ``END`` block of the file is not part of the stored module; the stored text
    starts with the attributes the editor keeps (``VB_Base`` of a class, then the file's own attributes).
    """
    lines = _lines(text)
    if lines and lines[0].strip().upper().startswith("VERSION 1.0 CLASS"):
        try:
            end = next(i for i, line in enumerate(lines) if line.strip().upper() == "END")
        except StopIteration:
            raise VbaError(f"类模块 {name} 的 VERSION 1.0 CLASS 文件头没有以 END 结束。") from None
        lines = lines[end + 1:]
    attributes, body = _header_and_body(lines)
    if attributes.get("VB_Name") != f'"{name}"':
        raise VbaError(f'类模块 {name} 应有 Attribute VB_Name = "{name}"。')
    ordered = {
        "VB_Name": f'"{name}"',
        "VB_Base": f'"{CLASS_BASE}"',
        "VB_GlobalNameSpace": "False",
        "VB_Creatable": "False",
        "VB_PredeclaredId": "False",
        "VB_Exposed": "False",
    }
    ordered.update({k: v for k, v in attributes.items() if k not in ("VB_Name", "VB_Base")})
    return Module(name, "class", _crlf([f"Attribute {k} = {v}" for k, v in ordered.items()] + body))


def document_module(name: str, base: str) -> Module:
    """An empty document module (``ThisWorkbook`` or a sheet's) with the attributes Excel gives it."""
    header = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return Module(name, "document", _crlf(header))


# ------------------------------------------------------------------------------- compression (2.4.1)

_CHUNK = 4096


def _copy_token_split(difference: int) -> tuple[int, int]:
    """(bit count of the offset, maximum length) of a CopyToken at ``difference`` bytes into a chunk (2.4.1.3.19.1)."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    candidates: dict[bytes, list[int]] = {}
    pos = 0
    n = len(chunk)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            bit_count, max_length = _copy_token_split(pos)
            best_length, best_offset = 0, 0
            if pos + 3 <= n:
                limit = min(max_length, n - pos)
                for start in reversed(candidates.get(chunk[pos:pos + 3], ())[-256:]):
                    length = 3
                    while length < limit and chunk[start + length] == chunk[pos + length]:
                        length += 1
                    if length > best_length:
                        best_length, best_offset = length, pos - start
                        if length == limit:
                            break
            step = best_length if best_length >= 3 else 1
            if best_length >= 3:
                token = ((best_offset - 1) << (16 - bit_count)) | (best_length - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
            for p in range(pos, min(pos + step, n - 2)):
                candidates.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """The CompressedContainer of ``data`` (2.4.1.1.1): signature byte 0x01, then chunks of up to 4096 bytes."""
    out = bytearray([0x01])
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > _CHUNK:  # incompressible: a raw chunk of exactly 4096 bytes (2.4.1.3.10)
            body, flag = chunk.ljust(_CHUNK, b"\x00"), 0
        else:
            flag = 1
        out += struct.pack("<H", (len(body) + 2 - 3) | (0b011 << 12) | (flag << 15))
        out += body
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """The decompressed bytes of a CompressedContainer (2.4.1.3.1)."""
    if not data or data[0] != 0x01:
        raise VbaError("压缩数据的签名字节不是 0x01。")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise VbaError("压缩数据块的头部不完整。")
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise VbaError("压缩数据块头部的签名不是 0b011。")
        end = min(pos + size, len(data))
        chunk_start = len(out)
        pos += 2
        if not header & 0x8000:
            out += data[pos:pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if flags & (1 << bit):
                    token = struct.unpack_from("<H", data, pos)[0]
                    pos += 2
                    bit_count, _ = _copy_token_split(len(out) - chunk_start)
                    offset = (token >> (16 - bit_count)) + 1
                    length = (token & (0xFFFF >> bit_count)) + 3
                    source = len(out) - offset
                    if source < chunk_start:
                        raise VbaError("压缩数据中的复制标记指向数据块之外。")
                    for i in range(length):
                        out.append(out[source + i])
                else:
                    out.append(data[pos])
                    pos += 1
    return bytes(out)


# -------------------------------------------------------------------------------- encryption (2.4.3)


def project_key(project_id: str) -> int:
    """ProjKey: the byte sum of the project ID string (2.4.3.2)."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """The Data Encryption of 2.4.3.2, as upper-case hex digits; ``seed`` is fixed so builds are reproducible."""
    key = project_key(project_id)
    version_enc = seed ^ 2
    key_enc = seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    state = {"plain": key, "enc1": key_enc, "enc2": version_enc}

    def put(byte: int) -> None:
        enc = byte ^ ((state["enc2"] + state["plain"]) & 0xFF)
        out.append(enc)
        state["enc2"], state["enc1"], state["plain"] = state["enc1"], enc, byte

    for _ in range((seed & 6) // 2):
        put(0)  # IgnoredEnc: arbitrary bytes
    for byte in struct.pack("<I", len(data)) + data:
        put(byte)
    return out.hex().upper()


def decrypt(hex_digits: str) -> tuple[bytes, int, int]:
    """(data, version, project key) of a Data Encryption value (2.4.3.3): used to check what ``encrypt`` wrote."""
    raw = bytes.fromhex(hex_digits)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    version, key = seed ^ version_enc, seed ^ key_enc
    plain, enc1, enc2 = key, key_enc, version_enc
    decoded = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((enc2 + plain) & 0xFF)
        decoded.append(byte)
        enc2, enc1, plain = enc1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", decoded, ignored)[0]
    data = bytes(decoded[ignored + 4:])
    if len(data) != length:
        raise VbaError(f"加密数据的长度字段为 {length}，实际为 {len(data)} 字节。")
    return data, version, key


# ------------------------------------------------------------------------------------- streams


def _mbcs(text: str, what: str) -> bytes:
    try:
        return text.encode(f"cp{CODEPAGE}")
    except UnicodeEncodeError as exc:
        raise VbaError(f"{what} 含有代码页 {CODEPAGE} 无法表示的字符：{text[exc.start:exc.end]!r}") from exc


def _record(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _text_records(rid: int, unicode_rid: int, text: str, what: str) -> bytes:
    """A record whose MBCS text is followed by a Reserved id and the same text in UTF-16 (e.g. PROJECTDOCSTRING)."""
    return _record(rid, _mbcs(text, what)) + _record(unicode_rid, text.encode("utf-16-le"))


def project_id(name: str) -> str:
    """A stable ProjectCLSID for a project name: the same name always gives the same ID."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:cpxl:vba-project:{name}")).upper() + "}"


def dir_stream(name: str, modules: Sequence[Module], references: Sequence[Reference], syskind: int) -> bytes:
    """The decompressed dir stream (2.3.4.2)."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", syskind))  # PROJECTSYSKIND
    out += _record(0x0002, struct.pack("<I", LCID))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", LCID))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODEPAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, _mbcs(name, "工程名"))  # PROJECTNAME
    out += _text_records(0x0005, 0x0040, "", "")  # PROJECTDOCSTRING
    out += _text_records(0x0006, 0x003D, "", "")  # PROJECTHELPFILEPATH (both paths empty)
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: Reserved 4, VersionMajor, VersionMinor
    out += _text_records(0x000C, 0x003C, "", "")  # PROJECTCONSTANTS
    for ref in references:
        out += _text_records(0x0016, 0x003E, ref.name, "引用名")  # REFERENCENAME
        libid = _mbcs(ref.libid, "引用")
        out += _record(0x000D, struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0))  # REFERENCEREGISTERED
    out += _record(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for m in modules:
        out += _record(0x0019, _mbcs(m.name, "模块名"))  # MODULENAME
        out += _record(0x0047, m.name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_records(0x001A, 0x0032, m.name, "模块名")  # MODULESTREAMNAME
        out += _text_records(0x001C, 0x0048, "", "")  # MODULEDOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: the source starts the stream
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _record(0x0021 if m.kind == "standard" else 0x0022, b"")  # MODULETYPE: procedural / document, class
        out += _record(0x002B, b"")  # Terminator
    out += _record(0x0010, b"")  # dir Terminator
    return bytes(out)


def project_stream(name: str, modules: Sequence[Module], pid: str) -> bytes:
    """The PROJECT stream (2.3.1): no protection (CMG), no password (DPB), visible (GC)."""
    lines = [f'ID="{pid}"', *(m.declaration for m in modules)]
    lines += [
        f'Name="{name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(bytes(4), pid, 0x11)}"',
        f'DPB="{encrypt(bytes(1), pid, 0x22)}"',
        f'GC="{encrypt(bytes([0xFF]), pid, 0x33)}"',
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{m.name}=0, 0, 0, 0, C" for m in modules),
    ]
    return _mbcs("".join(line + "\r\n" for line in lines), "PROJECT 流")


def projectwm_stream(modules: Sequence[Module]) -> bytes:
    """PROJECTwm (2.3.3): each module name in MBCS and in UTF-16, each null-terminated; then a 0x0000 terminator."""
    out = bytearray()
    for m in modules:
        out += _mbcs(m.name, "模块名") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def project_streams(
    modules: Sequence[Module],
    name: str = "VBAProject",
    references: Sequence[Reference] = (STDOLE, OFFICE),
    syskind: int = SYSKIND_WIN32,
) -> dict[str, Tree]:
    """The storages and streams of ``vbaProject.bin`` (2.2), as a tree for :func:`compound_file`."""
    names = [m.name.casefold() for m in modules]
    if len(set(names)) != len(names):
        raise VbaError("模块名重复（VBA 模块名不区分大小写）。")
    if syskind not in (SYSKIND_WIN32, SYSKIND_MAC, SYSKIND_WIN64):
        raise VbaError(f"不支持的 SYSKIND：{syskind}")
    pid = project_id(name)
    vba: dict[str, Tree] = {
        "_VBA_PROJECT": VBA_PROJECT_STREAM,
        "dir": compress(dir_stream(name, modules, references, syskind)),
    }
    for m in modules:
        vba[m.name] = compress(_mbcs(m.code, f"模块 {m.name}"))
    return {"VBA": vba, "PROJECT": project_stream(name, modules, pid), "PROJECTwm": projectwm_stream(modules)}


def project_bin(
    modules: Sequence[Module],
    name: str = "VBAProject",
    references: Sequence[Reference] = (STDOLE, OFFICE),
    syskind: int = SYSKIND_WIN32,
) -> bytes:
    """``vbaProject.bin`` holding ``modules`` (document modules first, as Excel orders them)."""
    return compound_file(project_streams(modules, name, references, syskind))


# ------------------------------------------------------------------------ compound file ([MS-CFB] v3)

_SECTOR = 512
_MINI = 64
_MINI_CUTOFF = 4096
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF


def _cfb_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4: shorter names sort first, then by upper-cased UTF-16 code units."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _END
    size: int = 0


def _entries(tree: Mapping[str, Tree]) -> list[_Entry]:
    entries = [_Entry("Root Entry", 5)]

    def add(parent: int, children: Mapping[str, Tree]) -> None:
        for name in children:
            if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
                raise VbaError(f"复合文件中的名称无效：{name!r}")
        ordered = sorted(children, key=_cfb_key)
        index: dict[str, int] = {}
        for name in ordered:
            value = children[name]
            index[name] = len(entries)
            entries.append(_Entry(name, 2, bytes(value)) if isinstance(value, (bytes, bytearray)) else _Entry(name, 1))

        def balanced(lo: int, hi: int) -> int:  # a balanced binary search tree; all nodes black (valid red-black)
            if lo > hi:
                return _NOSTREAM
            mid = (lo + hi) // 2
            node = entries[index[ordered[mid]]]
            node.left, node.right = balanced(lo, mid - 1), balanced(mid + 1, hi)
            return index[ordered[mid]]

        entries[parent].child = balanced(0, len(ordered) - 1)
        for name in ordered:
            value = children[name]
            if not isinstance(value, (bytes, bytearray)):
                add(index[name], value)

    add(0, tree)
    return entries


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else _END


def compound_file(tree: Mapping[str, Tree]) -> bytes:
    """A compound file (MS-CFB version 3, 512-byte sectors) holding ``tree`` (name → bytes or a sub-tree)."""
    entries = _entries(tree)

    # streams under 4096 bytes live in the mini stream, in 64-byte mini sectors
    mini = bytearray()
    minifat: list[int] = []
    for e in entries:
        if e.kind == 2 and len(e.data) < _MINI_CUTOFF:
            e.size = len(e.data)
            if e.size == 0:
                continue
            count = -(-e.size // _MINI)
            e.start = len(minifat)
            minifat += [0] * count
            _chain(minifat, e.start, count)
            mini += e.data.ljust(count * _MINI, b"\x00")

    sectors: list[bytes] = []  # the file's sectors after the header, in order
    fat_chains: list[tuple[int, int]] = []  # (first sector, count) of every chain

    def place(data: bytes) -> int:
        count = -(-len(data) // _SECTOR)
        first = len(sectors)
        for i in range(count):
            sectors.append(data[i * _SECTOR:(i + 1) * _SECTOR].ljust(_SECTOR, b"\x00"))
        fat_chains.append((first, count))
        return first

    for e in entries:
        if e.kind == 2 and len(e.data) >= _MINI_CUTOFF:
            e.size = len(e.data)
            e.start = place(e.data)
    root = entries[0]
    if mini:
        root.start, root.size = place(bytes(mini)), len(mini)
    minifat_start, minifat_count = _END, 0
    if minifat:
        minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
        minifat_start = place(minifat_bytes.ljust(-(-len(minifat_bytes) // _SECTOR) * _SECTOR, b"\xff"))
        minifat_count = fat_chains[-1][1]
    unused = -len(entries) % (_SECTOR // 128)  # free entries fill the last directory sector
    directory = b"".join(_dir_entry(e) for e in [*entries, *(_Entry("", 0) for _ in range(unused))])
    dir_start = place(directory)

    data_sectors = len(sectors)
    fat_count = 1
    while fat_count * (_SECTOR // 4) < data_sectors + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise VbaError("VBA 工程过大（超过 109 个 FAT 扇区）。")
    fat = [_FREE] * (fat_count * (_SECTOR // 4))
    for first, count in fat_chains:
        _chain(fat, first, count)
    for i in range(fat_count):
        fat[data_sectors + i] = _FATSECT
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)

    difat = [data_sectors + i for i in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)  # CLSID
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)  # minor, major version 3, byte order, sector shifts
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, fat_count, dir_start, 0, _MINI_CUTOFF, minifat_start, minifat_count, _END, 0)
        + struct.pack("<109I", *difat)
    )
    assert len(header) == _SECTOR
    return header + b"".join(sectors) + fat_bytes


def _dir_entry(e: _Entry) -> bytes:
    name = (e.name + "\x00").encode("utf-16-le") if e.name else b""
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBB", len(name), e.kind, 1 if e.kind else 0)  # color: black
        + struct.pack("<III", e.left, e.right, e.child)
        + bytes(16)  # CLSID
        + struct.pack("<I", 0)  # state bits
        + bytes(16)  # creation and modification time
        + struct.pack("<IQ", e.start if e.kind in (2, 5) and e.size else (_END if e.kind == 5 else 0), e.size)
    )
