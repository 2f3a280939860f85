"""cpxl — 行业整体清洁生产审核 (industry-wide cleaner production audit) in Excel."""

__version__ = "0.1.0"
