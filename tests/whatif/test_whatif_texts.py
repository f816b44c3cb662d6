"""The what-if texts: every one in both languages, each filling the same kind of values."""
from __future__ import annotations

import string

from forecasting.texts import entries, text


class _Any:
    """Formats as anything (a number with ``:.2f`` or a string)."""

    def __format__(self, spec: str) -> str:
        return "·"


def _fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


#: amounts are billion CNY in English and 亿元 in Chinese: the same value under two names
_SAME = {"yi": "bn", "min_yi": "min_bn"}


def test_every_whatif_text_has_both_languages_and_the_same_values():
    table = entries("whatif")
    assert len(table) > 30
    for name, entry in table.items():
        en = {_SAME.get(f, f) for f in _fields(entry["en"])}
        zh = {_SAME.get(f, f) for f in _fields(entry["zh"])}
        assert en == zh, name
        values = {f: _Any() for f in _fields(entry["en"]) | _fields(entry["zh"])}
        for language in ("en", "zh"):
            assert text(f"whatif.{name}", language=language, **values)
        assert any("\u4e00" <= c <= "\u9fff" for c in entry["zh"]) or entry["zh"] in ("；", "、"), name
