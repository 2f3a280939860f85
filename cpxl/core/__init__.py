"""Foundations every stage stands on: the audit folder and its paths (``folder``, ``paths``), atomic writes
(``atomic``), the one shape of a problem (``problems``), worker processes bounded in time and memory for
untrusted files (``isolate``) and LibreOffice headless (``office``). Nothing here knows about the audit's
content.
"""
