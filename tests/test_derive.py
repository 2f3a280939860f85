"""Derived quantities on a hand-made two-enterprise dataset; every expected number is worked out by hand.

Coefficients used (cpxl/data/coefficients, GB/T 2589 as transcribed there):
电力 0.1229 kgce/kWh (当量值); 天然气 1.2143 kgce/m³ (气田天然气, UNCONFIRMED default); 柴油 1.4571 kgce/kg.
CO₂: national grid 2023 factor 0.5306 kgCO₂/kWh (the newest published; 2025 falls back to it);
fuels overridden in the test (天然气 2.0 kgCO₂/m³, 柴油 3.0 kgCO₂/kg) so that the sum is checkable by hand.
"""

from __future__ import annotations

import pytest

from cpxl.diagnosis import derive, energy
from cpxl.diagnosis.derive import DeriveOptions, derive_enterprise
from cpxl.domain import packs

Y = 2025
A = "91990100MA0000001X"
B = "91990100MA0000002X"


def _rows(uscc: str, name: str, rows: list[dict]) -> list[dict]:
    return [{"ent_uscc": uscc, "ent_name": name, "year": Y, **r} for r in rows]


def dataset() -> dict[str, list[dict]]:
    """Enterprise A: complete data. Enterprise B: typical gaps (其他 energy, no water, no 飞灰 …)."""
    a, b = (A, "甲公司"), (B, "乙公司")
    return {
        "all_ent_products": _rows(*a, [{"product": "危险废物焚烧处置量", "unit": "万t", "output": 2}])  # 20 000 t
        + _rows(*b, [{"product": "危险废物焚烧处置量", "unit": "t", "output": 10000}]),
        "all_ent_energy": _rows(*a, [
            {"carrier": "电力", "unit": "万kWh", "consumption": 200},  # 2 000 000 kWh
            {"carrier": "天然气", "unit": "m³", "consumption": 100000},
            {"carrier": "柴油", "unit": "t", "consumption": 10},
        ]) + _rows(*b, [
            {"carrier": "电力", "unit": "kWh", "consumption": 1000000},
            {"carrier": "其他", "unit": "t", "consumption": 50, "purpose": "废油助燃"},
        ]),
        "all_ent_water": _rows(*a, [{"source": "自来水", "intake": 100000}, {"source": "地下水", "intake": 60000}]),
        "all_ent_materials": _rows(*a, [
            {"material": "尿素", "purpose": "脱硝", "unit": "t", "consumption": 80},
            {"material": "氨水", "purpose": "脱硝", "unit": "kg", "consumption": 20000},
            {"material": "氢氧化钠", "purpose": "脱硫脱酸", "unit": "t", "consumption": 100},
            {"material": "消石灰", "purpose": "脱硫脱酸", "unit": "万t", "consumption": 0.01},
            {"material": "活性炭", "purpose": "吸附", "unit": "t", "consumption": 7},
        ]) + _rows(*b, [{"material": "氨水", "purpose": "脱硫脱酸", "unit": "m³", "consumption": 30}]),
        "all_ent_solidwaste": _rows(*a, [
            {"waste": "焚烧炉渣", "category": "危险废物", "generated": 4000, "utilized": 1000, "disposed": 3000},
            {"waste": "飞灰", "category": "危险废物", "generated": 1000, "disposed": 950, "stored": 50},
        ]) + _rows(*b, [{"waste": "焚烧炉渣", "category": "危险废物", "generated": 2500, "utilized": 0}]),
        "all_ent_wastegas": _rows(*a, [
            {"outlet": "DA001", "pollutant": "二氧化硫", "discharged": 2},
            {"outlet": "DA002", "pollutant": "二氧化硫", "discharged": 1},
            {"outlet": "DA001", "pollutant": "氮氧化物", "discharged": 10},
        ]),
        "all_ent_wastewater": _rows(*a, [
            {"pollutant": "化学需氧量", "unit": "t", "discharged": 1},
            {"pollutant": "氨氮", "unit": "kg", "discharged": 100},
        ]),
    }


@pytest.fixture(autouse=True)
def _incineration_pack():
    """The dataset is of the hazardous-waste incineration industry: its pack names the quantities."""
    with packs.activated("hazardous-waste-incineration"):
        yield


@pytest.fixture(scope="module")
def by_ent() -> dict[str, dict]:
    return derive.by_enterprise(dataset())


CO2 = {"co2_overrides": {"天然气": 2.0, "柴油": 3.0}}


