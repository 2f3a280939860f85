"""Stage 3, 方案制定 (guideline 5.3.1–5.3.2): targets, proposals, screening, economics and tracking.

In: the master's 指标体系, 指标值汇总, 诊断结果, 共性问题, 审核重点, the consolidated enterprise data and 方案参数设置.
Out: 达标核查 (breaches first), 数据补报 (enterprises without usable data), 审核目标 and 改善潜力 (``targets``,
``effects``), 方案汇总 tied to diagnosed gaps with the team's scores and states (``proposals``, ``review``),
payback/NPV/NPVR/IRR (``economics``) and 方案跟踪 (``tracking``), written back into the master by ``run``.
"""

from .run import PlanResult, plan

__all__ = ["PlanResult", "plan"]
