"""Standard-coal conversion (GB/T 2589), unit scales and CO2 from energy use."""

from __future__ import annotations

import pytest

from cpxl.diagnosis import energy
from cpxl.diagnosis.energy import (
    EnergyError,
    MissingFactorError,
    UnknownCarrierError,
    UnknownUnitError,
    carrier_names,
    carriers,
    co2_from_energy,
    comprehensive_energy,
    convert,
    electricity_equivalent,
    grid_factor,
    tce_row,
    to_tce,
)

# ---------------------------------------------------------------------------
# units


def test_unit_scales() -> None:
    assert convert(1.2, "万kWh", "kWh") == pytest.approx(12_000)
    assert convert(3, "MWh", "kWh") == pytest.approx(3_000)
    assert convert(2, "亿kWh", "万kWh") == pytest.approx(20_000)
    assert convert(5, "万m³", "m³") == pytest.approx(50_000)
    assert convert(5, "万Nm3", "m3") == pytest.approx(50_000)
    assert convert(2.5, "t", "kg") == pytest.approx(2_500)
    assert convert(1, "GJ", "MJ") == pytest.approx(1_000)
    assert convert(1, "Gcal", "GJ") == pytest.approx(29.307 / 7)  # 1 kgce = 29 307 kJ = 7 000 kcal
    with pytest.raises(UnknownUnitError, match="不能把"):
        convert(1, "kWh", "kg")
    with pytest.raises(UnknownUnitError, match="“桶”"):
        convert(1, "桶", "kg")


def test_electricity_unit_scales_in_tce() -> None:
    one = to_tce("电力", 10_000, "kWh")
    assert one == pytest.approx(1.229)  # 10 000 kWh × 0.1229 kgce/kWh = 1 229 kgce
    for unit in ("万kWh", "万千瓦时", "万度", "万kW·h", " 万 kwh "):
        assert to_tce("电力", 1, unit) == pytest.approx(one), unit
    assert to_tce("electricity", 10, "MWh") == pytest.approx(one)
    assert to_tce("电", 10_000, "度") == pytest.approx(one)


def test_mass_and_volume_scales_in_tce() -> None:
    assert to_tce("柴油", 1, "t") == pytest.approx(to_tce("柴油", 1000, "kg")) == pytest.approx(1.4571)
    assert to_tce("天然气", 1, "万m³") == pytest.approx(12.143)
    assert to_tce("天然气", 10_000, "m³") == pytest.approx(12.143)
    assert to_tce("热力", 1, "GJ") == pytest.approx(0.03412)  # 1 000 MJ × 0.03412 kgce/MJ


def test_mixed_energy_by_hand() -> None:
    rows = [
        {"carrier": "电力", "amount": 120, "unit": "万kWh"},
        {"carrier": "天然气", "amount": 50, "unit": "万m³"},
        {"carrier": "原煤", "amount": 800, "unit": "t"},
        {"carrier": "diesel", "amount": 12_000, "unit": "kg"},
        {"carrier": "蒸汽", "amount": 300, "unit": "吨"},
        {"carrier": "热力", "amount": 2_000, "unit": "GJ"},
    ]
    # By hand (GB/T 2589 table values, kgce):
    #   电力   1 200 000 kWh × 0.1229  = 147 480    → 147.48   tce
    #   天然气   500 000 m³  × 1.2143  = 607 150    → 607.15   tce
    #   原煤     800 000 kg  × 0.7143  = 571 440    → 571.44   tce
    #   柴油      12 000 kg  × 1.4571  =  17 485.2  →  17.4852 tce
    #   蒸汽     300 000 kg  × 0.1286  =  38 580    →  38.58   tce
    #   热力   2 000 000 MJ  × 0.03412 =  68 240    →  68.24   tce
    #   total                                         1 450.3752 tce
    result = comprehensive_energy(rows)
    assert result["total_tce"] == pytest.approx(1450.3752)
    expected = [147.48, 607.15, 571.44, 17.4852, 38.58, 68.24]
    assert [r["tce"] for r in result["rows"]] == pytest.approx(expected)
    assert result["by_carrier"]["electricity"] == pytest.approx(147.48)
    # only the natural-gas default (a point chosen inside the GB/T 2589 range) is UNCONFIRMED here
    assert len(result["notes"]) == 1 and "天然气" in result["notes"][0]
    assert result["rows"][0]["status"] == "CONFIRMED"


