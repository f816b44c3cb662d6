"""The progression hazards' design: the coefficients, their priors and the design matrices.

:class:`Design` names the columns of the advance and loss hazards and the prior spread of
each; :func:`covariates` gives the per-project covariates, :func:`build_matrices` the sparse
person-month design matrices and :func:`duration_effect` a stage's fitted duration curve.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..history.episodes import MAX_DURATION, OPEN_STAGES
from .splines import duration_basis

N_STAGES = len(OPEN_STAGES)
#: The open stages before signing (lead, negotiating): their hazards use the pre-signing terms.
PRE = (0, 1)
#: The open stage that ends with groundbreaking (approved).
GROUND = OPEN_STAGES.index("approved")
#: The open stage that ends with operation (under construction).
OPERATE = OPEN_STAGES.index("under_construction")

#: Prior standard deviations of the ridge-penalised blocks (log-odds scale). Those of
#: :data:`EB_BLOCKS` are only starting values: their spread is estimated.
PRIOR_SD = {"sector": 0.3, "unit_type": 0.5, "unit": 0.25, "season": 0.5, "year": 0.2, "spline": 1.0,
            "fixed": 3.0}
#: Blocks whose prior spread is estimated by empirical Bayes (name prefix -> block).
#: The month-of-year blocks are not among them: a calendar is a few sharp months (the
#: Spring Festival dip, the March groundbreakings) among flat ones, which a Gaussian
#: spread estimated from all twelve shrinks away (February's deal-making dip came out at
#: a third of its true depth, and forecasts made in Q1 ran 5 % low on groundbreakings);
#: they keep the fixed prior of :data:`PRIOR_SD` (sd 0.5).
EB_BLOCKS = {"year:": "year", "year_pre:": "year_pre", "lost:year:": "year_lost", "unit:": "unit", "sector_pre:": "sector_pre", "sector_post:": "sector_post",
             "lost:sector:": "sector_lost", "spline": "spline"}
#: Smallest spread empirical Bayes may settle on (keeps the prior proper).
MIN_SD = 0.03
#: Quantiles of the observed exit durations (log months) where the duration spline has knots.
KNOT_QUANTILES = (0.05, 0.35, 0.65, 0.95)



def eb_block(name: str) -> str | None:
    """The empirical-Bayes block a coefficient belongs to (lost-hazard names prefixed ``lost:``)."""
    if ":rcs" in name:
        return "spline"
    return next((b for p, b in EB_BLOCKS.items() if name.startswith(p)), None)


@dataclass
class Design:
    """The columns of the hazard models and where each block sits.

    ``knots[k]`` are the duration spline's knots (log months) for stage ``k``.
    """

    sectors: list[str]
    units: list[str]
    unit_types: list[str]
    years: list[int]
    knots: dict[int, np.ndarray] = field(default_factory=dict)

    def duration_names(self, k: int) -> list[str]:
        n_spline = max(len(self.knots.get(k, ())) - 2, 0)
        return [f"{k}:logd", f"{k}:d"] + [f"{k}:rcs{j + 1}" for j in range(n_spline)]

    def advance_names(self) -> list[str]:
        names = []
        for k in range(N_STAGES):
            names += [f"{k}:const", *self.duration_names(k), f"{k}:logsize", f"{k}:phase2"]
            if k > 0:
                names.append(f"{k}:pace")
        names += [f"sector_pre:{s}" for s in self.sectors] + [f"sector_post:{s}" for s in self.sectors]
        names += [f"unit_type:{t}" for t in self.unit_types] + [f"unit:{u}" for u in self.units]
        names += [f"season:{m}" for m in range(12)] + [f"season_ground:{m}" for m in range(12)]
        names += [f"season_operate:{m}" for m in range(12)]
        # the year's conditions, apart before and after signing: deal-making and the
        # approval-to-construction steps need not feel a good year alike
        names += [f"year:{y}" for y in self.years] + [f"year_pre:{y}" for y in self.years]
        return names

    def lost_names(self) -> list[str]:
        names = []
        for k in range(N_STAGES):
            names += [f"{k}:const", f"{k}:logd", f"{k}:d", f"{k}:logsize"]
            if k > 0:
                names.append(f"{k}:pace")
        names += [f"sector:{s}" for s in self.sectors]
        names += [f"year:{y}" for y in self.years]  # the year's conditions reach losses too
        return names

    @staticmethod
    def prior_sd(names: list[str], sd_blocks: dict[str, float] | None = None, *, lost: bool = False) -> np.ndarray:
        """Prior standard deviation of every coefficient (``sd_blocks`` overrides EB blocks)."""
        sd_blocks = sd_blocks or {}
        out = []
        for n in names:
            key = f"lost:{n}" if lost else n
            block = eb_block(key)
            if block is not None and block in sd_blocks:
                out.append(sd_blocks[block])
            elif n.startswith("sector"):
                out.append(PRIOR_SD["sector"])
            elif n.startswith("unit_type"):
                out.append(PRIOR_SD["unit_type"])
            elif n.startswith("unit:"):
                out.append(PRIOR_SD["unit"])
            elif n.startswith("season"):
                out.append(PRIOR_SD["season"])
            elif n.startswith("year"):
                out.append(PRIOR_SD["year"])
            elif ":rcs" in n:
                out.append(PRIOR_SD["spline"])
            else:
                out.append(PRIOR_SD["fixed"])
        return np.array(out)

    @staticmethod
    def weights(names: list[str], sd_year: float) -> np.ndarray:
        """Ridge weights ``1 / (2 sd^2)`` (the year block at ``sd_year``)."""
        sd = Design.prior_sd(names, {"year": sd_year})
        return 1.0 / (2.0 * sd**2)


def covariates(projects: pd.DataFrame) -> pd.DataFrame:
    """Per-project covariates the hazards use, indexed by ``project_id``."""
    pre_size = projects["investment_first"].fillna(projects["investment_bn"])
    post_size = projects["investment_signed"].fillna(projects["investment_bn"])
    return pd.DataFrame({
        "sector": projects["sector"].to_numpy(),
        "unit": projects["unit"].to_numpy(),
        "unit_type": projects["unit_type"].to_numpy(),
        "phase2": (projects["phase"].to_numpy() >= 2).astype(float),
        "logsize_pre": np.log(pre_size.to_numpy(float)),
        "logsize_post": np.log(post_size.to_numpy(float)),
    }, index=pd.Index(projects["project_id"].to_numpy(), name="project_id"))


def _onehot(values: np.ndarray, levels: list) -> np.ndarray:
    known = pd.Index(levels)
    if known.is_unique:  # each value's level in one lookup (-1: none)
        pos = known.get_indexer(values)
    else:  # a repeated level is the last of its copies
        index = {v: i for i, v in enumerate(levels)}
        pos = np.array([index.get(v, -1) for v in values], dtype=int)
    out = np.zeros((len(values), len(levels)))
    ok = pos >= 0
    out[np.flatnonzero(ok), pos[ok]] = 1.0
    return out


def build_matrices(rows: pd.DataFrame, design: Design) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Design matrices (advance, lost) for person-month ``rows`` joined with covariates
    (sparse: each row touches its own stage's block only)."""
    n = len(rows)
    k = rows["stage_idx"].to_numpy()
    d = rows["duration"].to_numpy()
    logsize = np.where(np.isin(k, PRE), rows["logsize_pre"].to_numpy(), rows["logsize_post"].to_numpy())
    phase2 = rows["phase2"].to_numpy()
    pace = rows["pace"].to_numpy()
    stage_oh = _onehot(k, list(range(N_STAGES)))
    blocks_a, blocks_l = [], []
    logd = np.log(np.clip(d, 1, MAX_DURATION).astype(float))
    dyr = np.clip(d, 1, MAX_DURATION) / 12.0
    for s in range(N_STAGES):
        on = stage_oh[:, s]
        dur = duration_basis(d, design.knots.get(s, np.array([])))
        cols_a = [on, *(on * dur.T), on * logsize, on * phase2]
        cols_l = [on, on * logd, on * dyr, on * logsize]
        if s > 0:
            cols_a.append(on * pace)
            cols_l.append(on * pace)
        blocks_a.append(np.column_stack(cols_a))
        blocks_l.append(np.column_stack(cols_l))
    pre = np.isin(k, PRE)[:, None].astype(float)
    sector = _onehot(rows["sector"].to_numpy(), design.sectors)
    month = _onehot(rows["cal_month"].to_numpy(), list(range(12)))
    ground = (k == GROUND)[:, None].astype(float)
    operate = (k == OPERATE)[:, None].astype(float)
    Xa = np.hstack(blocks_a + [
        sector * pre, sector * (1 - pre),
        _onehot(rows["unit_type"].to_numpy(), design.unit_types) * pre,
        _onehot(rows["unit"].to_numpy(), design.units) * pre,
        month * (1 - ground - operate), month * ground, month * operate,
        _onehot(rows["year"].to_numpy(), design.years) * (1 - pre),
        _onehot(rows["year"].to_numpy(), design.years) * pre,
    ])
    Xl = np.hstack(blocks_l + [sector, _onehot(rows["year"].to_numpy(), design.years)])
    assert Xa.shape == (n, len(design.advance_names()))
    assert Xl.shape == (n, len(design.lost_names()))
    return sp.csr_matrix(Xa), sp.csr_matrix(Xl)


def duration_effect(params: pd.Series | np.ndarray, names: list[str], design: Design, k: int,
                    d: np.ndarray) -> np.ndarray:
    """Stage ``k``'s advance duration curve ``f_k(d)`` (log-odds) at ``d`` months.

    ``params`` is one labelled vector or a ``draw × coefficient`` array; returns ``d``'s
    shape, or ``draw × len(d)``.
    """
    ix = {n: i for i, n in enumerate(names)}
    cols = [ix[n] for n in design.duration_names(k)]
    B = duration_basis(np.atleast_1d(d), design.knots.get(k, np.array([])))
    p = np.asarray(params, float)
    return (p[..., cols] @ B.T) if p.ndim > 1 else B @ p[cols]

