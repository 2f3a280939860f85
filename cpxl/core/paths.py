"""Where the repository's data lives: schemas, report templates, packaged data files."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
SCHEMAS = ROOT / "schemas"
TEMPLATES = ROOT / "templates"
DATA = PACKAGE / "data"
