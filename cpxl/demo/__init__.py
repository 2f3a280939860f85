"""The bundled demo audit: a fictional province's industry generated from ``cpxl/data/demo`` with a fixed seed
(``data``), the whole audit run end to end (``run``), and audits of any size for the benchmarks (``scale``).
"""
