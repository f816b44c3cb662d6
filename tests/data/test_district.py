"""Reading and checking district.toml: units, sectors, labels, aliases, targets."""
from __future__ import annotations

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


def test_bundled_district_has_chinese_labels():
    d = read_district(BUNDLED / "district.toml")
    assert all(u.label_zh for u in d.units) and set(d.sector_labels) == set(d.sectors)
    assert d.unit_label("branch_1", "zh") == "新能源招商分局"
