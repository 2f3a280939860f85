"""Where the repository's data lives: schemas, report templates, the add-in's sources, packaged data files.

From a source checkout (``pip install -e``) they are the repository's folders; from a wheel (the offline
Windows bundle) they are installed under ``<sys.prefix>/share/cpxl`` (``[tool.setuptools.data-files]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
SHARED = Path(sys.prefix) / "share" / "cpxl"


def _folder(name: str) -> Path:
    here = ROOT / name
    return here if here.is_dir() or not (SHARED / name).is_dir() else SHARED / name


SCHEMAS = _folder("schemas")
TEMPLATES = _folder("templates")
WORKBOOK = _folder("workbook")
DATA = PACKAGE / "data"