def test_enterprise_a_by_hand(by_ent: dict) -> None:
    d = derive_enterprise(by_ent[A], Y, CO2)
    # product: 2 万t = 20 000 t
    assert d["waste_treated"].value == pytest.approx(20000)
    # energy: 2 000 000 kWh × 0.1229 = 245 800 kgce; 100 000 m³ × 1.2143 = 121 430 kgce;
    # 10 t = 10 000 kg × 1.4571 = 14 571 kgce; total 381 801 kgce = 381.801 tce
    assert d["energy_tce"].value == pytest.approx(381.801)
    # 381 801 kgce ÷ 20 000 t = 19.09005 kgce/t
    assert d["energy_per_t_waste"].value == pytest.approx(19.09005)
    assert d["energy_per_unit_product"].value == pytest.approx(19.09005)
    assert any("UNCONFIRMED" in n for n in d["energy_tce"].notes)  # the natural-gas default is flagged
    # water: (100 000 + 60 000) m³ ÷ 20 000 t = 8 m³/t
    assert d["water_per_t_waste"].value == pytest.approx(8.0)
    # 脱硝: 80 t + 20 000 kg (= 20 t) = 100 t = 100 000 kg ÷ 20 000 t = 5 kg/t (活性炭 吸附 not counted)
    assert d["denitration_agent_per_t_waste_fed"].value == pytest.approx(5.0)
    # 脱硫脱酸: 100 t + 0.01 万t (= 100 t) = 200 t → 10 kg/t
    assert d["deacidification_agent_per_t_waste_fed"].value == pytest.approx(10.0)
    # 炉渣 4 000 t ÷ 20 000 t = 20 %; utilized 1 000 ÷ 4 000 = 25 %
    assert d["bottom_ash_output_rate"].value == pytest.approx(20.0)
    assert d["bottom_ash_utilization_rate"].value == pytest.approx(25.0)
    # 飞灰 1 000 ÷ 20 000 = 5 %; utilized blank but 1 000 = 950 disposed + 50 stored → 0 %, with a note
    assert d["fly_ash_output_rate"].value == pytest.approx(5.0)
    assert d["fly_ash_utilization_rate"].value == pytest.approx(0.0)
    assert any("推定为 0" in n for n in d["fly_ash_utilization_rate"].notes)
    # CO₂: 2 000 000 kWh × 0.5306 = 1 061 200 kg; 100 000 m³ × 2.0 = 200 000 kg; 10 000 kg × 3.0 = 30 000 kg
    # = 1 291.2 t; ÷ 20 000 t = 64.56 kgCO₂/t
    assert d["co2_energy"].value == pytest.approx(1291.2)
    assert d["co2_per_t_waste"].value == pytest.approx(64.56)
    assert d["co2_energy"].inputs["grid_factor"]["year_used"] == 2023
    # SO₂ (2 + 1) t = 3 000 kg ÷ 20 000 t = 0.15 kg/t; NOₓ 10 t → 0.5 kg/t
    assert d["so2_discharge_per_unit_product"].value == pytest.approx(0.15)
    assert d["nox_discharge_per_unit_product"].value == pytest.approx(0.5)
    # 主要污染物 COD 1 000 kg + 氨氮 100 kg + SO₂ 3 000 kg + NOₓ 10 000 kg = 14 100 kg ÷ 20 000 t = 0.705 kg/t
    assert d["pollutant_per_unit_product"].value == pytest.approx(0.705)
    for q in ("energy_per_t_waste", "water_per_t_waste", "denitration_agent_per_t_waste_fed"):
        assert d[q].ok and not d[q].problems and d[q].formula and d[q].inputs, q
    assert "381.8 tce" in d["energy_per_t_waste"].formula and "20,000 t" in d["energy_per_t_waste"].formula


def test_enterprise_b_missing_is_never_zero(by_ent: dict) -> None:
    d = derive_enterprise(by_ent[B], Y)
    # 其他 cannot be converted: no total, and the reason names it
    assert d["energy_tce"].value is None and d["energy_per_t_waste"].value is None
    assert any("其他" in p and "无法折算标准煤" in p for p in d["energy_per_t_waste"].problems)
    assert d["water_per_t_waste"].value is None
    assert any("缺少 2025 年取水量" in p for p in d["water_per_t_waste"].problems)
    assert d["denitration_agent_per_t_waste_fed"].value is None
    assert any("脱硝" in p for p in d["denitration_agent_per_t_waste_fed"].problems)
    # 脱硫脱酸 in m³ cannot become a mass
    assert d["deacidification_agent_per_t_waste_fed"].value is None
    assert any("m³" in p for p in d["deacidification_agent_per_t_waste_fed"].problems)
    assert d["fly_ash_output_rate"].value is None
    assert any("飞灰" in p for p in d["fly_ash_output_rate"].problems)
    # 炉渣 2 500 t ÷ 10 000 t = 25 %
    assert d["bottom_ash_output_rate"].value == pytest.approx(25.0)
    assert "问题" in d["water_per_t_waste"].basis


