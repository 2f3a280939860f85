"""Schemas → sheets and back (the Excel side of every stage).

In: ``schemas/*.json`` (one JSON Schema per sheet). Out: the master workbook (``master``), one template per
enterprise with its self-check sheet (``templates``, ``selfcheck``), fast reads of any of them back into typed
records (``xlsxread`` with ``normalize``), cell-level validation (``validate``, ``check``) and atomic rewrites of
the master's sheets (``masterio`` over ``xmlsheet``). ``schema`` loads the schemas, ``layout`` says where each
field sits, ``xlsxwrite`` renders headers, validation and protection, ``indicator_sheet`` maps an indicator
system to the master's 指标体系 sheet.
"""
