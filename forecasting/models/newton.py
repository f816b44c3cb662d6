"""The progression fit's solver: penalised Newton–Raphson on the monthly multinomial, with
empirical-Bayes updates of the block spreads.

:class:`Multinomial` is the penalised log-likelihood of the stay / advance / lost choice on
person-month rows, with its exact gradient and Hessian; :func:`fit_eb` interleaves its
Newton steps with MacKay's fixed-point updates of each block's prior spread.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ..errors import ConvergenceWarning
from .design import MIN_SD, Design


class Gram:
    """``AT @ B`` as a dense array, for a ``B`` whose values change between calls but not where
    they are (the Hessian's products of a design with its rows scaled by weights).

    The numbers are SciPy's sparse product's, bit for bit: the same C++ routine
    (``csr_matmat``) runs; only its first pass, which sizes the result from the pattern
    alone, is done once instead of at every call (a third of the product's time). Where that
    routine cannot be called as expected (another SciPy), the public product runs.
    """

    def __init__(self, AT: sp.csr_matrix, B: sp.csr_matrix):
        self.AT, self.shape = AT, (AT.shape[0], B.shape[1])
        self._idx = np.result_type(AT.indptr, AT.indices, B.indptr, B.indices, np.int32)
        self._A = [np.asarray(a, dtype=self._idx) for a in (AT.indptr, AT.indices)]
        try:
            from scipy.sparse import _sparsetools

            self._matmat = _sparsetools.csr_matmat
            self._B = self._pattern(B)
            self._nnz = int(_sparsetools.csr_matmat_maxnnz(*self.shape, *self._A, *self._B))
        except (ImportError, AttributeError, TypeError, ValueError):
            self._matmat = None
        else:
            if self._nnz > np.iinfo(self._idx).max:
                self._matmat = None

    @property
    def fast(self) -> bool:
        """Whether the sized-once product runs (not the public one)."""
        return self._matmat is not None

    def _pattern(self, B: sp.csr_matrix) -> list[np.ndarray]:
        return [np.asarray(b, dtype=self._idx) for b in (B.indptr, B.indices)]

    def _same_pattern(self, B: sp.csr_matrix) -> bool:
        """Whether ``B`` has the entries the result was sized for (else the routine would
        write past its buffers)."""
        return B.shape[1] == self.shape[1] and all(
            b.shape == p.shape and np.array_equal(b, p) for b, p in zip((B.indptr, B.indices), self._B))

    def __call__(self, B: sp.csr_matrix) -> np.ndarray:
        if self._matmat is not None and self._same_pattern(B):
            indptr = np.empty(self.shape[0] + 1, dtype=self._idx)
            indices = np.empty(self._nnz, dtype=self._idx)
            data = np.empty(self._nnz, dtype=np.result_type(self.AT.dtype, B.dtype))
            try:
                self._matmat(*self.shape, self._A[0], self._A[1], self.AT.data, *self._pattern(B), B.data,
                             indptr, indices, data)
            except (TypeError, ValueError):
                self._matmat = None
            else:
                out = np.zeros(self.shape, dtype=data.dtype)  # as toarray: each entry added to a zero
                n = int(indptr[-1])
                out[np.repeat(np.arange(self.shape[0]), np.diff(indptr)), indices[:n]] += data[:n]
                return out
        return (self.AT @ B).toarray()


class Multinomial:
    """Penalised log-likelihood of the monthly multinomial (stay / advance / lost)."""

    def __init__(self, Xa: sp.csr_matrix, Xl: sp.csr_matrix, ya: np.ndarray, yl: np.ndarray,
                 off_a: np.ndarray, off_l: np.ndarray, weight: np.ndarray | None = None):
        self.Xa, self.Xl = Xa.tocsr(), Xl.tocsr()
        self.r = np.ones(Xa.shape[0]) if weight is None else np.asarray(weight, float)
        self.XaT, self.XlT = self.Xa.T.tocsr(), self.Xl.T.tocsr()
        self.ya, self.yl, self.off_a, self.off_l = ya, yl, off_a, off_l
        self.na = Xa.shape[1]
        self._rows_a = np.repeat(np.arange(Xa.shape[0]), np.diff(self.Xa.indptr))
        self._rows_l = np.repeat(np.arange(Xl.shape[0]), np.diff(self.Xl.indptr))
        self._aa, self._ll, self._al = Gram(self.XaT, self.Xa), Gram(self.XlT, self.Xl), Gram(self.XaT, self.Xl)

    def _probs(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        ea = self.Xa @ theta[:self.na] + self.off_a
        el = self.Xl @ theta[self.na:] + self.off_l
        m = np.maximum(0.0, np.maximum(ea, el))
        lse = m + np.log(np.exp(-m) + np.exp(ea - m) + np.exp(el - m))
        ll = float(np.sum(self.r * (self.ya * ea + self.yl * el - lse)))
        return np.exp(ea - lse), np.exp(el - lse), ll

    def objective(self, theta: np.ndarray, prec: np.ndarray) -> float:
        return self._probs(theta)[2] - 0.5 * float(np.sum(prec * theta**2))

    def _scaled(self, X: sp.csr_matrix, rows: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
        out = X.copy()
        out.data = out.data * w[rows]
        return out

    def derivatives(self, theta: np.ndarray, prec: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Gradient and negative Hessian of the penalised log-likelihood, and its value."""
        pa, pl, ll = self._probs(theta)
        r = self.r
        grad = np.concatenate([self.XaT @ (r * (self.ya - pa)), self.XlT @ (r * (self.yl - pl))]) - prec * theta
        haa = self._aa(self._scaled(self.Xa, self._rows_a, r * pa * (1 - pa)))
        hll = self._ll(self._scaled(self.Xl, self._rows_l, r * pl * (1 - pl)))
        hal = -self._al(self._scaled(self.Xl, self._rows_l, r * pa * pl))
        H = np.block([[haa, hal], [hal.T, hll]]) + np.diag(prec)
        return grad, H, ll - 0.5 * float(np.sum(prec * theta**2))

    def newton_step(self, theta: np.ndarray, prec: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """One Newton–Raphson step (halved until the penalised likelihood does not drop);
        returns the new point, the penalised Hessian at the old one and the step's size."""
        grad, H, obj = self.derivatives(theta, prec)
        step = np.linalg.solve(H, grad)
        t = 1.0
        while t > 1e-4:
            new = theta + t * step
            if self.objective(new, prec) >= obj - 1e-9:
                break
            t /= 2
        else:
            warnings.warn(
                "the progression fit's Newton step found no step that improves the penalised likelihood "
                "(line search halved to 1e-4): it continues from a worse point, so the hazards and their "
                "uncertainty may not be the fit's optimum", ConvergenceWarning, stacklevel=3)
        return new, H, float(np.max(np.abs(t * step)))


#: Largest change of a log spread in an update at which the spreads count as settled.
SETTLED = 0.002


def precisions(names_a: list[str], names_l: list[str], sd_blocks: dict[str, float]) -> np.ndarray:
    """Prior precision of every coefficient of both hazards (advance first), the blocks at ``sd_blocks``."""
    return 1.0 / np.concatenate([Design.prior_sd(names_a, sd_blocks),
                                 Design.prior_sd(names_l, sd_blocks, lost=True)]) ** 2


def fit_eb(model: Multinomial, names_a: list[str], names_l: list[str], block_of: np.ndarray,
            blocks: list[str], sd_blocks: dict[str, float], max_iter: int,
            theta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Newton steps on the coefficients interleaved with empirical-Bayes updates of the block
    spreads (MacKay's fixed point for the Laplace-approximate marginal likelihood:
    ``sd^2 = sum(effect^2) / gamma``, ``gamma`` the effective number of effects the data
    determine). Returns the mode, the penalised Hessian there and the spreads.

    MacKay's update crawls where a spread heads for its floor (it slows as the effects
    shrink): after two updates that move a spread the same way by shrinking amounts, the
    spread jumps to where those steps lead (Aitken's extrapolation of a geometric tail, in
    log spread, at most a factor e), and the plain updates then confirm or correct it. The
    spreads have settled when an update changes none of them by more than 0.2 % (:data:`SETTLED`).
    """
    theta = np.zeros(len(block_of)) if theta is None else theta
    steps: dict[str, list[float]] = {b: [] for b in blocks}
    for _ in range(max_iter):
        prec = precisions(names_a, names_l, sd_blocks)
        theta, H, size = model.newton_step(theta, prec)
        if size > 0.05:
            continue
        var = np.diag(np.linalg.inv(H))
        new = {}
        for b in blocks:
            i = block_of == b
            gamma = max(float(np.sum(1.0 - prec[i] * var[i])), 1e-3)
            new[b] = float(np.clip(np.sqrt(np.sum(theta[i] ** 2) / gamma), MIN_SD, 2.0))
        change = max((abs(np.log(new[b] / sd_blocks[b])) for b in blocks), default=0.0)
        if change < SETTLED and size < 1e-4:
            sd_blocks = new
            break
        for b in blocks:
            d = float(np.log(new[b] / sd_blocks[b]))
            steps[b].append(d)
            d1, d2 = steps[b][-2:] if len(steps[b]) >= 2 else (0.0, 0.0)
            if d1 * d2 > 0 and abs(d2) < abs(d1) and abs(d2) > 0.01:
                r = d2 / d1
                jump = float(np.clip(d2 * r / (1 - r), -1.0, 1.0))
                new[b] = float(np.clip(new[b] * np.exp(jump), MIN_SD, 2.0))
                steps[b] = []
        sd_blocks = new
    else:
        warnings.warn(
            f"the progression fit's empirical-Bayes spreads (year, unit, sector effects) did not settle in "
            f"{max_iter} iterations: the spread of good and bad years, and so the width of the forecast "
            "intervals, is that of the last iterate; raise max_eb_iter", ConvergenceWarning, stacklevel=3)
    prec = precisions(names_a, names_l, sd_blocks)
    for _ in range(20):
        theta, H, size = model.newton_step(theta, prec)
        if size < 1e-6:
            break
    else:
        warnings.warn(
            "the progression fit's final Newton steps did not converge (last step above 1e-6): the hazards "
            "are those of the last iterate and may be off", ConvergenceWarning, stacklevel=3)
    _, H, _ = model.derivatives(theta, prec)
    return theta, H, sd_blocks
