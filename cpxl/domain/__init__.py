"""Facts every stage uses, as code over data files in ``cpxl/data``: identifier codes (统一社会信用代码
GB 32100, 排污许可证编号 HJ 608, GB/T 4754 行业代码) in ``codes`` and the indicator-system model with its loading
and validation in ``indicators``.
"""
