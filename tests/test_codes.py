"""统一社会信用代码, 排污许可证编号 and GB/T 4754 industry codes."""

from __future__ import annotations

import pytest

from cpxl.domain import codes
from cpxl.domain.codes import (
    industry_lineage,
    industry_name,
    normalize_code,
    uscc_check_char,
    validate_industry_code,
    validate_permit_number,
    validate_uscc,
)

# Real codes printed in HJ 608-2017 / 固定污染源编码规则(试行) examples (facts.md §5).
HEGANG = "91130200699229617X"
OTHER = "911302307808371268"

# Independent re-implementation of GB 32100 for cross-checking (alphabet and weights typed by hand).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def reference_check(code17: str) -> str:
    s = sum(ALPHABET.index(c) * w for c, w in zip(code17, WEIGHTS, strict=True))
    return ALPHABET[(31 - s % 31) % 31]


def test_data_file_alphabet_and_weights() -> None:
    table = codes.uscc_table()
    assert table["alphabet"]["value"] == ALPHABET
    assert table["check"]["weights"] == WEIGHTS
    assert WEIGHTS == [pow(3, i, 31) for i in range(17)]
    assert not set("IOZSV") & set(table["alphabet"]["value"])


@pytest.mark.parametrize("code,check", [(HEGANG, "X"), (OTHER, "8")])
def test_uscc_self_tests(code: str, check: str) -> None:
    assert uscc_check_char(code[:17]) == check
    assert reference_check(code[:17]) == check
    assert validate_uscc(code) == []


def test_self_tests_in_data_file_pass() -> None:
    for case in codes.uscc_table()["self_tests"]:
        assert uscc_check_char(case["code"][:17]) == case["expected_check"]


def test_corrupted_uscc_names_expected_check_char() -> None:
    bad = HEGANG[:15] + "2" + HEGANG[16:]  # one digit changed: 1 -> 2 at position 16
    expected = reference_check(bad[:17])
    assert expected != "X"
    errors = validate_uscc(bad)
    assert len(errors) == 1
    assert "校验码" in errors[0]
    assert f"应为“{expected}”" in errors[0]
    assert "“X”" in errors[0]


def test_transposition_detected() -> None:
    swapped = OTHER[:3] + OTHER[4] + OTHER[3] + OTHER[5:]
    assert swapped != OTHER
    assert any("校验码" in e for e in validate_uscc(swapped))


def test_uscc_length_and_characters() -> None:
    assert any("18位" in e and "17位" in e for e in validate_uscc(HEGANG[:17]))
    assert validate_uscc("") == ["统一社会信用代码为空"]
    for letter in "IOZSV":
        code = HEGANG[:9] + letter + HEGANG[10:]
        errors = validate_uscc(code)
        assert any("不允许的字母" in e and letter in e for e in errors), (letter, errors)
    errors = validate_uscc(HEGANG[:5] + "#" + HEGANG[6:])
    assert any("非法字符" in e and "#" in e for e in errors)


def test_uscc_lower_case_reported_but_check_still_verified() -> None:
    errors = validate_uscc(HEGANG.lower())
    assert errors == ["含小写字母：x，应为大写（可用 normalize_code 自动转换）"]
    errors = validate_uscc(OTHER[:17] + "9")
    assert errors and "应为“8”" in errors[0]


def test_uscc_region_digits() -> None:
    code17 = "91A30200699229617"  # position 3 is a letter
    code = code17 + uscc_check_char(code17)
    assert any("第3–8位" in e for e in validate_uscc(code))


def test_uscc_departments_optional() -> None:
    code17 = "B1130200699229617"
    code = code17 + uscc_check_char(code17)
    assert validate_uscc(code) == []
    errors = validate_uscc(code, check_departments=True)
    assert errors and "登记管理部门代码" in errors[0]
    code17 = "95130200699229617"  # 9 工商 has categories 1/2/3 only
    code = code17 + uscc_check_char(code17)
    assert any("机构类别代码" in e for e in validate_uscc(code, check_departments=True))
    assert validate_uscc(HEGANG, check_departments=True) == []


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="前17位"):
        uscc_check_char("123")
    with pytest.raises(ValueError, match="非法字符"):
        uscc_check_char("9113020069922961I")


def test_normalize_code_reports_changes() -> None:
    value, notes = normalize_code("９１１３０２００６９９２２９６１７ｘ　")
    assert value == HEGANG
    assert notes == ["已将全角字符转换为半角", "已去除空格", "已将小写字母转为大写"]
    assert validate_uscc(value) == []
    assert normalize_code(HEGANG) == (HEGANG, [])
    assert normalize_code(" 9113 0200699229617X ") == (HEGANG, ["已去除空格"])
    assert normalize_code("h9abc", upper=False) == ("h9abc", [])
    raw = "９１１３０２００６９９２２９６１７Ｘ"
    assert any("全角" in e for e in validate_uscc(raw))


# ---------------------------------------------------------------------------
# permit numbers


