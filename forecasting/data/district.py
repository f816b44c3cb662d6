"""The district: sectors, attraction units, leading companies and yearly targets (``district.toml``)."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Breach, DataError
from .quarters import is_quarter
from .vocabulary import STAGE_WORDS, fold
from .schema import ALL_STAGES, UNIT_TYPES


@dataclass(frozen=True)
class Unit:
    """An attraction unit: a branch, an innovation centre or the top-10 campaign."""

    id: str
    type: str
    label: str = ""
    label_zh: str = ""


@dataclass(frozen=True)
class Tier:
    """A size tier: projects signed in the year with investment in ``[min_bn, max_bn)``.

    Without ``max_bn`` the tier is cumulative ("X亿以上"); with it, a band.
    """

    name: str
    min_bn: float
    count: int
    max_bn: float | None = None

    def contains(self, investment_bn):
        """Whether an amount (scalar or array) falls in the tier."""
        inside = investment_bn >= self.min_bn
        if self.max_bn is not None:
            inside = inside & (investment_bn < self.max_bn)
        return inside


@dataclass(frozen=True)
class Targets:
    """One year's targets."""

    year: int
    groundbreakings: int
    provincial_major: int
    tiers: tuple[Tier, ...] = ()
    groundbreakings_min_bn: float = 0.0
    counted_at: str = "signed"

    @property
    def names(self) -> list[str]:
        """Target names as in ``targets.csv``: groundbreakings, tier_NAME…, provincial_major."""
        return ["groundbreakings", *(f"tier_{t.name}" for t in self.tiers), "provincial_major"]

    @property
    def goals(self) -> dict[str, int]:
        """Goal count per target name."""
        out = {"groundbreakings": self.groundbreakings}
        out.update({f"tier_{t.name}": t.count for t in self.tiers})
        out["provincial_major"] = self.provincial_major
        return out


@dataclass(frozen=True)
class District:
    """The contents of ``district.toml``."""

    name: str
    sectors: tuple[str, ...]
    units: tuple[Unit, ...]
    leading_companies: tuple[str, ...] = ()
    targets: dict[int, Targets] = field(default_factory=dict)
    #: sector id -> {"en": label, "zh": label_zh} from ``[sector_labels.X]``.
    sector_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: ``[aliases.units]``, ``[aliases.sectors]``, ``[aliases.stages]``: name -> id.
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    #: ``[confirmed_revisions]``: project id -> the quarter whose large revision is genuine.
    confirmed_revisions: dict[str, str] = field(default_factory=dict)

    @property
    def unit_ids(self) -> list[str]:
        return [u.id for u in self.units]

    def unit_label(self, unit_id: str, language: str = "en") -> str:
        """The unit's label in ``"en"`` or ``"zh"`` (falling back to the other, then the id)."""
        u = {x.id: x for x in self.units}[unit_id]
        first, second = (u.label_zh, u.label) if language == "zh" else (u.label, u.label_zh)
        return first or second or u.id

    def sector_label(self, sector: str, language: str = "en") -> str:
        """The sector's label in ``"en"`` or ``"zh"`` (falling back to the other, then the id)."""
        if sector not in self.sectors:
            raise KeyError(f"unknown sector {sector!r}")
        labels = self.sector_labels.get(sector, {})
        other = "en" if language == "zh" else "zh"
        return labels.get(language) or labels.get(other) or sector

    def names(self, kind: str) -> dict[str, str]:
        """Every name accepted for a unit or a sector (``kind`` ``"units"``/``"sectors"``) -> its id:
        labels in both languages, then the ``[aliases]`` table (ids themselves are not listed)."""
        out: dict[str, str] = {}
        if kind == "units":
            for u in self.units:
                out.update({n: u.id for n in (u.label, u.label_zh) if n})
        elif kind == "sectors":
            for s, labels in self.sector_labels.items():
                out.update({n: s for n in labels.values() if n})
        for name, target in self.aliases.get(kind, {}).items():
            out.setdefault(name, target)
        return out

    def unit_type(self, unit_id: str) -> str:
        return {u.id: u.type for u in self.units}[unit_id]

    def targets_for(self, year: int) -> Targets:
        """The targets of ``year``; a ``KeyError`` sentence naming the file when absent."""
        if year not in self.targets:
            have = ", ".join(str(y) for y in sorted(self.targets)) or "none"
            raise KeyError(
                f"district.toml has no [targets.{year}] table (targets exist for: {have}); "
                f"add one or choose another year"
            )
        return self.targets[year]


