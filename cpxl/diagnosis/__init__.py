"""Stage 2 of the audit, 审核诊断 (guideline 5.2.2–5.2.3).

In: the master workbook's consolidated enterprise data (``汇总_*``), its 指标体系 and 企业名单 sheets.
Out: every enterprise's indicator values with their origin, its Y_I/Y_II/Y_III and level, the industry
statistics, key common problems, individual shortfalls, the 5.2.2 audit focus and the 诊断矩阵 — returned as
a :class:`DiagnosisResult` and written back into the master.

Read in the order data flows:
``energy`` (standard coal, CO₂) → ``derive`` (indicator values computed from Appendix B data) →
``system`` (which indicator system) → ``values`` (each enterprise's values and their origin) →
``scoring`` (the national method) → ``statistics`` / ``common`` / ``focus`` (the industry view) →
``sheets`` / ``matrix`` (written into the master); ``run`` drives them, ``model`` holds the types,
``score`` scores a stand-alone table of values (``cpxl score``).
"""

from .model import DiagnosisError, DiagnosisOptions, DiagnosisResult, EnterpriseDiagnosis
from .run import diagnose, diagnose_data
from .score import load_values, score_values

__all__ = ["DiagnosisError", "DiagnosisOptions", "DiagnosisResult", "EnterpriseDiagnosis", "diagnose",
           "diagnose_data", "load_values", "score_values"]