@pytest.mark.parametrize(
    "permit", ["91130200699229617X001P", "91130200699229617X002P", "911302307808371268001P"]
)
def test_permit_good(permit: str) -> None:
    assert validate_permit_number(permit) == []
    assert validate_permit_number(permit, uscc=permit[:18]) == []


def test_permit_other_capital_letter_allowed() -> None:
    assert validate_permit_number(HEGANG + "001U") == []


def test_permit_uscc_mismatch_and_normalised_uscc() -> None:
    errors = validate_permit_number(HEGANG + "001P", uscc=OTHER)
    assert errors == [f"前18位“{HEGANG}”与企业统一社会信用代码“{OTHER}”不一致"]
    assert validate_permit_number(HEGANG + "001P", uscc="91130200699229617x") == []


@pytest.mark.parametrize(
    "permit,fragment",
    [
        (HEGANG + "01P", "22位"),
        (HEGANG + "000P", "001 开始"),
        (HEGANG + "0A1P", "顺序码"),
        (HEGANG + "001p", "大写字母"),
        (HEGANG + "0011", "大写字母"),
        ("91130200699229627X001P", "校验码"),
        (HEGANG + " 01P", "空格"),
    ],
)
def test_permit_bad(permit: str, fragment: str) -> None:
    errors = validate_permit_number(permit)
    assert errors, permit
    assert any(fragment in e for e in errors), errors


def test_permit_without_uscc_h9_forms() -> None:
    no_code = "H9130200" + "0000" + "00001" + "a" + "001P"
    with_org = "H9130200" + "12345678X" + "b" + "002P"
    assert len(no_code) == len(with_org) == 22
    assert validate_permit_number(no_code) == []
    assert validate_permit_number(with_org) == []
    # o and i are not used; upper-case letter is not the H9 form
    assert validate_permit_number(no_code[:17] + "o" + no_code[18:])
    assert validate_permit_number(no_code[:17] + "A" + no_code[18:])
    errors = validate_permit_number(no_code, uscc=HEGANG)
    assert any("已有统一社会信用代码" in e for e in errors)


# ---------------------------------------------------------------------------
# GB/T 4754-2017


def test_industry_table_counts() -> None:
    t = codes.industry_table()
    assert len(t["sections"]) == 20
    assert len(t["divisions"]) == 97
    assert sorted(t["divisions"]) == [f"{i:02d}" for i in range(1, 98)]
    assert len(t["groups"]) == 473
    assert len(t["classes"]) == 1380
    assert t["_meta"]["list_source"]["commit"] == "0b8f1ae480aadd9f35aca2fd0efb934e9a7101e8"


@pytest.mark.parametrize(
    "letter,first,last",
    [
        ("A", "01", "05"),
        ("B", "06", "12"),
        ("C", "13", "43"),
        ("N", "76", "79"),
        ("S", "91", "96"),
        ("T", "97", "97"),
    ],
)
def test_section_ranges_match_facts(letter: str, first: str, last: str) -> None:
    s = next(s for s in codes.industry_table()["sections"] if s["code"] == letter)
    assert s["divisions"] == [first, last]


def test_industry_names() -> None:
    assert industry_name("N7724") == "危险废物治理"
    assert industry_name("7724") == "危险废物治理"
    assert industry_name("772") == "环境治理业"
    assert industry_name("77") == "生态保护和环境治理业"
    assert industry_name("N") == "水利、环境和公共设施管理业"
    assert industry_name("25") == "石油、煤炭及其他燃料加工业"
    assert industry_name("6432") is not None  # 2017 edition marker (互联网平台)
    assert industry_name("C7724") is None
    assert industry_name("7799") is None
    assert industry_name("ｎ７７２４") == "危险废物治理"  # lenient: normalised
    assert industry_name("0190") == "其他农业"
    assert industry_name("019") == "其他农业"  # 中类 not subdivided: name from its single 小类


def test_industry_lineage() -> None:
    assert industry_lineage("7724") == [
        ("N", "水利、环境和公共设施管理业"),
        ("77", "生态保护和环境治理业"),
        ("772", "环境治理业"),
        ("7724", "危险废物治理"),
    ]
    assert industry_lineage("C7724") == []


def test_validate_industry_code() -> None:
    for good in ("N7724", "7724", "N772", "77", "N77", "C", "C2614", "T9700"):
        assert validate_industry_code(good) == [], good
    errors = validate_industry_code("C7724")
    assert errors == ["门类字母“C”与大类“77 生态保护和环境治理业”不符，应为“N”"]
    assert any("大类“99”不存在" in e for e in validate_industry_code("99"))
    assert any("中类“779”" in e for e in validate_industry_code("7799"))
    assert any("小类“7728”" in e and "修改单" in e for e in validate_industry_code("7728"))
    assert any("门类“X”不存在" in e for e in validate_industry_code("X"))
    assert any("大写" in e for e in validate_industry_code("n7724"))
    for bad in ("7", "77245", "N-7724", "NN77", ""):
        assert validate_industry_code(bad), bad
