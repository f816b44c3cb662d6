"""What new leads look like: each unit's past leads as first recorded, pooled with its unit type's.

:class:`LeadMix` resamples them (:meth:`LeadMix.sample`), gives the exact mix it draws from
(:meth:`LeadMix.probabilities`) and a few weighted leads standing for the whole mix
(:meth:`LeadMix.templates`), which the inflow model's simulation of new leads uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ..history.histories import History

#: A unit's own leads count as much as this many of its unit type's (see :class:`LeadMix`).
MIX_PSEUDO_COUNT = 30.0
#: Log-scale spread of the jitter added to resampled investment amounts.
MIX_JITTER_SD = 0.1
#: Smallest amount a ledger project holds (DATA.md).
MIN_BN = 0.1
#: How strongly :meth:`LeadMix.templates` over-represents big leads (amount^tilt).
TEMPLATE_TILT = 0.75


@dataclass(frozen=True, eq=False)
class LeadMix:
    """What new leads look like, per unit: resampled from past leads as first recorded.

    A unit with ``n`` past leads draws each new lead from its own with probability
    ``w = n / (n + MIX_PSEUDO_COUNT)`` and otherwise from all leads of its unit type (all
    leads if its type has none), so a sparse unit borrows strength from similar ones.
    Amounts get a lognormal jitter (``MIX_JITTER_SD``) so the same figure is not repeated,
    and stay at least ``MIN_BN``.

    Attributes
    ----------
    leads : one row per past lead: ``unit``, ``unit_type``, ``sector``, ``phase``,
        ``investment_bn`` (at the first snapshot that shows it, while still a lead).
    unit_types : every unit of the district -> its type.
    """

    leads: pd.DataFrame
    unit_types: Mapping[str, str]

    @classmethod
    def from_history(cls, history: History) -> "LeadMix":
        """The projects whose first snapshot shows them as leads, with that amount.

        Projects already past the lead stage when first recorded are left out: their amount
        was already revised in negotiation or at signing.
        """
        first = history.long.groupby("project_id", sort=False).first()
        as_lead = first.index[first["stage"] == "lead"]
        P = history.projects.set_index("project_id").loc[as_lead]
        leads = pd.DataFrame({
            "unit": P["unit"], "unit_type": P["unit_type"], "sector": P["sector"],
            "phase": P["phase"].astype(int), "investment_bn": first.loc[as_lead, "investment_bn"].astype(float),
        }).reset_index(drop=True)
        return cls(leads, {u.id: u.type for u in history.district.units})

    def sample(self, unit: str, n: int, rng: np.random.Generator | int | None = 0) -> pd.DataFrame:
        """``n`` new leads of ``unit``: ``unit``, ``unit_type``, ``sector``, ``phase``,
        ``investment_bn``.

        Examples
        --------
        >>> from forecasting import load_history
        >>> mix = LeadMix.from_history(load_history("data"))
        >>> len(mix.sample("branch_1", 5, rng=0))
        5
        """
        own, peers = self._members(unit)
        rng = np.random.default_rng(rng)
        pick = peers[rng.integers(0, len(peers), n)]
        if len(own):
            from_own = rng.random(n) < len(own) / (len(own) + MIX_PSEUDO_COUNT)
            pick = np.where(from_own, own[rng.integers(0, len(own), n)], pick)
        return self._as_leads_of(unit, pick, rng)

    def _members(self, unit: str) -> tuple[np.ndarray, np.ndarray]:
        """Row indices of :attr:`leads`: the unit's own, and its unit type's (all leads when
        the type has none)."""
        if unit not in self.unit_types:
            raise ValueError(f"unknown unit {unit!r}; the district's units are {', '.join(self.unit_types)}")
        own = np.flatnonzero(self.leads["unit"].to_numpy() == unit)
        peers = np.flatnonzero(self.leads["unit_type"].to_numpy() == self.unit_types[unit])
        if not len(peers):
            peers = np.arange(len(self.leads))
        if not len(peers):
            raise ValueError("the history holds no leads to draw new ones from")
        return own, peers

    def _as_leads_of(self, unit: str, rows: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        """Rows of :attr:`leads` as new leads of ``unit``, amounts jittered."""
        out = self.leads.iloc[rows].reset_index(drop=True)
        out["unit"] = unit
        out["unit_type"] = self.unit_types[unit]
        jitter = np.exp(rng.normal(0.0, MIX_JITTER_SD, len(rows)))
        out["investment_bn"] = np.maximum(out["investment_bn"].to_numpy() * jitter, MIN_BN)
        return out

    def probabilities(self, unit: str) -> tuple[np.ndarray, np.ndarray]:
        """The mix :meth:`sample` draws from, exactly: row indices of :attr:`leads` and
        their probabilities (own leads with weight ``w``, the unit type's with ``1 - w``)."""
        own, peers = self._members(unit)
        w = len(own) / (len(own) + MIX_PSEUDO_COUNT) if len(own) else 0.0
        idx = np.concatenate([own, peers])
        p = np.concatenate([np.full(len(own), w / max(len(own), 1)), np.full(len(peers), (1 - w) / len(peers))])
        return idx, p

    def templates(self, unit: str, n: int, rng: np.random.Generator | int | None = 0, *,
                  tilt: float = TEMPLATE_TILT) -> pd.DataFrame:
        """``n`` weighted leads of ``unit`` that stand for its whole mix (column ``weight``).

        The big leads are rare but decide the size tiers, so plain resampling of a few
        templates makes the tiers' forecast depend on the luck of the draw. Here the mix is
        tilted towards big leads (probability ∝ p · amount^``tilt``), then sampled
        *systematically* along the amounts (one template per ``1/n`` of the tilted mass, a
        single random offset), and each template carries the weight ``p / q`` that undoes
        the tilt. A weighted mean over the templates estimates the mix's mean of anything.
        """
        rng = np.random.default_rng(rng)
        idx, p = self.probabilities(unit)
        x = self.leads["investment_bn"].to_numpy(float)[idx]
        order = np.argsort(x, kind="stable")
        q = p * np.maximum(x, MIN_BN) ** tilt
        q = q / q.sum()
        cdf = np.cumsum(q[order])
        pos = (np.arange(n) + rng.random()) / n
        pick = order[np.minimum(np.searchsorted(cdf, pos * cdf[-1]), len(order) - 1)]
        out = self._as_leads_of(unit, idx[pick], rng)
        out["weight"] = p[pick] / q[pick]
        return out
