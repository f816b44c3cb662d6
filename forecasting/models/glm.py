"""The shared estimation pieces of the models: a ridge-penalised GLM and normal-approximation draws.

:class:`GLMPenalized` is the statsmodels GLM with a penalised likelihood that the size,
provincial and inflow models fit; :func:`mvn` draws parameter vectors from an estimate's
normal (Laplace) approximation in antithetic pairs, as every model's ``sample`` does.
"""
from __future__ import annotations

import numpy as np
from statsmodels.base._penalized import PenalizedMixin
from statsmodels.genmod.generalized_linear_model import GLM


class GLMPenalized(PenalizedMixin, GLM):
    """A statsmodels GLM maximising a penalised likelihood (here: a ridge prior)."""



def mvn(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws from ``N(mean, cov)`` in antithetic pairs (``mean ± z``): every draw is a
    draw (none is the mode), and the pairs cancel the first-order Monte Carlo error of
    anything smooth in the parameters. ``n <= 1`` gives the mean itself."""
    if n <= 1:
        return mean[None, :]
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = rng.standard_normal(((n + 1) // 2, len(mean))) @ root.T
    both = np.empty((2 * z.shape[0], len(mean)))
    both[0::2], both[1::2] = mean + z, mean - z
    return both[:n]