def read_district(path: Path | str, *, label: str = "district.toml") -> District:
    """Read and check ``district.toml``; raise :class:`DataError` listing every breach."""
    path = Path(path)
    breaches: list[Breach] = []

    def bad(column: str | None, message: str, expected: str | None = None) -> None:
        breaches.append(Breach(label, None, column, message, expected))

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError([Breach(label, None, None, "file is missing", "a district.toml")])
    except UnicodeDecodeError as exc:  # the codec's own words mean nothing to a planner
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise DataError([Breach(label, line, None, "is not UTF-8 text (saved as GBK/ANSI by an editor?)",
                                "district.toml saved as UTF-8 (in Notepad: Save as, Encoding UTF-8)")])
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+)", str(exc))
        line = int(at.group(1)) if at else None
        hint = quoted_key_hint(path.read_text(encoding="utf-8-sig"), line)
        raise DataError([Breach(label, line, None, f"is not valid TOML: {exc}",
                                f"a name with Chinese characters in quotes: {hint}" if hint else "TOML")])

    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        bad("name", "missing or empty", "a text name")
    sectors = raw.get("sectors")
    if not isinstance(sectors, list) or not sectors or not all(isinstance(s, str) for s in sectors):
        bad("sectors", "missing or not a list of names", "a list of sector names")
        sectors = []
    elif len(set(sectors)) != len(sectors):
        bad("sectors", "repeats a sector", "unique sector names")

    units: list[Unit] = []
    raw_units = raw.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        bad("units", "no [[units]] tables", "at least one unit")
        raw_units = []
    for i, u in enumerate(raw_units, start=1):
        if not isinstance(u, dict):
            bad(f"units[{i}]", "is not a table", "a [[units]] table")
            continue
        uid, utype = u.get("id"), u.get("type")
        if not isinstance(uid, str) or not uid:
            bad(f"units[{i}].id", "missing", "a unit id")
            continue
        if utype not in UNIT_TYPES:
            bad(f"units[{i}].type", f"unknown unit type {utype!r}", " or ".join(UNIT_TYPES))
            continue
        units.append(Unit(uid, utype, str(u.get("label", "")), str(u.get("label_zh", ""))))
    ids = [u.id for u in units]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        bad("units", f"unit id {dup!r} appears more than once", "unique unit ids")
    _shared_names("units", {u.id: (u.label, u.label_zh) for u in units}, bad)

    companies = raw.get("leading_companies", [])
    if not isinstance(companies, list) or not all(isinstance(c, str) for c in companies):
        bad("leading_companies", "not a list of names", "a list of company names")
        companies = []

    targets: dict[int, Targets] = {}
    raw_targets = raw.get("targets", {})
    if not isinstance(raw_targets, dict):
        bad("targets", "is not a table", "[targets.YYYY] tables")
        raw_targets = {}
    for key, t in raw_targets.items():
        col = f"targets.{key}"
        if not str(key).isdigit() or len(str(key)) != 4:
            bad(col, f"{key!r} is not a year", "[targets.YYYY]")
            continue
        if not isinstance(t, dict):
            bad(col, "is not a table", "a table of targets")
            continue
        parsed = _targets(int(key), t, col, bad)
        if parsed is not None:
            targets[int(key)] = parsed

    sector_labels = _sector_labels(raw.get("sector_labels", {}), sectors, bad)
    _shared_names("sectors", {x: tuple(sector_labels.get(x, {}).values()) for x in sectors}, bad)
    aliases = _aliases(raw.get("aliases", {}), {"units": ids, "sectors": list(sectors),
                                                 "stages": list(ALL_STAGES)}, bad)
    _alias_clashes(aliases, {"units": {u.id: (u.label, u.label_zh) for u in units},
                             "sectors": {x: (x, *sector_labels.get(x, {}).values()) for x in sectors},
                             "stages": {s: () for s in ALL_STAGES}}, bad)
    confirmed = raw.get("confirmed_revisions", {})
    if not isinstance(confirmed, dict) or not all(isinstance(v, str) and is_quarter(v.upper())
                                                  for v in confirmed.values()):
        bad("confirmed_revisions", "is not a table of project id = quarter",
            '[confirmed_revisions] with lines such as "HL2301905" = "2024Q1"')
        confirmed = {}

    if breaches:
        raise DataError(breaches)
    return District(str(name), tuple(sectors), tuple(units), tuple(companies), targets, sector_labels, aliases,
                    {str(k): v.upper() for k, v in confirmed.items()})


