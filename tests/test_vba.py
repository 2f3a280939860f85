"""vbaProject.bin in the form [MS-OVBA] asks of writers, checked by reading every stream back with tools that
share no code with the writer (olefile for the compound file, oletools' MS-OVBA decompression), and compared
with the project LibreOffice writes from the same modules.
"""

from __future__ import annotations

import random
import re
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import olefile
import pytest
from libreoffice import LOAD_FUNCTION, basic_str, run_basic

from cpxl.excel import addin, vba

with warnings.catch_warnings():  # oletools 0.60 uses pyparsing names that pyparsing 3 deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import decompress_stream


def ovba_decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


# ------------------------------------------------------------------------------- an independent reader


@dataclass
class ModuleInfo:
    name: str
    stream: str
    kind: str  # "procedural" (0x0021) or "document/class" (0x0022)
    offset: int
    cookie: int
    records: list[int]
    source: bytes = b""


@dataclass
class Project:
    streams: dict[str, int]  # path -> size
    vba_project: bytes
    dir_records: list[int]
    syskind: int
    name: str
    codepage: int
    project_cookie: int
    references: list[tuple[str, str]]
    modules: list[ModuleInfo]
    project_text: str
    projectwm: list[tuple[str, str]]
    extra: dict[str, bytes] = field(default_factory=dict)

    def module(self, name: str) -> ModuleInfo:
        return next(m for m in self.modules if m.name == name)


