"""The Excel skin: the add-in ``cpxl.xlam`` built from ``workbook/`` (``addin``) and the Python entry point its
ribbon buttons call through xlwings (``xl``). No audit logic lives here: every button calls ``cpxl.api``.
"""
