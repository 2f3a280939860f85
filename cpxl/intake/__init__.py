"""Stage 1b, 资料收集 (guideline 5.2.1, Appendix B): the enterprises' returned workbooks.

In: files in the audit folder's 收件箱. Out: originals archived untouched and recorded in the ledger, each file
sniffed (``sniff``), read in an isolated worker (``extract``), validated cell by cell and for plausibility
(``plausibility``), a feedback copy and the validation report (``feedback``), and the accepted data
consolidated into the master's 汇总 sheets. ``ingest`` drives the steps; ``ledger`` is the SQLite record.
"""
