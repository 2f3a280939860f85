"""Industry packs as data: every pack loads, its templates carry its own rows and lists and none of another's,
a partial indicator system is refused for scoring with its missing rows, transcribed values match their source."""

from __future__ import annotations

import json

import openpyxl
import pytest

from cpxl.book.master import init_audit
from cpxl.book.templates import make_templates
from cpxl.diagnosis import DiagnosisError, diagnose
from cpxl.domain import packs
from cpxl.domain.indicators import IncompleteSystemError, load_system, require_complete

PACK_IDS = packs.pack_ids()
ENTERPRISE = {"name": "某某表面处理有限公司", "uscc": "91330100MA27XXXX0X", "city": "某市"}


def _enterprise():
    from cpxl.domain.codes import uscc_check_char

    body = "91330100MA27ABCD0"
    return {**ENTERPRISE, "uscc": body + uscc_check_char(body)}


def test_at_least_five_packs_ship_and_validate():
    assert {"generic", "hazardous-waste-incineration", "electroplating", "dyeing", "pulp-paper"} <= set(PACK_IDS)
    for p in packs.list_packs():
        assert p.status in ("complete", "partial", "template")
        assert p.system_path is None or p.system_path.is_file()
        assert p.proposals_path is None or p.proposals_path.is_file()


