"""One catalogue of every text the toolkit shows, in English and Chinese.

The texts live beside the code in ``forecasting/catalogue/<area>.toml``, one table per
text with an ``en`` and a ``zh`` string (``{placeholders}`` filled by :func:`text`)::

    [dashboard_heading]
    en = "The dashboard"
    zh = "目标看板"

A text's key is ``"<area>.<name>"`` (``"notebooks.dashboard_heading"``). The language is
the one :func:`forecasting.style.use_style` set last, unless ``language=`` says otherwise.
Notebooks show their headings and prose with :func:`show` (Markdown in Jupyter), so an
English run and a Chinese run execute the same cells and differ only in the catalogue.
"""
from __future__ import annotations

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
        from .style import language as current

        language = current()
    if language not in LANGUAGES:
        raise ValueError(f'language must be "en" or "zh", not {language!r}')
    area, _, name = key.partition(".")
    table = _area(area)
    if name not in table:
        raise KeyError(f"no text {name!r} in catalogue {area!r}")
    s = table[name][language]
    return s.format(**values) if values else s


def show(key: str, *, language: str | None = None, **values: object):
    """Display the text ``key`` as Markdown (a heading or paragraph of a notebook)."""
    from IPython.display import Markdown, display

    display(Markdown(text(key, language=language, **values)))