def test_comprehensive_energy_rejects_incomplete_rows() -> None:
    with pytest.raises(EnergyError, match="第2行缺少字段：unit"):
        comprehensive_energy(
            [{"carrier": "电力", "amount": 1, "unit": "kWh"}, {"carrier": "电力", "amount": 1}]
        )


def test_amount_parsing() -> None:
    assert to_tce("电力", "10,000", "kWh") == pytest.approx(1.229)
    with pytest.raises(EnergyError, match="不是数值"):
        to_tce("电力", "很多", "kWh")
    with pytest.raises(EnergyError, match="不是有限数值"):
        to_tce("电力", float("nan"), "kWh")


def test_unknown_carrier_error_lists_choices() -> None:
    with pytest.raises(UnknownCarrierError) as exc:
        to_tce("焦煤", 1, "t")
    assert isinstance(exc.value, ValueError)
    msg = str(exc.value)
    assert "焦煤" in msg and "天然气(natural_gas)" in msg and "电力(electricity)" in msg


def test_unknown_unit_error_lists_accepted_units() -> None:
    with pytest.raises(UnknownUnitError) as exc:
        to_tce("电力", 1, "千焦耳每秒")
    msg = str(exc.value)
    assert "千焦耳每秒" in msg and "万kWh" in msg and "kWh" in msg
    with pytest.raises(UnknownUnitError, match="按质量计量.*密度"):
        to_tce("柴油", 100, "L")


def test_water_accepts_volume() -> None:
    # 100 m³ 软化水 = 100 t × 0.4857 kgce/t = 48.57 kgce (UNCONFIRMED default, flagged)
    row = tce_row("软化水", 100, "m³")
    assert row["tce"] == pytest.approx(0.04857)
    assert row["status"] == "UNCONFIRMED" and row["notes"]


# ---------------------------------------------------------------------------
# overrides


def test_override_number_in_coefficient_unit() -> None:
    # 1.33 kgce/m³ (油田天然气 value) for 1 万m³ → 13.3 tce
    assert to_tce("天然气", 1, "万m³", {"天然气": 1.33}) == pytest.approx(13.3)
    # raw coal given per kg (its coefficient unit), amount in t
    assert to_tce("原煤", 10, "t", {"raw_coal": 0.8}) == pytest.approx(8.0)


def test_override_measured_calorific_value() -> None:
    # 36 MJ/m³ → 36 000 / 29 307 = 1.228375 kgce/m³; 10 000 m³ → 12.28375 tce
    row = tce_row(
        "天然气", 10_000, "m³", {"natural_gas": {"ncv": 36, "ncv_unit": "MJ/m³", "source": "供气合同"}}
    )
    assert row["coefficient"] == pytest.approx(36_000 / 29_307)
    assert row["tce"] == pytest.approx(12.28375, rel=1e-6)
    assert row["overridden"] and row["status"] == "OVERRIDE"
    assert any("实测低位发热量" in n and "供气合同" in n for n in row["notes"])
    # 5 500 kcal/kg coal → 5 500 / 7 000 kgce/kg; 1 t → 0.785714 tce
    assert to_tce("原煤", 1, "t", {"原煤": {"ncv": 5500, "ncv_unit": "kcal/kg"}}) == pytest.approx(
        5500 / 7000
    )
    # 23 GJ/t == 23 MJ/kg
    a = to_tce("原煤", 1, "t", {"原煤": {"ncv": 23, "ncv_unit": "GJ/t"}})
    b = to_tce("原煤", 1, "t", {"原煤": {"ncv": 23, "ncv_unit": "MJ/kg"}})
    assert a == pytest.approx(b) == pytest.approx(23_000 / 29_307)


def test_override_coefficient_per_other_unit() -> None:
    # 128.6 kgce/t steam given per t == 0.1286 kgce/kg
    assert to_tce("蒸汽", 10, "t", {"蒸汽": {"kgce_per_unit": 128.6, "unit": "t"}}) == pytest.approx(1.286)