def _records(data: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(data):
        rid, size = struct.unpack_from("<HI", data, i)
        if rid == 0x0009:  # PROJECTVERSION: Reserved (=4) then 6 bytes of version
            assert size == 4
            size = 6
        out.append((rid, data[i + 6:i + 6 + size]))
        i += 6 + size
        if rid == 0x0010:
            assert i == len(data), "bytes after the dir terminator"
    return out


def read_project(data: bytes) -> Project:
    """Every stream of a vbaProject.bin, parsed per [MS-OVBA] with olefile and oletools' decompression."""
    ole = olefile.OleFileIO(data)
    streams = {"/".join(p): ole.get_size("/".join(p)) for p in ole.listdir()}
    records = _records(ovba_decompress(ole.openstream("VBA/dir").read()))
    ids = [r for r, _ in records]
    value = {r: d for r, d in records}
    refs = []
    for i, (rid, d) in enumerate(records):
        if rid == 0x0016:
            libid_rec = records[i + 2]
            assert libid_rec[0] == 0x000D
            n = struct.unpack_from("<I", libid_rec[1])[0]
            refs.append((d.decode("cp1252"), libid_rec[1][4:4 + n].decode("cp1252")))
    modules = []
    current: dict[int, bytes] = {}
    seen: list[int] = []
    for rid, d in records[ids.index(0x0013) + 1:]:
        if rid == 0x0010:
            break
        current[rid], _ = d, seen.append(rid)
        if rid == 0x002B:
            name = current[0x0019].decode("cp1252")
            assert current[0x0047].decode("utf-16-le") == name
            stream = current[0x001A].decode("cp1252")
            assert current[0x0032].decode("utf-16-le") == stream
            m = ModuleInfo(
                name, stream, "procedural" if 0x0021 in current else "document/class",
                struct.unpack("<I", current[0x0031])[0], struct.unpack("<H", current[0x002C])[0], seen,
            )
            raw = ole.openstream(f"VBA/{stream}").read()
            m.source = ovba_decompress(raw[m.offset:])
            modules.append(m)
            current, seen = {}, []
    assert struct.unpack("<H", value[0x000F])[0] == len(modules)
    wm_raw = ole.openstream("PROJECTwm").read()
    wm, i = [], 0
    while wm_raw[i:i + 2] != b"\x00\x00":
        j = wm_raw.index(b"\x00", i)
        mbcs = wm_raw[i:j].decode("cp1252")
        k = j + 1
        while wm_raw[k:k + 2] != b"\x00\x00":
            k += 2
        wm.append((mbcs, wm_raw[j + 1:k].decode("utf-16-le")))
        i = k + 2
    assert i + 2 == len(wm_raw)
    return Project(
        streams=streams,
        vba_project=ole.openstream("VBA/_VBA_PROJECT").read(),
        dir_records=ids,
        syskind=struct.unpack("<I", value[0x0001])[0],
        name=value[0x0004].decode("cp1252"),
        codepage=struct.unpack("<H", value[0x0003])[0],
        project_cookie=struct.unpack("<H", value[0x0013])[0],
        references=refs,
        modules=modules,
        project_text=ole.openstream("PROJECT").read().decode("cp1252"),
        projectwm=wm,
    )


def project_properties(text: str) -> tuple[dict[str, str], list[str], list[str]]:
    """PROJECT stream: (properties, module declarations, [Host Extender Info] lines)."""
    props: dict[str, str] = {}
    decls: list[str] = []
    lines = text.split("\r\n")
    assert lines[-1] == "", "the PROJECT stream ends with CRLF"
    i = 0
    while lines[i]:
        key, _, val = lines[i].partition("=")
        if key in ("Document", "Module", "Class", "Package", "BaseClass"):
            decls.append(lines[i])
        else:
            props[key] = val.strip('"')
        i += 1
    assert lines[i + 1] == "[Host Extender Info]"
    j = i + 2
    hosts = []
    while lines[j]:
        hosts.append(lines[j])
        j += 1
    return props, decls, hosts


def vba_modules() -> list[vba.Module]:
    """The add-in's modules as stored in its project (document modules first, as Excel orders them)."""
    return addin.project_modules(addin.all_modules())


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The vbaProject.bin of the add-in as built."""
    with zipfile.ZipFile(addin.build(tmp_path_factory.mktemp("vba") / addin.ADDIN_NAME)) as z:
        return z.read("xl/vbaProject.bin")


# ------------------------------------------------------------------------------------------ the spec form


def test_project_is_in_the_form_writers_must_write(ours: bytes) -> None:
    p = read_project(ours)
    modules = vba_modules()
    # 2.3.4.1: seven bytes, Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00, no performance cache
    assert len(p.vba_project) == 7
    reserved1, version, reserved2 = struct.unpack_from("<HHB", p.vba_project)
    assert (reserved1, version, reserved2) == (0x61CC, 0xFFFF, 0x00)
    # every stream is one the spec names; no SRP streams, nothing left over
    assert set(p.streams) == {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir", *(f"VBA/{m.name}" for m in modules)}
    assert p.syskind == vba.SYSKIND_WIN32 and p.codepage == 1252 and p.name == "VBAProject"
    assert p.project_cookie == 0xFFFF
    assert 0x004A not in p.dir_records  # no PROJECTCOMPATVERSION (optional; neither LibreOffice nor xlwings write it)
    assert [m.name for m in p.modules] == [m.name for m in modules]
    for m, want in zip(p.modules, modules, strict=True):
        assert m.stream == m.name
        assert (m.offset, m.cookie) == (0, 0xFFFF), m.name  # source only; cookie as written by spec
        assert m.kind == ("procedural" if want.kind == "standard" else "document/class")
        assert m.source == want.code.encode("ascii"), m.name  # the whole stream is the module's text
        assert m.records == [0x0019, 0x0047, 0x001A, 0x0032, 0x001C, 0x0048, 0x0031, 0x001E, 0x002C,
                             0x0021 if want.kind == "standard" else 0x0022, 0x002B]
    assert [r for r, _ in p.references] == ["stdole", "Office"]
    assert p.projectwm == [(m.name, m.name) for m in modules]
    props, decls, hosts = project_properties(p.project_text)
    assert decls == ["Document=ThisWorkbook/&H00000000", "Document=Sheet1/&H00000000",
                     *(f"{'Module' if m.kind == 'standard' else 'Class'}={m.name}" for m in modules[2:])]
    assert props["Name"] == "VBAProject" and props["ID"] == vba.project_id("VBAProject")
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", props["ID"])
    key = vba.project_key(props["ID"])
    for field_name, length, want in (("CMG", (22, 28), bytes(4)), ("DPB", (16, 99), b"\x00"), ("GC", (16, 22), b"\xff")):
        value = props[field_name]
        assert length[0] <= len(value) <= length[1] and re.fullmatch("[0-9A-F]+", value)
        assert vba.decrypt(value) == (want, 2, key), field_name  # unprotected, no password, visible
    assert hosts == [vba.HOST_EXTENDER]


def test_class_and_document_modules_keep_the_attributes_the_editor_keeps(ours: bytes) -> None:
    p = read_project(ours)
    cls = p.module("Dictionary").source.decode("ascii").split("\r\n")
    assert cls[:6] == ['Attribute VB_Name = "Dictionary"', f'Attribute VB_Base = "{vba.CLASS_BASE}"',
                       "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                       "Attribute VB_PredeclaredId = False", "Attribute VB_Exposed = True"]
    assert not any(line.startswith(("VERSION 1.0 CLASS", "BEGIN", "  MultiUse")) for line in cls)
    assert p.module("ThisWorkbook").source.startswith(
        b'Attribute VB_Name = "ThisWorkbook"\r\nAttribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"\r\n')
    assert p.module("Sheet1").source.count(b"\r\n") == 8  # attributes only: no code, no compiled code


def test_build_is_deterministic_and_64_bit_only_changes_syskind(ours: bytes) -> None:
    assert vba.project_bin(vba_modules()) == ours
    win64 = read_project(vba.project_bin(vba_modules(), syskind=vba.SYSKIND_WIN64))
    win32 = read_project(ours)
    assert win64.syskind == vba.SYSKIND_WIN64
    win64.syskind = win32.syskind
    win64.streams.pop("VBA/dir"), win32.streams.pop("VBA/dir")  # the compressed size may differ by a byte
    assert win64 == win32


def test_compression_round_trips_through_an_independent_decompressor() -> None:
    rnd = random.Random(15)
    samples = [b"", b"a", b"abc", b"a" * 5000, bytes(range(256)) * 40, b"Sub X()\r\n  Y\r\nEnd Sub\r\n" * 700]
    samples += [bytes(rnd.randrange(256) for _ in range(n)) for n in (100, 4095, 4096, 4097, 9000)]
    for data in samples:
        packed = vba.compress(data)
        ours_out, theirs = vba.decompress(packed), ovba_decompress(packed)
        assert ours_out == theirs
        # an incompressible last chunk is stored raw and padded to 4096 bytes, as 2.4.1.3.10 requires
        assert ours_out[:len(data)] == data and not ours_out[len(data):].strip(b"\x00")
    text = b"".join(m.code.encode() for m in vba_modules())
    assert len(vba.compress(text)) < len(text) / 2


def test_decompressor_reads_what_excel_wrote() -> None:
    import xlwings

    path = Path(xlwings.__file__).parent / "addin" / "xlwings.xlam"
    with zipfile.ZipFile(path) as z:
        ole = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    dir_raw = ole.openstream("VBA/dir").read()
    assert vba.decompress(dir_raw) == ovba_decompress(dir_raw)
    text = ole.openstream("PROJECT").read().decode("cp1252")
    pid = re.search(r'ID="([^"]+)"', text).group(1)
    for name in ("CMG", "DPB", "GC"):  # Excel's obfuscation decrypts with the key of its project ID
        _, version, key = vba.decrypt(re.search(name + r'="([0-9A-F]+)"', text).group(1))
        assert (version, key) == (2, vba.project_key(pid))


def test_compound_file_directory_is_a_valid_sorted_tree(ours: bytes) -> None:
    ole = olefile.OleFileIO(ours)
    entries = [e for e in ole.direntries if e is not None]

    def key(name: str) -> tuple[int, str]:
        return len(name), name.upper()

    def walk(sid: int) -> list[str]:
        if sid == olefile.NOSTREAM:
            return []
        e = ole.direntries[sid]
        return [*walk(e.sid_left), e.name, *walk(e.sid_right)]

    for storage in (e for e in entries if e.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE)):
        names = walk(storage.sid_child)
        assert names == sorted(names, key=key), storage.name  # in-order walk of a binary search tree
        assert len(names) == len(storage.kids)
    assert all(e.color == 1 for e in entries)  # all black: no two consecutive red nodes
    assert ole.header_signature == olefile.MAGIC and len(ours) % 512 == 0


# -------------------------------------------------------------------------- compared with LibreOffice


@pytest.fixture(scope="module")
def libreoffice_project(ours: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The project LibreOffice writes (its own VBA export) after importing the same modules from our project."""
    work = tmp_path_factory.mktemp("lo-vba")
    src = addin.build(work / "cpxl.xlsm")
    with zipfile.ZipFile(src) as z:
        assert z.read("xl/vbaProject.bin") == ours
    out = work / "saved-by-libreoffice.xlsm"
    run_basic(
        LOAD_FUNCTION
        + "Sub Main\n"
        + f'  doc = ProbeLoad({basic_str(str(src))}, "Calc MS Excel 2007 XML")\n'
        + "  Dim args(0) As New com.sun.star.beans.PropertyValue\n"
        + '  args(0).Name = "FilterName" : args(0).Value = "Calc MS Excel 2007 VBA XML"\n'
        + f"  doc.storeToURL(ConvertToURL({basic_str(str(out))}), args)\n"
        + "  doc.close(True)\n  StarDesktop.terminate()\nEnd Sub\n",
        work,
    )
    assert out.exists(), "LibreOffice did not save the workbook"
    with zipfile.ZipFile(out) as z:
        return z.read("xl/vbaProject.bin")


def test_structure_matches_the_project_libreoffice_writes(ours: bytes, libreoffice_project: bytes) -> None:
    mine, lo = read_project(ours), read_project(libreoffice_project)
    assert set(mine.streams) == set(lo.streams)
    assert mine.vba_project[:5] == lo.vba_project[:5] and len(lo.vba_project) == 7  # Reserved3 differs: "undefined"
    for p in (mine, lo):
        assert p.syskind == vba.SYSKIND_WIN32 and p.codepage == 1252 and p.project_cookie == 0xFFFF
        assert {(m.offset, m.cookie) for m in p.modules} == {(0, 0xFFFF)}
    # the same records in the same order in PROJECTINFORMATION and PROJECTREFERENCES
    assert mine.dir_records[:mine.dir_records.index(0x000F)] == lo.dir_records[:lo.dir_records.index(0x000F)]
    assert [n for n, _ in mine.references] == [n for n, _ in lo.references]
    # the same modules, each with the same records and kind (LibreOffice lists documents last)
    assert {m.name: (m.kind, m.records) for m in mine.modules} == {m.name: (m.kind, m.records) for m in lo.modules}
    assert sorted(mine.projectwm) == sorted(lo.projectwm)
    for m in mine.modules:
        theirs = lo.module(m.name).source.decode("cp1252")
        if m.name == "Dictionary":  # LibreOffice writes its own "Option ClassModule" for a class, no attributes
            theirs = theirs.replace("Option ClassModule\r\n", "")
            text = "\r\n".join(ln for ln in m.source.decode().split("\r\n") if not re.match(r"Attribute (\w+\.)?VB_", ln))
            assert theirs.split("\r\n", 1)[1].rstrip("\r\n") == text.rstrip("\r\n"), m.name
        else:  # LibreOffice ends every module with a blank line
            assert theirs.rstrip("\r\n") == m.source.decode().rstrip("\r\n"), m.name
    mine_props, mine_decls, mine_hosts = project_properties(mine.project_text)
    lo_props, lo_decls, lo_hosts = project_properties(lo.project_text)
    assert set(mine_props) == set(lo_props)
    for key in ("Name", "HelpContextID", "VersionCompatible32"):
        assert mine_props[key] == lo_props[key]
    for key in ("CMG", "DPB", "GC"):
        assert vba.decrypt(mine_props[key])[0] == vba.decrypt(lo_props[key])[0]
    assert mine_hosts == lo_hosts
    # LibreOffice 7.4 leaves class modules out of the PROJECT stream (it writes no "Class=" line)
    assert sorted(mine_decls) == sorted([*lo_decls, "Class=Dictionary"])


def test_our_decompressor_reads_what_libreoffice_wrote(libreoffice_project: bytes) -> None:
    ole = olefile.OleFileIO(libreoffice_project)
    for path in ole.listdir():
        if path[0] == "VBA" and path[1] != "_VBA_PROJECT":
            raw = ole.openstream("/".join(path)).read()
            assert vba.decompress(raw) == ovba_decompress(raw), path
