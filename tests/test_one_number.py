"""One number per enterprise and pollutant (regulator's review, item 1): where an enterprise's B.3 data give a
discharge concentration, the indicator value is computed from them — reported vs computed, the computed one used
unless the audit team sets 审核组核定 with a reason, a gap beyond the tolerance a warning showing both numbers — and
the 达标核查 compares the same value. A real master of demo enterprises, written and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpxl.book.master import init_audit
from cpxl.book.xlsxread import read_master_data
from cpxl.demo import data as demo
from cpxl.demo.scale import consolidated
from cpxl.diagnosis import diagnose_data
from cpxl.diagnosis.compliance import CONC_EXCEED, find_breaches
from cpxl.diagnosis.sheets import value_rows
from cpxl.domain import packs

YEAR = 2025


def _consolidate(data: dict, ents: list[dict], system) -> None:
    for e in ents:
        for key, rows in demo.enterprise_data(e, YEAR, system).items():
            data.setdefault("all_" + key, []).extend(consolidated(key, e, rows))


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two demo enterprises; the first's B.3 says HF 3.4 mg/Nm³ at DA001 and 1.2 at a second outlet DA002, while its
    indicator return says something else (as in the reviewed demo: 3.4 vs 3.72)."""
    system = demo.demo_system()
    ents = sorted(demo.enterprises(10), key=lambda e: -e["_q"])[:2]  # the best two: no demo problem of their own
    data = demo.master_data(YEAR, ents, system)
    _consolidate(data, ents, system)
    first = ents[0]["uscc"]
    for r in data["all_ent_indicators"]:
        if r["ent_uscc"] == first and r["indicator_id"] == "hf_concentration":
            r["value"] = 3.72
    for r in list(data["all_ent_wastegas"]):
        if r["ent_uscc"] == first and r["year"] == YEAR and r["pollutant"] == "氟化氢":
            r["concentration"] = 3.4
            data["all_ent_wastegas"].append({**r, "outlet": "DA002", "concentration": 1.2})
    cfg = demo.config()
    root = tmp_path_factory.mktemp("onenumber") / "audit"
    init_audit(root, cfg["industry"], cfg["region"], YEAR, cfg["industry_code"], pack=cfg["industry_pack"], data=data,
               audit_extra=demo.audit_extra(YEAR))
    return root / "审核总表.xlsx"


def _hf(res, i: int = 0):
    return res.enterprises[i].values["hf_concentration"]


def test_the_indicator_value_is_the_b3_concentration_and_the_gap_is_a_warning(master: Path) -> None:
    data = read_master_data(master)
    res = diagnose_data(data, options={"write": False})
    hf = _hf(res)
    assert hf.value == pytest.approx(3.4) and hf.origin == "由填报数据计算"
    assert hf.reported == pytest.approx(3.72)
    assert "DA001" in hf.basis and "DA002" in hf.basis and "最高值" in hf.basis
    warn = [p for p in res.problems if p.rule == "diagnosis.reported_vs_computed" and "HF" in p.message]
    assert warn and "3.72" in warn[0].message and "3.4" in warn[0].message
    # the second enterprise's return agrees with its B.3: computed, no warning
    other = _hf(res, 1)
    assert other.origin == "由填报数据计算" and not [p for p in res.problems if p.rule == "diagnosis.reported_vs_computed"
                                                     and res.enterprises[1].name in p.message]


def test_compliance_and_grading_use_the_same_value(master: Path) -> None:
    data = read_master_data(master)
    res = diagnose_data(data, options={"write": False})
    first = res.enterprises[0]
    with packs.activated("hazardous-waste-incineration"):
        breaches = find_breaches({**data, "indicator_values": value_rows(res)}, YEAR)
    hf = [b for b in breaches if b.uscc == first.uscc and b.kind == CONC_EXCEED and b.pollutant == "氟化氢"]
    assert [b.value for b in hf] == [pytest.approx(3.4)]  # once, the outlet's figure: not also 3.72 from the return
    assert hf[0].value == pytest.approx(_hf(res).value)


def test_an_audited_value_with_a_reason_replaces_both(master: Path) -> None:
    data = read_master_data(master)
    first = data["enterprises"][0]
    data["indicator_values"] = [{"uscc": first["uscc"], "enterprise": first["name"], "year": YEAR,
                                 "indicator_id": "hf_concentration", "indicator": "HF浓度（日均值）", "unit": "mg/Nm³",
                                 "value": 1.8, "origin": "审核组核定", "basis": "现场核查在线监测数据，DA001 年日均值 1.8"}]
    res = diagnose_data(data, options={"write": False})
    assert _hf(res).value == pytest.approx(1.8) and _hf(res).origin == "审核组核定"
    with packs.activated("hazardous-waste-incineration"):
        breaches = find_breaches({**data, "indicator_values": value_rows(res, data["indicator_values"])}, YEAR)
    assert not [b for b in breaches if b.uscc == first["uscc"] and b.pollutant in ("氟化氢", "HF浓度（日均值）")
                and b.kind == CONC_EXCEED]


def test_the_demo_returns_agree_with_their_b3_data() -> None:
    """The demo's indicator returns and its B.3 data were drawn separately (3.72 vs 3.4): now one number."""
    system = demo.demo_system()
    names = {"hf_concentration": "氟化氢", "nox_concentration": "氮氧化物", "hcl_concentration": "氯化氢",
             "particulate_matter": "颗粒物", "dioxin_emission": "二噁英类", "so2_concentration": "二氧化硫"}
    for e in demo.enterprises(6):
        d = demo.enterprise_data(e, YEAR, system)
        gas = {r["pollutant"]: r["concentration"] for r in d["ent_wastegas"] if r["year"] == YEAR}
        for r in d["ent_indicators"]:
            if r["indicator_id"] in names:
                assert gas[names[r["indicator_id"]]] == r["value"], (e["name"], r["indicator_id"])


# --------------------------------------------------------------------------- item 2: no level above 不达标 with an exceedance


def _with_verified(data: dict, first: dict, verified: str) -> dict:
    row = {"uscc": first["uscc"], "enterprise": first["name"], "year": YEAR, "kind": CONC_EXCEED, "medium": "废气",
           "outlet": "DA001", "pollutant": "氟化氢", "value": 3.4, "verified": verified}
    return {**data, "compliance": [row]}


def test_an_exceedance_keeps_the_enterprise_from_any_level(master: Path) -> None:
    data = read_master_data(master)
    first = data["enterprises"][0]
    pending = diagnose_data(data, options={"write": False})
    d = pending.enterprises[0]
    assert d.score.level is not None  # HF 3.4 meets the system's Ⅲ (≤4): the score alone would rate it
    assert d.level_label == "超标待核实" and d.provisional_label == {"I": "I级", "II": "II级", "III": "III级"}[d.score.level]
    assert "氟化氢 3.4 mg/Nm³（限值 2，超标0.7倍，疑似超标，待核实）" in d.exceedance_text
    assert pending.level_counts["超标待核实"] >= 1
    assert any(p.rule == "diagnosis.exceedance" and "超标待核实" in p.message for p in pending.problems)
    confirmed = diagnose_data(_with_verified(data, first, "属实"), options={"write": False}).enterprises[0]
    assert confirmed.level_label == "不达标" and confirmed.provisional_label == "不达标"
    wrong = diagnose_data(_with_verified(data, first, "数据有误"), options={"write": False}).enterprises[0]
    assert wrong.level_label == {"I": "I级", "II": "II级", "III": "III级"}[wrong.score.level] or wrong.level_label == "数据不全"
