"""Reading and checking district.toml: units, sectors, labels, aliases, targets."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import BUNDLED
from forecasting.data.district import read_district
from forecasting.errors import DataError


def test_district_labels_aliases_and_confirmed_revisions(tmp_path, valid_folder):
    text = (valid_folder / "district.toml").read_text(encoding="utf-8")
    text = text.replace('label = "New Energy Attraction Branch"\n',
                        'label = "New Energy Attraction Branch"\nlabel_zh = "新能源招商分局"\n')
    text += ('\n[sector_labels.photovoltaics]\nlabel = "Efficient PV cells and modules"\nlabel_zh = "高效光伏电池及组件"\n'
             '[aliases.units]\n"光伏招商分局" = "branch_4"\n[aliases.stages]\n"正在对接" = "negotiating"\n'
             '[confirmed_revisions]\n"HL2301905" = "2024q1"\n')
    (tmp_path / "district.toml").write_text(text, encoding="utf-8")
    d = read_district(tmp_path / "district.toml")
    assert d.unit_label("branch_1", "zh") == "新能源招商分局" and d.unit_label("branch_1") == "New Energy Attraction Branch"
    assert d.unit_label("branch_2", "zh") == "Automotive Components Attraction Branch"  # falls back to English
    assert d.sector_label("photovoltaics", "zh") == "高效光伏电池及组件" and d.sector_label("other") == "other"
    assert d.names("units")["光伏招商分局"] == "branch_4" and d.names("units")["新能源招商分局"] == "branch_1"
    assert d.aliases["stages"] == {"正在对接": "negotiating"} and d.confirmed_revisions == {"HL2301905": "2024Q1"}


def test_district_alias_to_an_unknown_id_is_a_breach(tmp_path, valid_folder):
    text = (valid_folder / "district.toml").read_text(encoding="utf-8") + '\n[aliases.units]\n"x" = "branch_9"\n'
    (tmp_path / "district.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"aliases.units: 'x' maps to 'branch_9', which is not a known id"):
        read_district(tmp_path / "district.toml")


def test_an_alias_that_is_another_name_already_is_a_breach(tmp_path, valid_folder):
    # on main these aliases were ignored without a word: the ledger's "other" stayed other
    text = (valid_folder / "district.toml").read_text(encoding="utf-8") + (
        '\n[aliases.sectors]\n"Other" = "new_energy"\n"光伏" = "photovoltaics"\n'
        '[aliases.stages]\n"签约" = "lead"\n"正在对接" = "negotiating"\n')
    (tmp_path / "district.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_district(tmp_path / "district.toml")
    lines = [str(b) for b in exc.value.breaches]
    assert len(lines) == 2, lines
    assert "aliases.sectors: 'Other' maps to 'new_energy' but is already the name of 'other'" in lines[0]
    assert "aliases.stages: '签约' maps to 'lead' but is already the name of 'signed'" in lines[1]


def test_bundled_district_has_chinese_labels():
    d = read_district(BUNDLED / "district.toml")
    assert all(u.label_zh for u in d.units) and set(d.sector_labels) == set(d.sectors)
    assert d.unit_label("branch_1", "zh") == "新能源招商分局"


def _breaches(tmp_path, text: str) -> list[str]:
    (tmp_path / "district.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_district(tmp_path / "district.toml")
    return [str(b) for b in info.value.breaches]


def test_the_targets_are_read_with_tiers_as_bands_or_cumulative(valid_folder):
    d = read_district(valid_folder / "district.toml")
    t = d.targets_for(2024)
    assert t.names == ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major"]
    assert t.goals == {"groundbreakings": 20, "tier_10bn": 1, "tier_5bn": 2, "provincial_major": 3}
    assert t.groundbreakings_min_bn == 0.5
    ten, five = t.tiers
    assert ten.contains(25.0) and ten.contains(10.0) and not ten.contains(9.99)  # cumulative: 10 bn and more
    assert five.contains(5.0) and not five.contains(10.0)  # a band: [5, 10)
    assert list(five.contains(np.array([4.9, 5.0, 9.9, 10.0]))) == [False, True, True, False]
    assert d.unit_type("center_beijing") == "center" and len(d.unit_ids) == 9


def test_a_year_without_targets_is_a_sentence(valid_folder):
    d = read_district(valid_folder / "district.toml")
    with pytest.raises(KeyError, match=r"no \[targets.2030\] table \(targets exist for: 2024\)"):
        d.targets_for(2030)
    with pytest.raises(KeyError, match="unknown sector 'mining'"):
        d.sector_label("mining")


def test_missing_and_invalid_files_are_one_breach(tmp_path):
    with pytest.raises(DataError, match="district.toml::: file is missing"):
        read_district(tmp_path / "district.toml")
    assert _breaches(tmp_path, "name = \n")[0].startswith("district.toml:1:: is not valid TOML")  # with its line


def test_a_district_file_saved_as_gbk_says_so_and_where(valid_folder):
    path = valid_folder / "district.toml"
    text = path.read_text(encoding="utf-8").replace('name = "Test District"', 'name = "海陵区"')
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(DataError) as info:
        read_district(path)
    assert [str(b) for b in info.value.breaches] == [
        "district.toml:1:: is not UTF-8 text (saved as GBK/ANSI by an editor?) (expected district.toml saved as "
        "UTF-8 (in Notepad: Save as, Encoding UTF-8))"]


def test_a_label_two_units_share_is_a_breach(tmp_path):
    # the ledger's 招商一局 would go to one of the two units without a word
    got = _breaches(tmp_path, '''
name = "d"
sectors = ["a", "b"]
[[units]]
id = "u1"
type = "branch"
label_zh = "招商一局"
[[units]]
id = "u2"
type = "branch"
label_zh = "招商一局"
[[units]]
id = "u3"
type = "center"
label = "U1"
[sector_labels.a]
label_zh = "光伏"
[sector_labels.b]
label_zh = "光伏"
''')
    assert sorted(got) == sorted([
        "district.toml::units: '招商一局' is the id or label of more than one unit (u1, u2) (expected labels "
        "of one unit only, so that the ledger's names tell them apart)",
        "district.toml::units: 'u1' is the id or label of more than one unit (u1, u3) (expected labels "
        "of one unit only, so that the ledger's names tell them apart)",
        "district.toml::sectors: '光伏' is the id or label of more than one sector (a, b) (expected labels "
        "of one sector only, so that the ledger's names tell them apart)"])


def test_every_breach_of_the_file_is_listed_at_once(tmp_path):
    got = _breaches(tmp_path, '''
name = ""
sectors = ["a", "a"]
[[units]]
id = "u1"
type = "office"
[[units]]
id = "u2"
type = "branch"
[[units]]
id = "u2"
type = "center"
[targets.24]
groundbreakings = 1
[targets.2024]
groundbreakings = -1
provincial_major = 2
counted_at = "approved"
[[targets.2024.tiers]]
name = "big"
min_bn = 5
max_bn = 5
count = 1
''')
    assert got == [
        "district.toml::name: missing or empty (expected a text name)",
        "district.toml::sectors: repeats a sector (expected unique sector names)",
        "district.toml::targets.2024.counted_at: 'approved' is not supported (expected \"signed\")",
        "district.toml::targets.2024.groundbreakings: -1 is not a whole number ≥ 0 (expected a whole number ≥ 0)",
        "district.toml::targets.2024.tiers[1].max_bn: 5.0 is not above min_bn 5.0 (expected max_bn > min_bn)",
        "district.toml::targets.24: '24' is not a year (expected [targets.YYYY])",
        "district.toml::units: unit id 'u2' appears more than once (expected unique unit ids)",
        "district.toml::units[1].type: unknown unit type 'office' (expected branch or center or campaign)",
    ]


def test_targets_written_as_20_0_or_in_quotes_are_read(tmp_path, valid_folder):
    # on main: "20.0 is not a whole number ≥ 0" and "'20' is not a whole number ≥ 0"
    text = (valid_folder / "district.toml").read_text(encoding="utf-8")
    head = text.split("[targets.")[0]
    (tmp_path / "district.toml").write_text(head + '[targets.2024]\ngroundbreakings = 20.0\nprovincial_major = "3"\n'
                                            '[[targets.2024.tiers]]\nname = "10bn"\nmin_bn = "10"\ncount = 1.0\n',
                                            encoding="utf-8")
    t = read_district(tmp_path / "district.toml").targets[2024]
    assert (t.groundbreakings, t.provincial_major, t.tiers[0].min_bn, t.tiers[0].count) == (20, 3, 10.0, 1)
    assert type(t.groundbreakings) is int and type(t.tiers[0].count) is int
    got = _breaches(tmp_path, head + '[targets.2024]\ngroundbreakings = 20.5\nprovincial_major = "三"\n'
                    '[[targets.2024.tiers]]\nname = "10bn"\nmin_bn = "10亿"\ncount = 1\n')
    assert got == [  # one line each: on main a bad min_bn was also "missing"
        "district.toml::targets.2024.groundbreakings: 20.5 is not a whole number ≥ 0 (expected a whole number ≥ 0)",
        "district.toml::targets.2024.provincial_major: '三' is not a whole number ≥ 0 (expected a whole number ≥ 0)",
        "district.toml::targets.2024.tiers[1].min_bn: '10亿' is not an amount ≥ 0 (expected billion CNY ≥ 0)"]


def test_a_chinese_name_without_quotes_says_to_quote_it(tmp_path, valid_folder):
    # on main: "is not valid TOML: Invalid initial character for a key part (at line …)" and nothing more
    text = (valid_folder / "district.toml").read_text(encoding="utf-8")
    n = text.count("\n") + 2
    got = _breaches(tmp_path, text + '\n[aliases.units]\n光伏招商分局 = "branch_4"  # 旧名称\n')
    assert len(got) == 1 and got[0].startswith(f"district.toml:{n + 1}:: is not valid TOML: ")
    assert got[0].endswith('(expected a name with Chinese characters in quotes: "光伏招商分局" = "branch_4"  # 旧名称)')
    got = _breaches(tmp_path, text + '\n[sector_labels.光伏]\nlabel = "PV"\n')
    assert got[0].endswith('(expected a name with Chinese characters in quotes: [sector_labels."光伏"])')