def test_range_carrier_needs_override_and_checks_range() -> None:
    with pytest.raises(MissingFactorError, match="焦炉煤气.*0.5714–0.6143"):
        to_tce("焦炉煤气", 1000, "m³")
    row = tce_row("焦炉煤气", 1000, "m³", {"焦炉煤气": 0.6})
    assert row["tce"] == pytest.approx(0.6)
    assert not any("超出" in n for n in row["notes"])
    row = tce_row("焦炉煤气", 1000, "m³", {"焦炉煤气": 0.9})
    assert any("超出" in n for n in row["notes"])


def test_new_water_has_no_default() -> None:
    with pytest.raises(MissingFactorError, match="新水"):
        to_tce("新水", 1, "t")
    assert to_tce("新水", 1000, "t", {"新水": 0.0857}) == pytest.approx(0.0857)


def test_electricity_equivalent_value() -> None:
    ov = electricity_equivalent(0.305, "2023年火电供电煤耗")
    row = tce_row("电力", 10_000, "kWh", ov)
    assert row["tce"] == pytest.approx(3.05)
    assert any("等价值" in n for n in row["notes"])
    assert to_tce("电力", 10_000, "kWh") == pytest.approx(1.229)  # default stays 当量值


def test_override_with_unknown_carrier_is_an_error() -> None:
    with pytest.raises(UnknownCarrierError):
        to_tce("电力", 1, "kWh", {"电力网": 0.3})


# ---------------------------------------------------------------------------
# carrier list


def test_carrier_list_for_dropdowns() -> None:
    items = carriers()
    ids = [c["id"] for c in items]
    names = [c["name"] for c in items]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    assert names == carrier_names()
    elec = next(c for c in items if c["id"] == "electricity")
    assert elec["name"] == "电力" and elec["default_unit"] == "kWh" and "万kWh" in elec["units"]
    assert elec["kgce_per_unit"] == 0.1229 and elec["coefficient_unit"] == "kgce/kWh"
    for c in items:
        assert c["default_unit"] in c["units"]
        assert c["status"] in {"CONFIRMED", "SECONDARY", "UNCONFIRMED"}
        assert c["needs_override"] == (c["kgce_per_unit"] is None)


def test_every_data_row_has_source_and_status() -> None:
    for e in energy._load("standard_coal_gbt2589.json")["carriers"]:
        assert e["status"] in {"CONFIRMED", "SECONDARY", "UNCONFIRMED"}, e["id"]
        assert e["sources"] or e["status"] == "UNCONFIRMED", e["id"]


# ---------------------------------------------------------------------------
# CO2


def test_grid_factors_by_year_and_purpose() -> None:
    assert grid_factor(2021)["value"] == 0.5568
    assert grid_factor(2022)["value"] == 0.5366
    assert grid_factor(2023)["value"] == 0.5306
    assert grid_factor(2022, purpose="power_sector")["value"] == 0.5703
    assert grid_factor(2023, "华北")["value"] == 0.6361
    assert grid_factor(2022, "华北电网")["value"] == 0.6776
    assert grid_factor(2022, "内蒙古自治区")["value"] == 0.6849
    assert grid_factor(2022, "广西壮族自治区")["value"] == 0.4044


def test_grid_factor_falls_back_to_nearest_earlier_year() -> None:
    g = grid_factor(2025)
    assert (g["value"], g["year_used"]) == (0.5306, 2023)
    assert g["notes"] and "2025" in g["notes"][0] and "2023" in g["notes"][0]
    g = grid_factor(2023, "河北省")  # 2023 provincial values not published/collected
    assert (g["value"], g["year_used"]) == (0.7252, 2022)
    g = grid_factor(2024, purpose="power_sector")
    assert (g["value"], g["year_used"]) == (0.5703, 2022)
    assert grid_factor(2023)["notes"] == []


def test_grid_factor_errors() -> None:
    with pytest.raises(MissingFactorError, match="2020年及以前"):
        grid_factor(2020)
    with pytest.raises(MissingFactorError, match="广东"):
        grid_factor(2023, "广东省")
    with pytest.raises(EnergyError, match="未知的电力排放因子用途"):
        grid_factor(2023, purpose="grid")