def test_a_broken_pack_gets_chinese_messages(tmp_path):
    src = packs.PACKS_DIR / "dyeing" / "pack.json"
    bad = json.loads(src.read_text(encoding="utf-8"))
    bad["status"] = "finished"
    bad["wastegas"]["prefill"].append({"outlet": "DA009", "pollutant": "不存在的污染物", "required": True})
    folder = tmp_path / "dyeing-copy"
    folder.mkdir()
    (folder / "pack.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    problems = packs.validate_pack_data(bad, folder)
    assert any("status" in p for p in problems)
    with pytest.raises(packs.PackError, match="不合格"):
        packs.load_pack(folder)
    bad["status"] = "partial"
    problems = packs.validate_pack_data(bad, folder)
    assert any("不存在的污染物" in p for p in problems) and any("文件夹名" in p for p in problems)


@pytest.fixture(scope="module", params=PACK_IDS)
def template_of(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    init_audit(root, packs.load_pack(request.param).industry, "某省", 2025, data={"enterprises": [_enterprise()]},
               pack=request.param)
    [path] = make_templates(root)
    return request.param, openpyxl.load_workbook(path)


def _column(ws, title):
    for c in ws[3]:
        if str(c.value or "").replace(" *", "").split("（")[0] == title:
            return [ws.cell(r, c.column).value for r in range(4, ws.max_row + 1)]
    raise KeyError(title)


def _list_items(wb, ws, title):
    """The drop-down list of a column, read back from the workbook's data validation."""
    col = None
    for c in ws[3]:
        if str(c.value or "").replace(" *", "").split("（")[0] == title:
            col = c.column_letter
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list" and any(str(r).startswith(f"{col}4") for r in dv.sqref.ranges):
            ref = dv.formula1.lstrip("=")
            sheet, rng = ref.rsplit("!", 1)
            lists = wb[sheet.strip("'")]
            return [c.value for row in lists[rng.replace("$", "")] for c in row if c.value is not None]
    raise KeyError(title)


def test_templates_carry_their_packs_rows_and_none_of_anothers(template_of):
    pid, wb = template_of
    pack = packs.load_pack(pid)
    gas = {v for v in _column(wb["B.3废气"], "污染物") if v}
    water = {v for v in _column(wb["B.3废水"], "项目") if v}
    waste = {v for v in _column(wb["B.3固体废物"], "废物名称") if v}
    assert gas == {r.values["pollutant"] for r in pack.rows("ent_wastegas")}
    assert water == {r.values["pollutant"] for r in pack.rows("ent_wastewater")}
    assert waste == {r.values["waste"] for r in pack.rows("ent_solidwaste")}
    for other in PACK_IDS:
        if other == pid:
            continue
        theirs = set(packs.load_pack(other).characteristic_pollutants) - set(pack.list("wastegas.pollutants") or ())
        theirs -= set(pack.list("wastewater.pollutants") or ())
        assert not (gas | water) & theirs, f"{pid} template carries {other}'s pollutants {(gas | water) & theirs}"
    if pid != "hazardous-waste-incineration":
        assert not {"飞灰", "焚烧炉渣"} & waste and "二噁英类" not in gas


def test_drop_down_lists_come_from_the_pack(template_of):
    pid, wb = template_of
    pack = packs.load_pack(pid)
    items = _list_items(wb, wb["B.3废水"], "项目")
    assert items[0] == "废水量" and items[-1] == "其他"
    assert set(pack.list("wastewater.pollutants")) <= set(items)
    units = _list_items(wb, wb["B.2产品产量"], "计量单位")
    assert set(pack.list("products.units")) <= set(units)
    if pid == "dyeing":
        assert {"苯胺类", "色度", "六价铬"} <= set(items) and "二噁英类" not in items
        assert {"米", "万米"} <= set(units)
    if pid == "electroplating":
        assert {"总镍", "六价铬", "总氰化物"} <= set(items)
        assert "m²" in units


def test_other_pollutant_has_a_name_column(template_of):
    _, wb = template_of
    assert _column(wb["B.3废水"], "其他污染物名称") is not None
    assert _column(wb["B.3废气"], "其他污染物名称") is not None


@pytest.mark.parametrize("pid", [p for p in PACK_IDS if packs.load_pack(p).status == "partial"])
def test_partial_systems_are_refused_with_their_missing_rows(pid):
    system = load_system(packs.load_pack(pid).system_path)
    with pytest.raises(IncompleteSystemError) as e:
        require_complete(system)
    for m in system.missing:
        assert m["detail"] in str(e.value)


def test_diagnose_refuses_a_partial_system_and_names_what_is_missing(tmp_path):
    init_audit(tmp_path, "电镀", "某省", 2025, data={"enterprises": [_enterprise()]}, pack="electroplating")
    with pytest.raises(DiagnosisError) as e:
        diagnose(tmp_path)
    text = str(e.value)
    assert "【待补录】" in text or "不完整" in text
    assert "采用清洁生产工艺" in text


# --------------------------------------------------------------------------- transcribed values vs their sources

#: 电镀行业清洁生产评价指标体系 表1 rows 1–12 as quoted by 上海市环境保护产业协会,
#: https://www.shea.cn/index.php?s=news&c=show&id=155 (the only public copy; see the pack's SOURCES.md S2).
SHEA_ROWS = {  # id: (weight, Ⅰ, Ⅱ, Ⅲ) — None where the source shows no value
    "clean_process": (0.15, None, None, None),
    "process_control": (0.15, None, None, None),
    "plating_line": (0.4, None, None, None),
    "water_saving_facilities": (0.3, None, None, None),
    "rinse_water_per_m2": (1, 8, 24, 40),
    "zn_utilization": (None, 82, 80, 75),
    "cu_utilization": (None, 90, 80, 75),
    "ni_utilization": (None, 95, 85, 80),
    "deco_cr_utilization": (None, 60, 24, 20),
    "hard_cr_utilization": (None, 90, 80, 70),
    "au_utilization": (None, 98, 95, 90),
    "ag_utilization": (None, 98, 95, 90),
}


def test_electroplating_rows_match_the_cited_source():
    data = json.loads((packs.PACKS_DIR / "electroplating" / "indicator-system.json").read_text(encoding="utf-8"))
    rows = {i["id"]: i for c in data["categories"] for i in c["indicators"]}
    assert len(rows) == 12
    assert {c["name"]: c["weight"] for c in data["categories"]} == {
        "生产工艺及装备指标": 0.33, "资源消耗指标": 0.1, "资源综合利用指标": 0.18}
    for iid, (w, *levels) in SHEA_ROWS.items():
        assert iid in rows, iid
        r = rows[iid]
        assert r["source"]["url"].startswith("https://www.shea.cn/"), iid
        if w is not None:
            assert r["weight"] == w, iid
        else:
            assert r["weight"] is None and r.get("weight_expression") == "0.8/n", iid
        for lv, expected in zip(("I", "II", "III"), levels, strict=True):
            if expected is not None:
                assert r["benchmarks"][lv]["value"] == expected, (iid, lv)
    assert rows["rinse_water_per_m2"]["limiting"] is True
    assert sum(r["limiting"] for r in rows.values()) == 1


#: GB 18484-2020 表3, 24 小时均值或日均值 / 测定均值 (mg/m³; 二噁英类 ngTEQ/m³), checked in the official text.
GB18484_DAILY = {"颗粒物": 20, "一氧化碳": 80, "氮氧化物": 250, "二氧化硫": 80, "氟化氢": 2.0, "氯化氢": 50,
                 "二噁英类": 0.5}


def test_incineration_limits_match_gb18484():
    pack = packs.load_pack("hazardous-waste-incineration")
    for name, value in GB18484_DAILY.items():
        p = pack.pollutant("wastegas", name)
        daily = [lim for lim in p["limits"] if lim.get("type") in ("24小时均值或日均值", "测定均值")]
        assert daily and daily[0]["value"] == value, name
        assert daily[0]["standard"] == "GB 18484-2020"


#: GB 21900-2008 表2 (新建企业, 直接排放), mg/L, checked cell by cell in the official scan (SOURCES.md S1).
GB21900_TABLE2 = {"总铬": 1.0, "六价铬": 0.2, "总镍": 0.5, "总镉": 0.05, "总银": 0.3, "总铅": 0.2, "总汞": 0.01,
                  "总铜": 0.5, "总锌": 1.5, "总氰化物": 0.3}


def test_electroplating_limits_match_gb21900():
    pack = packs.load_pack("electroplating")
    for name, value in GB21900_TABLE2.items():
        p = pack.pollutant("wastewater", name)
        t2 = [lim for lim in p["limits"] if lim.get("table") == "表2"]
        assert t2 and t2[0]["value"] == value, name


def test_the_demo_runs_for_a_second_industry(tmp_path):
    """`cpxl demo --industry-pack electroplating`: templates typed into as enterprises do, ingest, diagnosis, report;
    the values the fictional audit team completed are marked 示例值（非官方） wherever they show."""
    from docx import Document

    from cpxl import api
    from cpxl.book.xlsxread import read_master_data

    res = api.run_demo(tmp_path / "电镀", pack="electroplating", n=6)
    assert "接受 5 份" in res["steps"]["企业报送校验"]  # one planted unit-in-cell mistake
    data = read_master_data(tmp_path / "电镀" / "审核总表.xlsx")
    assert data["audit_task"][0]["industry_pack"] == "electroplating"
    names = [r["indicator"] for r in data["indicator_system"]]
    assert sum("示例值，非官方" in n for n in names) >= 7
    text = " ".join(str(v) for key in ("training", "industry_plans", "industry_region") for r in data[key]
                    for v in r.values())
    assert "焚烧" not in text and "电镀" in text
    consolidated = " ".join(str(r.get("pollutant")) for r in data["all_ent_wastewater"])
    assert "六价铬" in consolidated and "二噁英" not in consolidated
    doc = Document(res["steps"]["审核报告"])
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for row in t.rows
                                                                 for c in row.cells)
    assert "示例值，非官方" in body
