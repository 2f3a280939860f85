"""The parts of a zip package (.xlsx, .docx) read once, and copied without recompressing.

An .xlsx is a zip of XML parts. Reading one part through :mod:`zipfile` costs a seek, a local-header
parse and a buffered stream per part; a returned workbook has some sixty parts, and the first look at
it (entity check, claimed dimensions) touches every one. :class:`Package` reads the file's bytes once
and inflates a part (or just its first kilobytes) straight from them. :func:`copy_raw` puts a part
into another package byte for byte, compressed data included, so that a rewrite of a few parts leaves
every other part exactly as it was and costs no inflating or deflating.

Only stored and deflated parts are read here; anything else (encrypted parts, other methods) goes
through :mod:`zipfile`, which raises its usual errors.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header: signature … name length, extra length
_PLAIN = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class Package:
    """A zip file's bytes in memory with its directory; parts are inflated on demand."""

    def __init__(self, source: Path | bytes, in_memory: bool = True):
        """``in_memory=False`` keeps a large package on disk: parts are read from the file when asked for."""
        self.fh = None
        if isinstance(source, bytes) or in_memory:
            self.data: bytes | None = source if isinstance(source, bytes) else Path(source).read_bytes()
            self.zip = zipfile.ZipFile(io.BytesIO(self.data))  # the central directory (zip64 and all)
        else:
            self.data = None
            self.fh = open(source, "rb")  # noqa: SIM115 - closed by close()
            self.zip = zipfile.ZipFile(self.fh)
        self.infos = self.zip.infolist()
        self.by_name = {i.filename: i for i in self.infos}
        self._heads: dict[tuple[str, int], bytes] = {}

    def close(self) -> None:
        self.zip.close()
        if self.fh is not None:
            self.fh.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        return [i.filename for i in self.infos]

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def raw(self, name: str) -> tuple[zipfile.ZipInfo, memoryview]:
        """The part's directory entry and its compressed bytes as stored."""
        info = self.by_name[name]
        start = info.header_offset
        if self.data is None:
            self.fh.seek(start)
            local = self.fh.read(_LOCAL.size)
        else:
            local = self.data[start:start + _LOCAL.size]
        if len(local) < _LOCAL.size or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {name}")
        head = _LOCAL.unpack(local)
        begin = start + _LOCAL.size + head[9] + head[10]
        if self.data is None:
            self.fh.seek(begin)
            raw = self.fh.read(info.compress_size)
            if len(raw) < info.compress_size:
                raise zipfile.BadZipFile(f"truncated part {name}")
            return info, memoryview(raw)
        end = begin + info.compress_size
        if end > len(self.data):
            raise zipfile.BadZipFile(f"truncated part {name}")
        return info, memoryview(self.data)[begin:end]

    def _simple(self, info: zipfile.ZipInfo) -> bool:
        return info.compress_type in _PLAIN and not info.flag_bits & 0x1

    def head(self, name: str, size: int = 4096) -> bytes:
        """Up to ``size`` bytes from the start of the part (inflating no more than needed; remembered)."""
        if (name, size) in self._heads:
            return self._heads[(name, size)]
        info = self.by_name[name]
        if not self._simple(info):
            with self.zip.open(info) as fh:
                return fh.read(size)
        _, raw = self.raw(name)
        if info.compress_type == zipfile.ZIP_STORED:
            out = bytes(raw[:size])
        else:
            try:
                out = zlib.decompressobj(-15).decompress(raw, size)
            except zlib.error as exc:
                raise zipfile.BadZipFile(f"{name}: {exc}") from exc
        self._heads[(name, size)] = out
        return out

    def read(self, name: str) -> bytes:
        """The whole part, checked against its CRC."""
        info = self.by_name[name]
        if not self._simple(info):
            return self.zip.read(info)
        _, raw = self.raw(name)
        try:
            data = bytes(raw) if info.compress_type == zipfile.ZIP_STORED else zlib.decompress(raw, -15)
        except zlib.error as exc:
            raise zipfile.BadZipFile(f"{name}: {exc}") from exc
        if zlib.crc32(data) != info.CRC or len(data) != info.file_size:
            raise zipfile.BadZipFile(f"bad CRC or size for {name}")
        return data


def copy_raw(pkg: Package, name: str, out: zipfile.ZipFile) -> None:
    """Write part ``name`` of ``pkg`` into ``out`` as it is stored (no inflate, no deflate).

    ``out`` must be a :class:`zipfile.ZipFile` open for writing to a seekable file. Parts that are not
    plainly stored or deflated are copied through :mod:`zipfile` instead.
    """
    src = pkg.by_name[name]
    if not pkg._simple(src):
        out.writestr(src, pkg.read(name))
        return
    _, raw = pkg.raw(name)
    info = zipfile.ZipInfo(src.filename, src.date_time)
    info.compress_type = src.compress_type
    info.CRC, info.compress_size, info.file_size = src.CRC, src.compress_size, src.file_size
    info.external_attr, info.create_system = src.external_attr, src.create_system
    info.flag_bits = src.flag_bits & 0x800  # keep "UTF-8 name"; sizes are in the header, no data descriptor
    with out._lock:  # the same bookkeeping zipfile does for a part it writes itself
        if out._writing:
            raise ValueError("another part is being written")
        out._writecheck(info)
        out._didModify = True
        info.header_offset = out.fp.tell()
        zip64 = info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
        out.fp.write(info.FileHeader(zip64))
        out.fp.write(raw)
        out.start_dir = out.fp.tell()
        out.filelist.append(info)
        out.NameToInfo[info.filename] = info
