"""What a what-if is judged by: one objective type for the allocator, the response curves,
the tornado, the project ranking and the explorer.

A target the district cannot reach makes P(all targets met) flat at zero, and then every
lever looks worthless exactly when a planner most needs to know where the next
groundbreakings can come from. So an :class:`Objective` takes one of four forms:

* ``p_meet`` — the chance one target (or ``"all"``) is met;
* ``expected_count`` — the expected year-end count of one target;
* ``expected_shortfall`` — Σ weight × E[max(goal − count, 0)] over the targets (lower is better);
* ``p_at_least`` — P(count ≥ k) for one target.

Every form is the mean of a value per simulated year (:meth:`Objective.per_year`), so its
Monte Carlo error and the paired error of a change come from the same clustered formula
(:func:`forecasting.forecast.contract.mc_se`) as ``targets.csv``'s ``p_meet_mc_se``.
:func:`default_objective` picks P(all targets met) when it is at least 5 %, otherwise the
expected shortfall, and says why; :func:`objective_label` names an objective (or its key) in
the report's language for every chart, table, explorer and brief that shows one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Mapping

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..simulation.portfolio import PortfolioSimulation

Kind = Literal["p_meet", "expected_count", "expected_shortfall", "p_at_least"]
KINDS: tuple[str, ...] = ("p_meet", "expected_count", "expected_shortfall", "p_at_least")

#: P(all targets met) below this makes the default objective the expected shortfall.
DEFAULT_P_ALL_FLOOR = 0.05


@dataclass(frozen=True)
class Objective:
    """One objective over simulated years.

    Parameters
    ----------
    kind : one of :data:`KINDS`.
    target : the target (``targets.csv``'s ``target``) for ``p_meet`` (or ``"all"``),
        ``expected_count`` and ``p_at_least``; ignored for ``expected_shortfall``.
    k : the count for ``p_at_least``.
    weights : target -> weight for ``expected_shortfall`` (default 1 for every target).
    """

    kind: Kind = "p_meet"
    target: str = "all"
    k: int | None = None
    weights: Mapping[str, float] | None = field(default=None, hash=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"objective kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind == "p_at_least" and self.k is None:
            raise ValueError("a p_at_least objective needs k (P(count >= k))")
        if self.kind in ("expected_count", "p_at_least") and self.target == "all":
            raise ValueError(f"a {self.kind} objective needs one target, not 'all'")

    @property
    def sign(self) -> int:
        """+1 when larger is better, -1 when smaller is (the shortfall)."""
        return -1 if self.kind == "expected_shortfall" else 1

    @property
    def is_probability(self) -> bool:
        return self.kind in ("p_meet", "p_at_least")

    def per_year(self, sim: "PortfolioSimulation") -> np.ndarray:
        """The objective's value in each simulated year (its mean is the objective)."""
        goals = sim.history.district.targets_for(sim.year).goals
        return self.of_counts(sim.counts[sim.names].to_numpy(), sim.names, goals)

    def of_counts(self, counts: np.ndarray, names: list[str], goals: Mapping[str, int]) -> np.ndarray:
        """The objective's value for counts given as an array whose last axis is ``names``
        (one value per simulated year, or per year and changed project, and so on)."""
        counts = np.asarray(counts)
        if self.kind == "p_meet":
            if self.target == "all":
                met = np.ones(counts.shape[:-1], bool)
                for j, name in enumerate(names):
                    met &= counts[..., j] >= goals[name]
                return met.astype(float)
            j = self._column(names)
            return (counts[..., j] >= goals[self.target]).astype(float)
        if self.kind == "expected_count":
            return counts[..., self._column(names)].astype(float)
        if self.kind == "p_at_least":
            return (counts[..., self._column(names)] >= int(self.k)).astype(float)
        w = self.weights or {}
        unknown = sorted(set(w) - set(names))
        if unknown:
            raise ValueError(f"shortfall weights name targets the year does not have: {', '.join(unknown)}")
        total = np.zeros(counts.shape[:-1])
        for j, name in enumerate(names):
            total += float(w.get(name, 1.0)) * np.maximum(goals[name] - counts[..., j].astype(float), 0.0)
        return total

    def _column(self, names: list[str]) -> int:
        if self.target not in names:
            raise ValueError(f"no target {self.target!r}; targets: {', '.join(names)}")
        return list(names).index(self.target)

    def value(self, sim: "PortfolioSimulation") -> tuple[float, float]:
        """The objective and its Monte Carlo standard error."""
        from ..forecast.contract import mc_se

        v = self.per_year(sim)
        return float(v.mean()), mc_se(v, sim.clusters, sim.template_sets)

    def gain(self, sim: "PortfolioSimulation", reference: "PortfolioSimulation") -> tuple[float, float]:
        """How much better ``sim`` is than ``reference`` (in the objective's own units, signed so
        that positive is better) and the Monte Carlo error of that paired difference. Both
        must be runs of one simulator (common random numbers)."""
        from ..forecast.contract import mc_se

        a, b = self.per_year(sim), self.per_year(reference)
        if a.shape != b.shape:
            raise ValueError("gain compares two runs of the same simulator (same simulated years)")
        diff = self.sign * (a - b)
        return float(diff.mean()), mc_se(diff, sim.clusters, sim.template_sets)

    def score(self, sim: "PortfolioSimulation") -> float:
        """The objective signed so that larger is better (for maximisers)."""
        return self.sign * self.value(sim)[0]

    @property
    def key(self) -> str:
        """The CLI spelling (:func:`parse_objective` reads it back)."""
        if self.kind == "p_meet":
            return "all" if self.target == "all" else f"p_meet:{self.target}"
        if self.kind == "expected_count":
            return f"count:{self.target}"
        if self.kind == "p_at_least":
            return f"at_least:{self.target}:{self.k}"
        return "shortfall"


def parse_objective(text: str, weights: Mapping[str, float] | None = None) -> Objective:
    """Read the CLI's ``--objective``: ``all``, ``p_meet:TARGET``, ``count:TARGET``,
    ``shortfall`` or ``at_least:TARGET:K``."""
    parts = str(text).strip().split(":")
    head = parts[0].lower()
    try:
        if head == "all" and len(parts) == 1:
            return Objective("p_meet", "all")
        if head == "p_meet" and len(parts) == 2:
            return Objective("p_meet", parts[1])
        if head == "count" and len(parts) == 2:
            return Objective("expected_count", parts[1])
        if head == "shortfall" and len(parts) == 1:
            return Objective("expected_shortfall", weights=weights)
        if head == "at_least" and len(parts) == 3:
            return Objective("p_at_least", parts[1], k=int(parts[2]))
    except ValueError as e:
        raise ValueError(f"objective {text!r}: {e}") from None
    raise ValueError(f"objective {text!r} is not one of: all, p_meet:TARGET, count:TARGET, shortfall, "
                     "at_least:TARGET:K")


def default_objective(sim: "PortfolioSimulation") -> tuple[Objective, str]:
    """P(all targets met) when it is at least :data:`DEFAULT_P_ALL_FLOOR`, otherwise the
    expected shortfall against the goals; with the reason in a sentence (English; the
    report's catalogue has the translations, keyed by the objective's ``key``)."""
    p_all, _ = Objective("p_meet", "all").value(sim)
    if p_all >= DEFAULT_P_ALL_FLOOR:
        return Objective("p_meet", "all"), (
            f"P(all targets met) is {p_all:.0%}, at least {DEFAULT_P_ALL_FLOOR:.0%}, so moves are judged by it")
    return Objective("expected_shortfall"), (
        f"P(all targets met) is {p_all:.1%}, below {DEFAULT_P_ALL_FLOOR:.0%}: it barely moves whatever is done, "
        "so moves are judged by the expected shortfall against the goals (lower is better)")


# --------------------------------------------------------------------------- naming the objective
def target_phrase(target: str, language: str | None = None) -> str:
    """A target's display name in ``language`` (as :func:`~forecasting.report.style.target_label`
    names it), lower-cased in English for use inside a phrase."""
    import re

    from ..texts import LABELS, language as current

    lang = language or current()
    if target in LABELS:
        name = LABELS[target][1 if lang == "zh" else 0]
    elif target.startswith("tier_"):
        tier = target[5:]
        m = re.match(r"^(\d+(?:\.\d+)?)\s*bn$", tier, re.IGNORECASE)
        if m:
            bn = float(m.group(1))
            name = f"{bn * 10:g}亿级签约项目" if lang == "zh" else f"{bn:g} bn signings"
        else:
            name = f"{tier}签约项目" if lang == "zh" else f"Signings, {tier}"
    else:
        name = target
    return name[:1].lower() + name[1:] if lang == "en" else name


def objective_label(objective: "Objective | str | None", language: str | None = None) -> str:
    """The objective in words, for a chart's title, a table's heading, the explorer or the brief.

    Parameters
    ----------
    objective : an :class:`Objective`, or its key (:attr:`Objective.key`: ``"all"``,
        ``"shortfall"``, ``"p_meet:TARGET"``, ``"count:TARGET"``, ``"at_least:TARGET:K"``),
        or ``"counted"`` (the attention list's expected target-counted events); ``None``
        is ``"all"``. Any other text is taken to be a label already and returned as it is.
    language : ``"en"`` or ``"zh"`` (default: the report's, :func:`forecasting.texts.language`).

    Examples
    --------
    >>> objective_label(parse_objective("at_least:groundbreakings:15"), language="en")
    'P(groundbreakings ≥ 15)'
    >>> objective_label("shortfall", language="zh")
    '距目标的预期缺口'
    >>> objective_label("p_meet:tier_5bn", "en"), objective_label("my own words", "en")
    ('P(5 bn signings met)', 'my own words')
    """
    from ..texts import text

    if objective is None:
        objective = "all"
    if isinstance(objective, str):
        if objective == "counted":
            return text("whatif.objective_counted", language=language)
        try:
            objective = parse_objective(objective)
        except ValueError:
            return objective
    if objective.kind == "p_meet" and objective.target == "all":
        return text("whatif.objective_p_meet_all", language=language)
    if objective.kind == "expected_shortfall":
        return text("whatif.objective_expected_shortfall", language=language)
    return text(f"whatif.objective_{objective.kind}", language=language,
                target=target_phrase(objective.target, language), k=objective.k)