def test_partial_energy_on_request(by_ent: dict) -> None:
    d = derive_enterprise(by_ent[B], Y, {"allow_partial": True})
    # only the electricity: 1 000 000 kWh × 0.1229 = 122 900 kgce ÷ 10 000 t = 12.29 kgce/t, flagged as too small
    assert d["energy_per_t_waste"].value == pytest.approx(12.29)
    assert any("偏小" in n for n in d["energy_per_t_waste"].notes)


def test_regulator_overrides_pass_through(by_ent: dict) -> None:
    # electricity by 等价值 0.3 kgce/kWh: 2 000 000 × 0.3 = 600 000 kgce; + 121 430 + 14 571 = 736 001 kgce
    opts = DeriveOptions(energy_overrides=energy.electricity_equivalent(0.3, "当年火电供电煤耗"))
    d = derive_enterprise(by_ent[A], Y, opts)
    assert d["energy_per_t_waste"].value == pytest.approx(736001 / 20000)
    assert any("等价值" in n for n in d["energy_tce"].notes)
    # grid factor of another year (2022 national 0.5366): 2 000 000 × 0.5366 = 1 073 200 kg + 230 000 kg
    d = derive_enterprise(by_ent[A], Y, {**CO2, "grid_year": 2022})
    assert d["co2_energy"].value == pytest.approx(1303.2)


def test_main_product_choice_and_units() -> None:
    recs = {"ent_products": [
        {"year": Y, "product": "蒸汽", "unit": "t", "output": 90000},
        {"year": Y, "product": "危险废物焚烧处置量（1#线）", "unit": "t", "output": 12000},
        {"year": Y, "product": "危险废物焚烧处置量（2#线）", "unit": "万t", "output": 0.8},
    ]}
    p = derive.product_output(recs, Y)
    assert p.value == pytest.approx(20000) and any("2 种产品" in n for n in p.notes)  # both lines added, steam not
    assert p.name == "危险废物焚烧处置量"
    bad = derive.product_output({"ent_products": [{"year": Y, "product": "危险废物焚烧处置量", "unit": "件",
                                                   "output": 5}]}, Y)
    assert bad.value is None and "不能换算为 t" in bad.problems[0]
    assert derive.product_output({}, Y).problems == ("缺少 2025 年产品产量（B.2产品产量）",)
    none = derive.product_output({"ent_products": [{"year": Y, "product": "蒸汽", "unit": "t", "output": 9}]}, Y)
    assert none.value is None and "没有危险废物焚烧处置量" in none.problems[0]  # never the largest product instead


def test_multi_product_enterprise_divides_by_all_its_products() -> None:
    """Issue 11.2: 2 100 000 m³ over 22 000 t + 6 000 t is 75.00 m³/t (not 95.45 over the largest product)."""
    recs = {"ent_products": [{"year": Y, "product": "涤纶染色布", "unit": "t", "output": 22000},
                             {"year": Y, "product": "棉印花布", "unit": "万t", "output": 0.6},
                             {"year": Y, "product": "试样", "unit": "件", "output": 300}],
            "ent_water": [{"year": Y, "source": "自来水", "intake": 2100000}]}
    with packs.activated("generic"):
        d = derive_enterprise(recs, Y)
        assert d["water_per_unit_product"].value == pytest.approx(75.0)
        assert d["product_output"].name == "产品产量" and "危险废物" not in d["water_per_unit_product"].formula
        assert any("试样" in n for n in d["product_output"].notes)  # the product counted in 件 is named, not added
        by_one = derive_enterprise(recs, Y, denominators={"water_per_unit_product": {
            "kind": "match", "products": ["涤纶"], "unit": "t"}})
        assert by_one["water_per_unit_product"].value == pytest.approx(2100000 / 22000)


def test_indicator_unit_conversion() -> None:
    d = derive.Derived("energy_per_t_waste", "吨入厂危废综合能耗", "kgce/t", Y, 40.0)
    assert derive.to_indicator_unit(d, "tce/t") == (pytest.approx(0.04), "由 kgce/t 换算为 tce/t")
    assert derive.to_indicator_unit(d, "kgce/t") == (40.0, None)
    value, note = derive.to_indicator_unit(d, "GJ/t")
    assert value == 40.0 and "不一致" in note
