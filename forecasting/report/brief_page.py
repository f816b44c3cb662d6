"""The brief as a web page: its HTML, its style sheet, and the Chinese font embedded in it.

:func:`html_fragment` is the brief (:class:`~forecasting.report.brief.Brief`) as the front of
the report's ``index.html``, :func:`html_page` the brief alone (``brief.html``, which
:func:`~forecasting.report.pdf.print_pdf` prints to ``brief.pdf``); :func:`css` styles both
and embeds the CJK glyphs they need (:func:`cjk_face`).
"""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from .brief import Brief


def cjk_font_file() -> Path | None:
    """The Noto Sans CJK SC file shipped by ``mplfonts`` (the charts' Chinese font), if any."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - installed with the toolkit
        return None
    found = sorted((Path(mplfonts.__file__).parent / "fonts").glob("NotoSansCJKsc-Regular.*"))
    return found[0] if found else None


def _cjk(text: str) -> str:
    return "".join(sorted({ch for ch in text if ord(ch) >= 0x2E80}))


def cjk_face(text: str) -> str:
    """An ``@font-face`` rule for the family ``'Brief CJK'``: Noto Sans CJK SC (the charts'
    Chinese font, from ``mplfonts``) cut down to the CJK characters of ``text`` and embedded
    as a data URI (a few kB), so the page shows Chinese without a system font, on any
    machine it is mailed to, and Chromium has the glyphs before it prints. ``""`` when
    ``text`` has no CJK character or there is no font."""
    chars = _cjk(text)
    if not chars:
        return ""
    data = _subset(chars)
    if data is None:
        return ""
    import base64

    return ("@font-face{font-family:'Brief CJK';font-display:block;"
            f"src:url(data:font/otf;base64,{base64.b64encode(data).decode()}) format('opentype');}}\n")


@lru_cache(maxsize=8)
def _subset(chars: str) -> bytes | None:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = cjk_font_file()
    if path is None:  # pragma: no cover - mplfonts comes with the toolkit
        return None
    font = TTFont(str(path), lazy=True)
    cut = subset.Subsetter(subset.Options())
    cut.populate(text=chars)
    cut.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def css(text: str = "") -> str:
    """The brief's style sheet: one A4 page when printed; the CJK characters of ``text``
    in the charts' Chinese font (:func:`cjk_face`). That font comes first in the list: it
    holds only CJK glyphs, so Latin text falls through to the next; listed after the
    system fonts, headless Chromium drew some Chinese runs as empty boxes."""
    face = cjk_face(text)
    return face + """
.brief{font-family:'Brief CJK',system-ui,-apple-system,"Segoe UI","DejaVu Sans","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
color:#222;line-height:1.35}
.brief h1{font-size:1.55rem;margin:0 0 .2rem}.brief .sub{color:#555;margin:0 0 .6rem}
.brief h2{font-size:1.05rem;margin:.8rem 0 .3rem;border-bottom:1px solid #ddd;padding-bottom:.15rem}
.brief table{border-collapse:collapse;font-size:.92rem}
.brief th,.brief td{padding:.18rem .7rem;border-bottom:1px solid #eee;text-align:right}
.brief th:first-child,.brief td:first-child{text-align:left}
.brief th{background:#f3f6fa;white-space:nowrap}.brief td{white-space:nowrap}
.brief p.foot{margin:.1rem 0 0;color:#666;font-size:.82rem}
.brief ul{margin:.2rem 0;padding-left:1.2rem}.brief li{margin:.12rem 0;font-size:.92rem}
.brief p.line{margin:.25rem 0;font-size:.92rem}
.brief .missing{color:#888;font-style:italic}
.brief .note{color:#777;font-size:.8rem;margin-top:.8rem}
.brief .links a{margin-right:1.2rem}
@page{size:A4;margin:14mm}
@media print{.brief .links{display:none}}
"""


def html_fragment(brief: Brief, *, links: list[tuple[str, str]] | None = None, note: str = "") -> str:
    """The brief as an HTML ``<section class="brief">`` (the front of ``index.html``).

    ``links`` are (href, text) pairs shown under the title (the PDF, the slides); ``note``
    an extra line (say, why there is no PDF)."""
    esc = html.escape
    parts = [f"<section class='brief'><h1>{esc(brief.title)}</h1><p class='sub'>{esc(brief.subtitle)}</p>"]
    if links:
        parts.append("<p class='links'>" + "".join(f"<a href='{esc(h)}'>{esc(t)}</a>" for h, t in links) + "</p>")
    for s in brief.sections:
        parts.append(f"<h2>{esc(s.heading)}</h2>")
        if s.rows:
            parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in s.header) + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in s.rows]
            parts.append("</tbody></table>")
        if s.key == "targets" or not s.available:
            parts += [f"<p class='line{'' if s.available else ' missing'}'>{esc(x)}</p>" for x in s.lines]
        else:
            parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in s.lines) + "</ul>")
        if s.footnote:
            parts.append(f"<p class='foot'>{esc(s.footnote)}</p>")
    if note:
        parts.append(f"<p class='note'>{esc(note)}</p>")
    parts.append(f"<p class='note'>{esc(brief.note)}</p></section>")
    return "".join(parts)


def html_page(brief: Brief, *, links: list[tuple[str, str]] | None = None, note: str = "") -> str:
    """The brief alone as a page (``brief.html``, printed to ``brief.pdf``)."""
    lang = "zh-CN" if brief.language == "zh" else "en"
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(brief.title)}</title>"
            f"<style>body{{margin:0 auto;max-width:60rem;padding:1rem}}{css(brief.text() + note)}</style></head><body>"
            f"{html_fragment(brief, links=links, note=note)}</body></html>\n")


__all__ = ["cjk_face", "cjk_font_file", "css", "html_fragment", "html_page"]
