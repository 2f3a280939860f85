"""The offline Windows x64 bundle: every dependency resolves from its wheels alone, for every Python it is for.

The bundle is built for all supported CPython versions. Wheels are downloaded from the package index once into
a cache (``CPXL_WHEEL_CACHE``, default ``~/.cache/cpxl/wheels-win_amd64``; about 240 MB) and reused by later
runs, which then need no download. The resolution check is pip's own (``pip install --dry-run --no-index``);
because pip evaluates environment markers for this Linux machine, not for ``--platform``, the test also
evaluates every wheel's requirements for Windows itself.
"""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
import time
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from typer.testing import CliRunner

from cpxl.cli.excel import addin_app
from cpxl.core.paths import ROOT
from cpxl.excel import addin, bundle

CACHE = Path(os.environ.get("CPXL_WHEEL_CACHE") or bundle.default_cache())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[bundle.BundleResult, Path]:
    out = tmp_path_factory.mktemp("bundle") / "cpxl-windows-x64.zip"
    started = time.monotonic()
    res = bundle.build_bundle(out, bundle.SUPPORTED_PYTHONS, CACHE, log=lambda msg: print(msg, file=sys.stderr))
    print(f"bundle: {res.size / 1e6:.0f} MB, {len(res.wheels)} wheels, {time.monotonic() - started:.0f} s, "
          f"downloaded: {res.downloaded}", file=sys.stderr)
    unpacked = out.parent / "unpacked"
    with zipfile.ZipFile(out) as z:
        z.extractall(unpacked)
    return res, unpacked / "cpxl-windows-x64"


@pytest.mark.parametrize("python", bundle.SUPPORTED_PYTHONS)
def test_every_dependency_resolves_offline_for_windows_x64(built: tuple[bundle.BundleResult, Path], python: str,
                                                           tmp_path: Path) -> None:
    _, root = built
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
         "--find-links", str(root / "wheels"), "--platform", "win_amd64", "--python-version", python,
         "--implementation", "cp", "--only-binary=:all:", "--target", str(tmp_path / "t"), "cpxl"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Would install" in proc.stdout and "cpxl-" in proc.stdout


@pytest.mark.parametrize("python", bundle.SUPPORTED_PYTHONS)
def test_windows_only_requirements_are_in_the_bundle_too(built: tuple[bundle.BundleResult, Path], python: str) -> None:
    _, root = built
    env = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
           "python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "extra": ""}
    tag = f"cp{python.replace('.', '')}"
    wheels = {}
    for w in (root / "wheels").glob("*.whl"):
        name, version, _, tags = parse_wheel_filename(w.name)
        if any(t.interpreter in ("py3", "py2.py3", tag) or t.abi == "abi3" for t in tags):
            wheels.setdefault(canonicalize_name(name), []).append((version, w))
    # walk the requirement graph from cpxl with Windows markers: every node must have a wheel for this Python
    todo, seen = [Requirement("cpxl")], set()
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        if key in seen:
            continue
        seen.add(key)
        fits = [w for v, w in wheels.get(key, []) if req.specifier.contains(v, prereleases=True)]
        assert fits, f"Python {python} on Windows needs {req}, and the bundle has no wheel for it"
        with zipfile.ZipFile(fits[0]) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
            reqs = Parser().parsestr(z.read(meta).decode("utf-8")).get_all("Requires-Dist") or []
        todo += [r for r in map(Requirement, reqs) if r.marker is None or r.marker.evaluate(env)]
    assert {"pywin32", "colorama", "xlwings", "pandas"} <= seen  # Windows-only ones included


