"""The indicator-system format: schema, shipped files, loader checks."""

from __future__ import annotations

import copy
import json
import math

import pytest
from jsonschema import Draft202012Validator

from cpxl.domain.indicators import (
    DIMENSIONS,
    LEVELS,
    PACKS_DIR,
    SCHEMA_PATH,
    IndicatorSystemError,
    list_systems,
    load_system,
)

SHIPPED = sorted(PACKS_DIR.glob("*/indicator-system.json"))
COMPLETE = [p for p in SHIPPED if json.loads(p.read_text(encoding="utf-8")).get("status") != "partial"]
HW = PACKS_DIR / "hazardous-waste-incineration" / "indicator-system.json"


def _id(path):
    return json.loads(path.read_text(encoding="utf-8"))["id"]


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12():
    s = schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(s)


def test_at_least_the_two_systems_ship():
    assert {_id(p) for p in SHIPPED} >= {"hazardous-waste-incineration-zaepi-draft", "generic-8-dimensions"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_shipped_file_matches_schema(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema()).iter_errors(data))
    assert errors == [], [e.message for e in errors]
    assert data["id"].startswith(path.parent.name.split("-")[0])


@pytest.mark.parametrize("path", COMPLETE, ids=lambda p: p.parent.name)
def test_weights_sum_to_one_per_level(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    level1 = math.fsum(c["weight"] for c in data["categories"] if not c.get("bonus", False))
    assert abs(level1 - 1) <= 1e-9
    for cat in data["categories"]:
        assert abs(math.fsum(i["weight"] for i in cat["indicators"]) - 1) <= 1e-9, cat["id"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_shipped_file_loads(path):
    system = load_system(path)
    assert system.id == _id(path)
    for ind in system.indicators():
        assert ind.dimension in DIMENSIONS
        assert set(ind.benchmarks) == set(LEVELS)


def test_hazardous_waste_system_content():
    s = load_system("hazardous-waste-incineration-zaepi-draft")
    assert len(s.categories) == 8
    assert len(list(s.indicators())) == 39
    assert [c.id for c in s.categories if c.bonus] == ["resource_recycling"]
    assert sorted(i.id for i in s.indicators() if i.limiting) == [
        "dioxin_emission", "particulate_matter", "so2_concentration"]
    assert s.source["transcription"]["commit"] == "c5f1da438e8ee3f1c3d9078dba51f50d2d724d75"
    assert s.source["verified_against_official_text"] is False
    # spot checks against the transcription
    dioxin = s.indicator("dioxin_emission")
    assert [(dioxin.benchmarks[lv].op, dioxin.benchmarks[lv].value) for lv in LEVELS] == [
        ("≤", 0.3), ("≤", 0.4), ("≤", 0.5)]
    runtime = s.indicator("incineration_runtime")
    assert (runtime.benchmarks["I"].op, runtime.benchmarks["I"].value, runtime.unit) == (">", 7000, "h")
    stops = s.indicator("incineration_shutdown_times").benchmarks["II"]
    assert (stops.op, stops.min, stops.max, stops.text) == ("range", 3, 4, "3-4次/年")
    assert stops.note
    energy = s.indicator("waste_specific_energy")
    assert energy.quantity == "energy_per_t_waste" and energy.unit == "kgce/t"
    audit = s.indicator("clean_production_audit").benchmarks["II"]
    assert audit.same_as == "I" and audit.text == s.indicator("clean_production_audit").benchmarks["I"].text
    assert s.options.thresholds == {"I": 85, "II": 85, "III": 100}
    assert s.options.level1_requires_nonlimiting_level2 is False


def test_generic_system_covers_the_eight_dimensions():
    s = load_system("generic-8-dimensions")
    assert s.template
    assert sorted(d for c in s.categories for d in c.dimensions) == sorted(DIMENSIONS)
    assert all(b.placeholder for i in s.indicators() for b in i.benchmarks.values())


def test_list_systems():
    infos = {i.id: i for i in list_systems()}
    assert infos["hazardous-waste-incineration-zaepi-draft"].indicator_count == 39
    assert infos["generic-8-dimensions"].template


def test_unknown_id():
    with pytest.raises(FileNotFoundError, match="没有编号为"):
        load_system("no-such-system")


# --------------------------------------------------------------------------- the loader rejects defects


def broken(tmp_path, mutate) -> str:
    data = json.loads(HW.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndicatorSystemError) as exc:
        load_system(path)
    return str(exc.value)


def pollutants(data):
    return next(c for c in data["categories"] if c["id"] == "pollutant_emission")


def test_rejects_level1_weights_not_summing_to_one(tmp_path):
    def mutate(d):
        d["categories"][0]["weight"] = 0.25

    assert "非加分一级指标权重之和" in broken(tmp_path, mutate)


def test_rejects_level2_weights_not_summing_to_one(tmp_path):
    def mutate(d):
        pollutants(d)["indicators"][0]["weight"] = 0.2

    assert "污染物产生与排放" in broken(tmp_path, mutate)


def test_rejects_operator_against_direction(tmp_path):
    def mutate(d):
        pollutants(d)["indicators"][0]["benchmarks"]["I"]["op"] = "≥"

    assert "运算符" in broken(tmp_path, mutate)


def test_rejects_benchmarks_out_of_order(tmp_path):
    def mutate(d):
        pollutants(d)["indicators"][0]["benchmarks"]["I"]["value"] = 0.6

    assert "Ⅰ级应最严" in broken(tmp_path, mutate)


def test_rejects_duplicate_ids(tmp_path):
    def mutate(d):
        pollutants(d)["indicators"][1]["id"] = "dioxin_emission"

    assert "重复" in broken(tmp_path, mutate)


def test_rejects_placeholder_outside_template(tmp_path):
    def mutate(d):
        pollutants(d)["indicators"][0]["benchmarks"]["I"]["placeholder"] = True

    assert "示意占位值" in broken(tmp_path, mutate)


def test_rejects_quantitative_cell_without_value(tmp_path):
    def mutate(d):
        del pollutants(d)["indicators"][0]["benchmarks"]["I"]["value"]

    assert "benchmarks" in broken(tmp_path, mutate)


def test_empty_benchmark_needs_a_note(tmp_path):
    def mutate(d):
        pollutants(d)["indicators"][0]["benchmarks"]["I"] = {"op": "none", "text": ""}

    broken(tmp_path, mutate)


def test_empty_benchmark_is_not_scored(tmp_path):
    """A source that gives no benchmark (e.g. the CO₂ row of another stored version) → not scored."""
    from cpxl.diagnosis.scoring import score_enterprise

    data = json.loads(HW.read_text(encoding="utf-8"))
    ghg = next(c for c in data["categories"] if c["id"] == "greenhouse_gas")
    empty = {"op": "none", "text": "", "note": "来源未给出基准值"}
    ghg["indicators"] = [{
        "id": "co2_emission_per_waste", "name": "吨危废二氧化碳排放量", "unit": "tCO₂/t", "weight": 1.0,
        "kind": "quantitative", "limiting": False, "direction": "lower_better",
        "benchmarks": {lv: copy.deepcopy(empty) for lv in LEVELS}}]
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    system = load_system(path)
    values = {i.id: 1 if i.qualitative else None for i in system.indicators()}
    result = score_enterprise(system, values)
    co2 = next(r for r in result.indicators if r.id == "co2_emission_per_waste")
    assert co2.status == "no_benchmark" and co2.group_weight == 0
    assert any(p.rule == "no_benchmark" for p in result.problems)
    assert not next(c for c in result.categories if c.id == "greenhouse_gas").applicable
