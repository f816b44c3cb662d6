"""The provincial-list model: it says when it did not converge or had nothing to fit on."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecasting.errors import ConvergenceWarning, SparseDataWarning
from forecasting.history.histories import History
from forecasting.models.provincial import fit_provincial


def test_no_warning_on_the_bundled_data(bundled_history):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", SparseDataWarning)
        fit_provincial(bundled_history.upto("2023Q4"))


def test_newton_stopping_at_max_iter_warns(bundled_history):
    with pytest.warns(ConvergenceWarning, match="provincial"):
        fit_provincial(bundled_history.upto("2023Q4"), max_iter=1)


def test_falling_back_on_fixed_numbers_says_so(bundled_history):
    h = bundled_history.upto("2023Q4")
    # no Q4 snapshot: nothing to learn nominations or designations from
    early = History(h.district, h.effort, {q: t for q, t in h.snapshots.items() if q[:4] == "2023" and q[-1] != "4"})
    from forecasting.errors import ShortHistoryWarning
    from forecasting.models.provincial import _fit

    with pytest.warns(ShortHistoryWarning, match="cannot be told apart"):
        res = fit_provincial(early)  # one step, fitted on the designations the dates show
    assert np.isfinite(res.nominate.to_numpy()).all()
    # with nothing at all to fit on, the fixed fallback says what it assumed
    with pytest.warns(SparseDataWarning, match="assumed"):
        params, cov = _fit(np.zeros(0), np.zeros((0, 3)), np.ones(3), "designate | candidate")
    assert params[0] == -6.0 and (np.diag(cov) == 1).all()


# ------------------------------------------------------------------ no constant shared with the generator
def test_log_size_is_centred_on_the_data_not_on_a_fixed_reference(bundled_history):
    import numpy as np

    h = bundled_history.upto("2023Q4")
    res = fit_provincial(h)
    elig = [t[t["stage"].isin(["signed", "approved", "under_construction"]) & (t["provincial"] != "designated")]
            for q, t in h.snapshots.items() if q.endswith("Q4")]
    amounts = np.concatenate([e["investment_bn"].to_numpy(float) for e in elig])
    assert res.size_centre_bn == np.median(amounts)
    assert res.size_centre_bn != 2.0  # the generator's reference size
    assert "log_size_over_median" in res.nominate.index


def test_no_generator_constant_in_the_provincial_model():
    import ast
    import inspect

    import forecasting.models.provincial as provincial
    from forecasting.synthetic.generator import default_params

    p = default_params()
    truth = {abs(v) for k, v in vars(p).items() if k.startswith(("nominate_", "designate_"))}

    def literals(*objs):
        tree = ast.parse("\n".join(inspect.getsource(o) for o in objs))
        return {abs(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)}

    assert not literals(provincial._design, provincial._weights, provincial._fit) & truth
    # the generator's 2 bn reference size (its nomination logit uses log(size / 2))
    assert 2.0 not in literals(provincial._design)
