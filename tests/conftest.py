from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpxl import api


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo audit shared by the read-only tests of the session (small: 6 enterprises)."""
    root = tmp_path_factory.mktemp("demo") / "audit"
    api.run_demo(root, n=6)
    return root


@pytest.fixture()
def demo_copy(demo_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the demo audit for tests that change it."""
    dst = tmp_path / "audit"
    shutil.copytree(demo_dir, dst)
    return dst
