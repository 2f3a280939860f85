"""``python -m cpxl.cli``: the same as the ``cpxl`` command."""

from cpxl.cli import app

app()
