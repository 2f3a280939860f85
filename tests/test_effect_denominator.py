"""Improvement potential divides by the same product output as the indicator value (issue 11, item 2): an
enterprise with two products is not credited with both where the indicator divides by one of them."""

from __future__ import annotations

from cpxl.domain import packs
from cpxl.domain.indicators import Indicator
from cpxl.plan.effects import bases, gap_effect


def _water(denominator=None) -> Indicator:
    return Indicator(id="W", name="单位产品取水量", unit="m³/t", weight=0.1, kind="quantitative", limiting=False,
                     direction="lower_better", benchmarks={}, category_id="C", dimension="资源", denominator=denominator)


PRODUCTS = [
    {"ent_uscc": "U1", "year": 2025, "product": "危险废物焚烧处置量", "unit": "t", "output": 20000},
    {"ent_uscc": "U1", "year": 2025, "product": "危险废物接收量", "unit": "t", "output": 21000},
    {"ent_uscc": "U1", "year": 2024, "product": "危险废物焚烧处置量", "unit": "t", "output": 99999},
]


def test_the_packs_denominator_not_the_sum_of_every_product():
    with packs.activated("hazardous-waste-incineration"):
        b = bases({"all_ent_products": PRODUCTS}, 2025)["U1"]
        eff = gap_effect(_water(), 3.0, 2.0, b)
    assert b.output == 20000  # the 入炉 quantity the diagnosis divides by, not 41,000 t
    assert eff.primary is not None and eff.primary.amount == 20000  # (3 − 2) m³/t × 20,000 t


def test_an_indicators_own_denominator_is_used():
    own = {"kind": "match", "products": ["接收量"], "unit": "t"}
    with packs.activated("hazardous-waste-incineration"):
        b = bases({"all_ent_products": PRODUCTS}, 2025)["U1"]
        eff = gap_effect(_water(own), 3.0, 2.0, b)
    assert eff.primary is not None and eff.primary.amount == 21000


def test_a_sum_denominator_adds_products_of_one_dimension():
    rows = [{"ent_uscc": "U2", "year": 2025, "product": "棉布", "unit": "t", "output": 22000},
            {"ent_uscc": "U2", "year": 2025, "product": "化纤布", "unit": "万t", "output": 0.6}]
    with packs.activated("hazardous-waste-incineration"):
        b = bases({"all_ent_products": rows}, 2025)["U2"]
        eff = gap_effect(_water({"kind": "sum", "unit": "t"}), 95.0, 75.0, b)
    assert eff.primary is not None and eff.primary.amount == 20 * 28000
