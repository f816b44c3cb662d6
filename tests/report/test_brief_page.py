"""The brief as a web page: escaped, in the report's language, with the Chinese glyphs it needs embedded."""
from __future__ import annotations

from forecasting.report.brief import assemble
from forecasting.report.brief_page import html_fragment, html_page


def test_html_page_and_fragment(brief_findings):
    b = assemble(brief_findings, as_of="2024Q1", language="zh")
    page = html_page(b, note="附注 <b>")
    assert page.startswith("<!doctype html><html lang='zh-CN'>")
    assert "<td>开工项目</td><td>20</td><td>4</td><td>8–15</td><td>&lt;1%</td>" in page
    assert "附注 &lt;b&gt;" in page  # escaped
    # Chinese without a system font: the charts' font, cut to the brief's characters, embedded
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    embedded = re.search(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert embedded, "no embedded CJK font"
    data = base64.b64decode(embedded.group(1))
    assert len(data) < 200_000  # a subset, not the 16 MB font
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    assert all(ord(ch) in cmap for ch in "开工项目全区简报附注")
    assert "@font-face" not in html_page(assemble(brief_findings, as_of="2024Q1", language="en"))
    frag = html_fragment(b, links=[("slides.pptx", "幻灯片")])
    assert frag.startswith("<section class='brief'>") and "<a href='slides.pptx'>幻灯片</a>" in frag
