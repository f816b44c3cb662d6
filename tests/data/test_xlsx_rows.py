"""The lxml reading of a worksheet gives, cell for cell, what openpyxl's read-only reader gives."""
from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.reader.excel import ExcelReader

from forecasting.data.cells import read_sheets
from forecasting.data.xlsx_rows import date_styles, sheet_rows

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def both(path: Path) -> tuple[list[tuple], list[tuple]]:
    """The first sheet's rows as openpyxl gives them, and as :func:`sheet_rows` gives them."""
    reader = ExcelReader(path, read_only=True, data_only=True)
    reader.read()
    wb = reader.wb
    ws = wb.worksheets[0]
    ws.reset_dimensions()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [tuple(r) for r in ws.iter_rows(values_only=True)]
        ours = list(sheet_rows(reader.archive.read("xl/worksheets/sheet1.xml"), reader.shared_strings,
                               *date_styles(reader.archive), wb.epoch))
    wb.close()
    return theirs, ours


def workbook(tmp_path: Path, sheet_data: str, shared: list[str] | None = None) -> Path:
    """A workbook whose first sheet is ``<sheetData>`` as given (style 1 is a date format, style 2
    a duration), with the shared strings as given (raw ``<si>`` contents)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = "x", dt.date(2024, 1, 5), dt.timedelta(hours=3)
    ws["A2"].number_format, ws["A3"].number_format = "yyyy-mm-dd", "[h]:mm:ss"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    out = tmp_path / "book.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = f"<worksheet {NS}><sheetData>{sheet_data}</sheetData></worksheet>".encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="'
                                    b'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                    b'sharedStrings"/></Relationships>')
            dst.writestr(item, data)
        dst.writestr("xl/sharedStrings.xml", f'<sst {NS} count="{len(shared or [])}">'
                     + "".join(f"<si>{s}</si>" for s in shared or []) + "</sst>")
    return out


@pytest.mark.parametrize("name", ["2023Q3.xlsx", "2024Q1.xlsx"])
def test_the_bundled_workbooks_read_the_same(name):
    theirs, ours = both(ROOT / "data" / "ledger" / name)
    assert len(theirs) > 2000 and ours == theirs


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path):
    shared = ["<t>plain</t>", "<r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r>",
              "<t>漢字</t><rPh sb=\"0\" eb=\"1\"><t>かんじ</t></rPh>", "<t>a_x005F_b</t>", "<t/>"]
    data = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>'
        '<row r="2"><c r="A2"><v>42</v></c><c r="B2"><v>1.5</v></c><c r="C2"><v>1E3</v></c>'
        '<c r="D2" s="1"><v>45296</v></c><c r="E2" s="1"><v>45296.75</v></c><c r="F2" s="2"><v>0.125</v></c>'
        '<c r="G2" s="0"><v>7</v></c></row>'
        # no row 3: an empty row; cells without references follow the previous one
        '<row r="4"><c t="b"><v>1</v></c><c t="b"><v>0</v></c><c r="E4" t="e"><v>#N/A</v></c>'
        '<c t="str"><f>A1&amp;"x"</f><v>plainx</v></c><c><f>SUM(A2:B2)</f></c></row>'
        # a row without its number; inline strings, one with runs; a comment
        '<row><c r="B5" t="inlineStr"><is><t>in line</t></is></c><!-- a note -->'
        '<c r="C5" t="inlineStr"><is><r><t>two </t></r><r><t>runs</t></r></is></c>'
        '<c r="D5" t="inlineStr"><is><t xml:space="preserve">  spaced  </t></is></c>'
        '<c r="E5" t="inlineStr"/><c r="F5" t="d"><v>2024-03-01T00:00:00</v></c></row>'
        '<row r="6"/>'
        '<row r="7.0"><c r="C7"><v></v></c><c r="AA7"><v>3</v></c></row>'
        # a row number that goes back is left out, as openpyxl leaves it out
        '<row r="6"><c r="A6"><v>9</v></c></row>'
        '<row r="9"><c r="b9"><v>2</v></c></row>'
    )
    theirs, ours = both(workbook(tmp_path, data, shared))
    assert ours == theirs
    assert ours[0] == ("plain", "rich text", "漢字", "a_b", "")
    assert ours[1][3] == dt.datetime(2024, 1, 5) and ours[2] == () and ours[3][4] == "#N/A"
    assert len(ours) == 9 and ours[7] == () and ours[8] == (None, 2)  # row 8 is empty


def test_a_date_cell_beyond_the_calendar_is_an_error_text_as_in_openpyxl(tmp_path):
    theirs, ours = both(workbook(tmp_path, '<row r="1"><c r="A1" s="1"><v>99999999</v></c></row>'))
    assert ours == theirs == [("#VALUE!",)]


@pytest.mark.parametrize("data", ['<row r="1"><c r="A1"><v>1</v></row>', '<row r="x"><c r="A1"><v>1</v></c></row>',
                                  '<row r="1"><c r="1A"><v>1</v></c></row>'])
def test_a_broken_sheet_is_a_sentence_not_a_traceback(tmp_path, data):
    path = workbook(tmp_path, data)
    with pytest.raises(ValueError, match="cannot be read as an Excel workbook"):
        read_sheets(path)


def test_read_sheets_gives_the_grid_of_the_workbook(tmp_path):
    data = ('<row r="1"><c r="A1" t="inlineStr"><is><t> id </t></is></c><c r="C1" s="1"><v>45296</v></c></row>'
            '<row r="3"><c r="B3"><v>2.50</v></c></row>')
    sheets, _ = read_sheets(workbook(tmp_path, data))
    assert sheets[0].grid == [["id", "", "2024-01-05"], ["", "", ""], ["", "2.5", ""]]