def _shared_names(kind: str, labels: dict[str, tuple[str, ...]], bad) -> None:
    """A name (id or label, folded) of more than one unit or sector is a breach: a ledger
    naming it would be given to one of them without a word."""
    named: dict[str, set[str]] = {}
    for i, texts in labels.items():
        for n in {fold(x) for x in (i, *texts) if x}:
            named.setdefault(n, set()).add(i)
    for n, who in sorted(named.items()):
        if len(who) > 1:
            bad(kind, f"{n!r} is the id or label of more than one {kind[:-1]} ({', '.join(sorted(who))})",
                f"labels of one {kind[:-1]} only, so that the ledger's names tell them apart")


_TABLE_LINE = re.compile(r"^\s*(\[{1,2})([^\]\"']*)(\]{1,2})\s*(#.*)?$")
_KEY_LINE = re.compile(r"^\s*([^=\"'\[\s][^=\"']*?)\s*=")


def quoted_key_hint(text: str, line: int | None) -> str | None:
    """The line of a TOML syntax error with its bare non-ASCII names quoted
    (``[effort.光伏分局]`` -> ``[effort."光伏分局"]``, ``光伏 = "x"`` -> ``"光伏" = "x"``),
    when that is what is wrong; else ``None``."""
    lines = text.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return None
    written = lines[line - 1]
    m = _TABLE_LINE.match(written)
    if m and not m.group(2).isascii():
        parts = [p.strip() for p in m.group(2).split(".")]
        return m.group(1) + ".".join(p if p.isascii() else f'"{p}"' for p in parts) + m.group(3)
    m = _KEY_LINE.match(written)
    if m and not m.group(1).isascii():
        return f'"{m.group(1)}"' + written[m.end(1):].rstrip()
    return None


def _alias_clashes(aliases: dict[str, dict[str, str]], names: dict[str, dict[str, tuple[str, ...]]], bad) -> None:
    """An alias that is already the id or label of another unit or sector (or another stage's
    code or Chinese word) is a breach: the ledger's name would keep its first meaning and the
    alias would be ignored without a word."""
    for kind, table in aliases.items():
        taken = {fold(n): code for code, texts in names[kind].items() for n in (code, *texts) if n}
        if kind == "stages":
            taken.update({fold(w): code for w, code in STAGE_WORDS.items()})
        for name, target in table.items():
            other = taken.get(fold(name))
            if other is not None and other != target:
                bad(f"aliases.{kind}", f"{name!r} maps to {target!r} but is already the name of {other!r}",
                    f"an alias that is not the id or label of another {kind[:-1]} (rename the "
                    f"{kind[:-1]}, or leave the alias out)")


def _sector_labels(raw: Any, sectors: list[str], bad) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        bad("sector_labels", "is not a table", "[sector_labels.SECTOR] tables with label and label_zh")
        return {}
    out: dict[str, dict[str, str]] = {}
    for s, t in raw.items():
        if s not in sectors:
            bad(f"sector_labels.{s}", f"{s!r} is not one of sectors", "one of " + ", ".join(sectors))
            continue
        if not isinstance(t, dict) or not all(isinstance(t.get(k, ""), str) for k in ("label", "label_zh")):
            bad(f"sector_labels.{s}", "is not a table of label and label_zh texts", 'label = "…", label_zh = "…"')
            continue
        out[s] = {k: v for k, v in (("en", t.get("label", "")), ("zh", t.get("label_zh", ""))) if v}
    return out