def test_co2_from_energy_with_year_fallback() -> None:
    rows = [
        {"carrier": "电力", "amount": 100, "unit": "万kWh"},
        {"carrier": "天然气", "amount": 10, "unit": "万m³"},
        {"carrier": "压缩空气", "amount": 5, "unit": "万m³"},
    ]
    result = co2_from_energy(rows, 2024)
    # 电力: 1 000 000 kWh × 0.5306 kgCO2/kWh (2023, nearest earlier) = 530.6 tCO2
    # 天然气: 100 000 m³ × 0.038931 GJ/m³ = 3 893.1 GJ; × 15.3 kgC/GJ × 0.99 × 44/12
    #         = 3 893.1 × 15.3 = 59 564.43 kgC; × 0.99 = 58 968.7857; × 44/12 = 216 218.88 kgCO2
    assert result["by_carrier"]["electricity"] == pytest.approx(530.6)
    assert result["by_carrier"]["natural_gas"] == pytest.approx(216.21888, rel=1e-6)
    assert result["by_carrier"]["compressed_air"] == 0.0
    assert result["total_tco2"] == pytest.approx(530.6 + 216.21888, rel=1e-6)
    assert result["electricity_factor"]["year_used"] == 2023
    assert any("采用最近的2023年因子" in n for n in result["notes"])
    assert any("天然气" in n and "UNCONFIRMED" in n for n in result["notes"])
    gas = result["rows"][1]
    assert gas["factor_unit"] == "kgCO2/m³" and gas["factor"] == pytest.approx(2.1621888, rel=1e-6)


def test_co2_regional_and_overrides() -> None:
    rows = [{"carrier": "电力", "amount": 1000, "unit": "MWh"}]
    assert co2_from_energy(rows, 2023, "西南")["total_tco2"] == pytest.approx(247.2)
    assert co2_from_energy(rows, 2023, overrides={"电力": 0.5703})["total_tco2"] == pytest.approx(570.3)
    assert co2_from_energy(rows, 2022, purpose="power_sector")["total_tco2"] == pytest.approx(570.3)
    # measured carbon content only; the rest stays default (noted)
    gas = [{"carrier": "天然气", "amount": 1, "unit": "万m³"}]
    res = co2_from_energy(gas, 2023, overrides={"天然气": {"cc_tc_per_tj": 15.32}})
    expected = 389.31 * 15.32 * 0.99 * 44 / 12 / 1000
    assert res["total_tco2"] == pytest.approx(expected)
    assert "其余" in res["rows"][0]["notes"][0]
    # oxidation given in percent is accepted
    res = co2_from_energy(gas, 2023, overrides={"天然气": {"oxidation": 99}})
    assert res["total_tco2"] == pytest.approx(389.31 * 15.3 * 0.99 * 44 / 12 / 1000)


def test_co2_missing_factor_strict_and_lenient() -> None:
    rows = [
        {"carrier": "焦炉煤气", "amount": 1000, "unit": "m³"},
        {"carrier": "电力", "amount": 1, "unit": "MWh"},
    ]
    with pytest.raises(MissingFactorError, match="焦炉煤气"):
        co2_from_energy(rows, 2023)
    res = co2_from_energy(rows, 2023, strict=False)
    assert res["rows"][0]["tco2"] is None and res["rows"][0]["status"] == "MISSING"
    assert res["total_tco2"] == pytest.approx(0.5306)
    ov = {"焦炉煤气": {"ncv": 173.54, "ncv_unit": "GJ/万m³", "cc_tc_per_tj": 12.1, "oxidation": 0.99}}
    res = co2_from_energy(rows, 2023, overrides=ov)
    assert res["by_carrier"]["coke_oven_gas"] == pytest.approx(1000 * 0.017354 * 12.1 * 0.99 * 44 / 12 / 1000)


def test_ncv_without_unit_is_rejected() -> None:
    gas = [{"carrier": "天然气", "amount": 1, "unit": "万m³"}]
    with pytest.raises(EnergyError, match="ncv_unit"):
        co2_from_energy(gas, 2023, overrides={"天然气": {"ncv": 36}})
    with pytest.raises(UnknownUnitError, match="热量单位/数量单位"):
        to_tce("天然气", 1, "万m³", {"天然气": {"ncv": 36}})


def test_co2_bad_year() -> None:
    with pytest.raises(EnergyError, match="年份"):
        co2_from_energy([], "去年")
