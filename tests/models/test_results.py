"""The verb set every fitted model shares: Wald intervals and the one summary shape."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from conftest import notebook_html
from forecasting.models.results import SUMMARY_COLUMNS, ModelResults, SummaryTable, wald_intervals


@dataclass(frozen=True, eq=False)
class _Toy(ModelResults):
    params: pd.Series
    cov: pd.DataFrame

    title: ClassVar[str] = "A toy model"

    def cov_params(self) -> pd.DataFrame:
        return self.cov

    def summary_notes(self):
        return ("fitted on nothing",)


def _toy() -> _Toy:
    names = ["a", "b"]
    return _Toy(pd.Series([1.0, -2.0], index=names), pd.DataFrame([[4.0, 1.0], [1.0, 0.25]], index=names, columns=names))


def test_wald_intervals_known_answer():
    """95 %: z = 1.959964; se = sqrt(4) = 2 and sqrt(0.25) = 0.5."""
    out = wald_intervals(_toy().params, _toy().cov, 0.05)
    assert list(out.columns) == list(SUMMARY_COLUMNS)
    np.testing.assert_allclose(out["se"], [2.0, 0.5])
    np.testing.assert_allclose(out["lower"], [1.0 - 1.959964 * 2.0, -2.0 - 1.959964 * 0.5], rtol=1e-6)
    np.testing.assert_allclose(out["upper"], [1.0 + 1.959964 * 2.0, -2.0 + 1.959964 * 0.5], rtol=1e-6)
    wide = wald_intervals(_toy().params, _toy().cov, 0.01)
    assert (wide["upper"] > out["upper"]).all() and (wide["lower"] < out["lower"]).all()


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 2.0])
def test_an_impossible_alpha_says_so(alpha):
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
        _toy().conf_int(alpha)


def test_the_summary_renders_as_text_and_as_html():
    table = _toy().summary()
    assert isinstance(table, SummaryTable) and len(table) == 2
    text = str(table)
    assert text.splitlines()[0] == "A toy model" and "fitted on nothing" in text
    assert "1.0000" in text and "-2.0000" in text
    html = notebook_html(table)
    assert html.startswith("<h4>A toy model</h4>") and "<table" in html and "<p>fitted on nothing</p>" in html
    assert repr(table) == text


def test_conf_int_is_the_summarys_interval():
    toy = _toy()
    np.testing.assert_allclose(toy.conf_int(0.2).to_numpy(), toy.summary(0.2).frame[["lower", "upper"]].to_numpy())
