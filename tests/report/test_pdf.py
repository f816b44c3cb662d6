"""Printing the brief to PDF with headless Chromium, and saying why when it cannot."""
from __future__ import annotations

import pytest

from forecasting.report.brief import assemble
from forecasting.report.brief_page import html_page
from forecasting.report.pdf import PdfError, find_chromium, print_pdf


def test_print_pdf_without_a_browser_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    page = tmp_path / "b.html"
    page.write_text("<p>x</p>")
    with pytest.raises(PdfError, match="no Chromium browser was found"):
        print_pdf(page, tmp_path / "b.pdf")
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(PdfError, match=r"exit 3\): broken"):
        print_pdf(page, tmp_path / "b.pdf", chromium=str(fake))


def test_chinese_pdf_draws_every_chinese_character_in_the_cjk_font(brief_findings, tmp_path):
    """Printed by headless Chromium, each Chinese character of the brief is drawn in the
    embedded Noto Sans CJK (a character drawn in another font shows as an empty box: no
    CJK font is installed system-wide here)."""
    if find_chromium() is None:
        pytest.skip("no Chromium found (install Debian's chromium or set CHROMIUM)")
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed (pip install pypdfium2)")
    import ctypes

    import pypdfium2.raw as raw

    page = tmp_path / "brief.html"
    page.write_text(html_page(assemble(brief_findings, as_of="2024Q1", language="zh")), encoding="utf-8")
    pdf = pdfium.PdfDocument(str(print_pdf(page, tmp_path / "brief.pdf")))
    assert len(pdf) == 1
    textpage = pdf[0].get_textpage()
    text = textpage.get_text_range()
    assert "招商目标简报" in text and "开工项目" in text
    fonts, buf, flags = {}, ctypes.create_string_buffer(256), ctypes.c_int()
    for i in range(textpage.count_chars()):
        ch = chr(raw.FPDFText_GetUnicode(textpage, i))
        if ord(ch) >= 0x2E80:
            raw.FPDFText_GetFontInfo(textpage, i, buf, 256, ctypes.byref(flags))
            fonts.setdefault(buf.value.decode(), []).append(ch)
    # Chromium embeds the data-URI font without a /BaseFont (pdfium names it ""); what must
    # not happen is a named system font such as DejaVuSans drawing Chinese (as empty boxes)
    assert fonts and all(name == "" or "CJK" in name for name in fonts), {k: "".join(v[:20]) for k, v in fonts.items()}
    pdf.close()