def test_bundle_holds_the_addin_the_installer_and_cpxl_with_its_data(built: tuple[bundle.BundleResult, Path],
                                                                      tmp_path: Path) -> None:
    res, root = built
    assert sorted(p.name for p in root.iterdir()) == [
        "README.txt", "cpxl.xlam", "cpxl_setup.py", "install.cmd", "uninstall.cmd", "wheels"]
    assert (root / "cpxl.xlam").read_bytes() == addin.build(tmp_path / "cpxl.xlam").read_bytes()
    install = (root / "install.cmd").read_bytes()
    assert install.count(b"\r\n") == install.count(b"\n")  # CRLF for cmd.exe
    assert b"for %%v in (3.14 3.13 3.12 3.11) do" in install and b"cpxl_setup.py\" install" in install
    assert b"cpxl_setup.py\" uninstall" in (root / "uninstall.cmd").read_bytes()
    py_compile.compile(str(root / "cpxl_setup.py"), doraise=True)
    # cpxl's wheel carries the schemas, the report template and the add-in's sources (cpxl.core.paths)
    cpxl_wheel = next((root / "wheels").glob("cpxl-*.whl"))
    with zipfile.ZipFile(cpxl_wheel) as z:
        names = set(z.namelist())
    data = f"cpxl-{cpxl_wheel.name.split('-')[1]}.data/data/share/cpxl/"
    for folder, pattern in (("schemas", "*.json"), ("schemas/formats", "*.json"), ("templates", "*.docx"),
                            ("workbook", "*.bas"), ("workbook", "customUI.xml")):
        for f in (ROOT / folder).glob(pattern):
            assert data + f"{folder}/{f.name}" in names, f
    for python in bundle.SUPPORTED_PYTHONS:  # one of each per Python: no mixed versions
        picked = res.per_python[python]
        assert len({parse_wheel_filename(w)[0] for w in picked}) == len(picked)
        assert f"xlwings-{addin.xlwings_version()}" in " ".join(picked)


def test_a_second_build_needs_no_download(built: tuple[bundle.BundleResult, Path], tmp_path: Path) -> None:
    res = CliRunner().invoke(addin_app, ["bundle", "--out", str(tmp_path / "b.zip"), "--python", "3.12",
                                         "--cache", str(CACHE), "--json"])
    assert res.exit_code == 0, res.output
    assert '"downloaded": false' in res.output


def test_bundle_refuses_what_it_cannot_build(tmp_path: Path) -> None:
    with pytest.raises(bundle.BundleError, match="不支持的 Python 版本"):
        bundle.build_bundle(tmp_path / "x.zip", ["3.9"], tmp_path)
    with pytest.raises(bundle.BundleError, match=".zip"):
        bundle.build_bundle(tmp_path / "x.tar", ["3.12"], tmp_path)
    assert bundle.parse_pythons(["3.12,3.13", "3.14"]) == ["3.12", "3.13", "3.14"]


def test_cpxl_from_its_wheel_finds_its_schemas_and_templates(built: tuple[bundle.BundleResult, Path],
                                                             tmp_path: Path) -> None:
    """Installed from the wheel (not from the repository), cpxl finds its data under <prefix>/share/cpxl."""
    _, root = built
    wheel = next((root / "wheels").glob("cpxl-*.whl"))
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed", "--prefix",
                    str(env_dir), str(wheel)], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies come from this test's environment (a path, not a site dir: its editable cpxl stays out)
    deps = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "openpyxl").is_dir())
    Path(site, "deps.pth").write_text(deps + "\n", encoding="utf-8")
    code = ("import cpxl, cpxl.core.paths as p; from cpxl.excel import addin;"
            "print(cpxl.__file__); print(p.SCHEMAS); print(p.TEMPLATES); print(addin.WORKBOOK_DIR)")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    where = out.stdout.splitlines()
    share = env_dir / "share" / "cpxl"
    assert Path(where[0]).is_relative_to(env_dir)  # this cpxl, not the repository's
    assert [Path(w) for w in where[1:]] == [share / "schemas", share / "templates", share / "workbook"]
    made = subprocess.run([str(python), "-m", "cpxl.cli", "init", str(tmp_path / "审核"), "--industry", "电镀",
                           "--region", "东岚省"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "审核" / "审核总表.xlsx").is_file()
