"""One catalogue of every text the toolkit shows, in English and Chinese.

The texts live beside the code in ``forecasting/catalogue/<area>.toml``, one table per
text with an ``en`` and a ``zh`` string (``{placeholders}`` filled by :func:`text`)::

    [dashboard_heading]
    en = "The dashboard"
    zh = "目标看板"

A text's key is ``"<area>.<name>"`` (``"notebooks.dashboard_heading"``). The language is
the one :func:`forecasting.report.style.use_style` set last, unless ``language=`` says otherwise.
Notebooks show their headings and prose with :func:`show` (Markdown in Jupyter), so an
English run and a Chinese run execute the same cells and differ only in the catalogue.
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("catalogue")
LANGUAGES = ("en", "zh")


@lru_cache(maxsize=None)
def _area(area: str) -> dict[str, dict[str, str]]:
    path = CATALOGUE / f"{area}.toml"
    if not path.is_file():
        raise KeyError(f"no text catalogue {area!r} (looked for {path})")
    with path.open("rb") as fh:
        table = tomllib.load(fh)
    for name, entry in table.items():
        missing = [lang for lang in LANGUAGES if not isinstance(entry, dict) or not isinstance(entry.get(lang), str)]
        if missing:
            raise ValueError(f"{path.name}: text {name!r} has no {' or '.join(missing)} string")
    return table


def areas() -> list[str]:
    """Every catalogue area (file) there is."""
    return sorted(p.stem for p in CATALOGUE.glob("*.toml"))


def entries(area: str) -> dict[str, dict[str, str]]:
    """Every text of one area: name -> {"en": …, "zh": …}."""
    return dict(_area(area))


def text(key: str, *, language: str | None = None, **values: object) -> str:
    """The text ``key`` (``"area.name"``) in ``language`` (default: the current style's),
    with ``{placeholders}`` filled from ``values``. An unknown key is an error."""
    if language is None:
        language = _LANG["language"]
    if language not in LANGUAGES:
        raise ValueError(f'language must be "en" or "zh", not {language!r}')
    area, _, name = key.partition(".")
    table = _area(area)
    if name not in table:
        raise KeyError(f"no text {name!r} in catalogue {area!r}")
    s = table[name][language]
    return s.format(**values) if values else s


def count(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its English noun, singular for one: ``count(1, "quarter")`` is
    "1 quarter", ``count(2000, "project")`` "2,000 projects" (``plural`` for an irregular one).

    Examples
    --------
    >>> count(1, "quarter"), count(21, "quarter"), count(0, "signing"), count(1, "person", "people")
    ('1 quarter', '21 quarters', '0 signings', '1 person')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def show(key: str, *, language: str | None = None, **values: object):
    """Display the text ``key`` as Markdown (a heading or paragraph of a notebook)."""
    from IPython.display import Markdown, display

    display(Markdown(text(key, language=language, **values)))


_LANG: dict[str, str] = {"language": "en"}


def set_language(language: str) -> None:
    """Set the report's language (``"en"`` or ``"zh"``): the default of :func:`text`, :func:`t`
    and :func:`target_label`. :func:`forecasting.report.style.use_style` calls it."""
    if language not in LANGUAGES:
        raise ValueError(f'language must be "en" or "zh", not {language!r}')
    _LANG["language"] = language


def language() -> str:
    """The report's language, as :func:`set_language` (or :func:`~forecasting.report.style.use_style`) set it last (``"en"`` or ``"zh"``)."""
    return _LANG["language"]


def _labels() -> dict[str, tuple[str, str]]:
    return {k: (v["en"], v["zh"]) for k, v in entries("labels").items()}


#: Labels in both languages, from the catalogue ``forecasting/catalogue/labels.toml``;
#: ``t("signed")`` gives the current language's. A label may hold ``{placeholders}`` that
#: :func:`t` fills from its keyword arguments.
LABELS: dict[str, tuple[str, str]] = _labels()

_TIER = re.compile(r"^(\d+(?:\.\d+)?)\s*bn$", re.IGNORECASE)


def t(key: str, *, language: str | None = None, **values: object) -> str:
    """A label in ``language`` (default: the current style's), with ``{placeholders}``
    filled from ``values``.

    An unknown key comes back as it is: a district's own names (project names, unit labels,
    a sector the table does not know) are shown as the ledger writes them.

    Examples
    --------
    >>> set_language("en")
    >>> t("title_funnel", n=12)
    '12 open projects in the pipeline'
    >>> t("Lingxin battery cell plant")
    'Lingxin battery cell plant'
    """
    if key.startswith("tier_"):
        return target_label(key, language=language)
    en, zh = LABELS.get(key, (key, key))
    text = zh if (language or _LANG["language"]) == "zh" else en
    return text.format(**values) if values else text


def target_label(name: str, *, language: str | None = None) -> str:
    """The display name of a target (``targets.csv``'s ``target`` column) in ``language``
    (default: the current style's).

    ``groundbreakings``, ``provincial_major`` and ``all`` have fixed names; ``tier_NAME``
    reads an amount in its name (``tier_10bn`` → "10 bn signings", "100亿级签约项目"),
    and any other tier name is shown as written.

    Examples
    --------
    >>> set_language("en")
    >>> [target_label(n) for n in ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"]]
    ['Groundbreakings', '10 bn signings', '5 bn signings', 'Provincial major projects', 'All targets']
    """
    if not name.startswith("tier_"):
        return t(name, language=language)
    tier = name[5:]
    zh = (language or _LANG["language"]) == "zh"
    m = _TIER.match(tier)
    if m:
        bn = float(m.group(1))
        return f"{bn * 10:g}亿级签约项目" if zh else f"{bn:g} bn signings"
    return f"{tier}签约项目" if zh else f"Signings, {tier}"