def _aliases(raw: Any, ids: dict[str, list[str]], bad) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        bad("aliases", "is not a table", "[aliases.units], [aliases.sectors] or [aliases.stages] tables")
        return {}
    out: dict[str, dict[str, str]] = {}
    for kind, table in raw.items():
        if kind not in ids:
            bad(f"aliases.{kind}", "is not a table of aliases", "[aliases.units], [aliases.sectors] or "
                "[aliases.stages]")
            continue
        if not isinstance(table, dict):
            bad(f"aliases.{kind}", "is not a table", '"a name" = "an id" lines')
            continue
        out[kind] = {}
        for name, target in table.items():
            if target not in ids[kind]:
                bad(f"aliases.{kind}", f"{name!r} maps to {target!r}, which is not a known id",
                    "one of " + ", ".join(ids[kind]))
                continue
            out[kind][str(name)] = target
    return out


def _number(v: Any) -> Any:
    """A number written by hand: ``20.0`` is 20, and so is ``"20"`` (a number in quotes)."""
    if isinstance(v, str):
        try:
            v = float(unicodedata.normalize("NFKC", v).strip().replace(",", ""))
        except ValueError:
            return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _count(t: dict[str, Any], key: str, col: str, bad, *, default: Any = None) -> Any:
    v = _number(t.get(key, default))
    if v is None:
        bad(f"{col}.{key}", "missing", "a whole number ≥ 0")
    elif isinstance(v, bool) or not isinstance(v, int) or v < 0:
        bad(f"{col}.{key}", f"{v!r} is not a whole number ≥ 0", "a whole number ≥ 0")
        return None
    return v


def _amount(t: dict[str, Any], key: str, col: str, bad, *, default: Any = None) -> Any:
    v = _number(t.get(key, default))
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        bad(f"{col}.{key}", f"{v!r} is not an amount ≥ 0", "billion CNY ≥ 0")
        return None
    return float(v)


def _targets(year: int, t: dict[str, Any], col: str, bad) -> Targets | None:
    gb = _count(t, "groundbreakings", col, bad)
    pm = _count(t, "provincial_major", col, bad)
    gb_min = _amount(t, "groundbreakings_min_bn", col, bad, default=0.0)
    counted_at = t.get("counted_at", "signed")
    if counted_at != "signed":
        bad(f"{col}.counted_at", f"{counted_at!r} is not supported", '"signed"')
    tiers: list[Tier] = []
    raw_tiers = t.get("tiers", [])
    if not isinstance(raw_tiers, list):
        bad(f"{col}.tiers", "is not a list of tables", "[[targets.YYYY.tiers]]")
        raw_tiers = []
    for i, tier in enumerate(raw_tiers, start=1):
        tcol = f"{col}.tiers[{i}]"
        if not isinstance(tier, dict):
            bad(tcol, "is not a table", "a tier table")
            continue
        name = tier.get("name")
        if not isinstance(name, str) or not name or not name.replace("_", "").isalnum():
            bad(f"{tcol}.name", f"{name!r} is not a usable tier name", "letters, digits and _")
            continue
        lo = _amount(tier, "min_bn", tcol, bad)
        hi = _amount(tier, "max_bn", tcol, bad)
        n = _count(tier, "count", tcol, bad)
        if lo is None:
            if "min_bn" not in tier:  # a bad one is already reported
                bad(f"{tcol}.min_bn", "missing", "billion CNY ≥ 0")
            continue
        if hi is not None and hi <= lo:
            bad(f"{tcol}.max_bn", f"{hi} is not above min_bn {lo}", "max_bn > min_bn")
            continue
        if n is None:
            continue
        tiers.append(Tier(name, lo, n, hi))
    names = [x.name for x in tiers]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        bad(f"{col}.tiers", f"tier name {dup!r} appears more than once", "unique tier names")
    if gb is None or pm is None or gb_min is None:
        return None
    return Targets(year, gb, pm, tuple(tiers), gb_min, counted_at)
