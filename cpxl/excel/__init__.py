"""The Excel skin: the add-in ``cpxl.xlam`` built from ``workbook/`` (``addin``, with its VBA project written by
``vba`` and its package by ``package``), the Python entry point its ribbon buttons call (``xl``), the runner that
keeps Excel responsive on Windows (``runner``) and the offline installer (``bundle``). No audit logic lives here:
every button calls ``cpxl.api``.
"""
