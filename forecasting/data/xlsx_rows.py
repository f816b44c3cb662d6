"""The values of an ``.xlsx`` worksheet, read with lxml: what openpyxl's read-only
``iter_rows(values_only=True)`` gives (after ``reset_dimensions()``), about twice as fast.

openpyxl parses a worksheet element by element in Python; a ledger of two thousand rows
then takes a third of a second. :func:`sheet_rows` walks the same XML with lxml's C parser and
turns each cell into the value openpyxl would give (shared and inline strings, numbers, the
dates of date-formatted cells, booleans, error texts), with openpyxl's own conversions, and
places the cells as openpyxl does (a missing row is an empty row; a row is as wide as its
last cell). The workbook's structure (sheets, shared strings, styles) still comes from
openpyxl. ``tests/data/test_xlsx_rows.py`` checks that both give the same rows.
"""
from __future__ import annotations

import io
import warnings
from typing import Any, Iterator

from lxml import etree
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import ARC_STYLE
from openpyxl.xml.functions import fromstring

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _V, _IS, _T, _R = (_NS + t for t in ("row", "v", "is", "t", "r"))
_DIGITS = "0123456789"


def _number(text: str) -> int | float:
    """openpyxl's reading of a number cell's text."""
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


def _inline(element: Any) -> str | None:
    """The text of an inline string (``<is>``): its plain text, then its runs' (not the phonetic
    guide), as openpyxl's ``Text.content``."""
    child = element.find(_IS)
    if child is None:
        return None
    if len(child) == 1 and child[0].tag == _T:  # the usual <is><t>text</t></is>
        return child[0].text or ""
    plain, runs = None, []
    for el in child:
        if el.tag == _T:
            plain = el.text
        elif el.tag == _R:
            t = None
            for sub in el:
                if sub.tag == _T:
                    t = sub.text
            runs.append(t)
    return "".join(s for s in [plain, *runs] if s is not None)


class _Cells:
    """openpyxl's ``WorkSheetParser.parse_cell`` for a workbook read with ``data_only``."""

    def __init__(self, shared_strings: list, date_formats: set, timedelta_formats: set, epoch: Any):
        self.shared, self.dates, self.timedeltas, self.epoch = shared_strings, date_formats, timedelta_formats, epoch

    def value(self, element: Any) -> Any:
        kind = element.get("t", "n")
        if kind == "inlineStr":
            return _inline(element)
        value = element.findtext(_V, None) or None
        if value is None:
            return None
        if kind == "n":
            value = _number(value)
            style = element.get("s", 0)
            style = int(style) if style else style
            if style in self.dates:
                try:
                    return from_excel(value, self.epoch, timedelta=style in self.timedeltas)
                except (OverflowError, ValueError):
                    warnings.warn(f"Cell {element.get('r')} is marked as a date but the serial value {value} is "
                                  "outside the limits for dates. The cell will be treated as an error.")
                    return "#VALUE!"
            return value
        if kind == "s":
            return self.shared[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text), "e" (an error such as #N/A)


def date_styles(archive: Any) -> tuple[set, set]:
    """The cell styles (indices) of dates and of durations in a workbook's open zip
    ``archive``, as openpyxl's reader finds them (its stylesheet, read again: a few kB)."""
    try:
        src = archive.read(ARC_STYLE)
    except KeyError:
        return set(), set()
    sheet = Stylesheet.from_tree(fromstring(src))
    if not sheet.cell_styles:
        return set(), set()
    return set(sheet.date_formats), set(sheet.timedelta_formats)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        val = float(text)
        if val.is_integer():
            return int(val)
        raise ValueError(f"{text} is not a valid row number") from None


def sheet_rows(xml: bytes, shared_strings: list, date_formats: set, timedelta_formats: set,
               epoch: Any) -> Iterator[tuple]:
    """The rows of values of a worksheet's XML part, from row 1, as openpyxl gives them.

    Raises ``ValueError`` when the XML is not well formed or a cell or row reference is not
    one.
    """
    value = _Cells(shared_strings, date_formats, timedelta_formats, epoch).value
    columns: dict[str, int] = {}  # column letters -> number, for the references already read
    parser = etree.iterparse(io.BytesIO(xml), events=("end",), tag=_ROW, resolve_entities=False,
                             no_network=True, remove_comments=True, remove_pis=True)
    counter, number = 1, 0
    try:
        for _, row in parser:
            r = row.get("r")
            number = _row_number(r) if r is not None else number + 1
            column = 0
            placed = []
            for el in row:
                ref = el.get("r")
                if ref:
                    letters = ref.rstrip(_DIGITS)
                    plain = len(letters) < len(ref)  # letters, then ASCII digits
                    column = columns.get(letters) if plain else None
                    if column is None:  # openpyxl's reading, its errors included
                        column = coordinate_to_tuple(ref)[1]
                        if plain:
                            columns[letters] = column
                else:
                    column += 1
                placed.append((column, value(el)))
            row.clear()
            while row.getprevious() is not None:  # keep memory bounded on a large sheet
                del row.getparent()[0]
            for _ in range(counter, number):  # rows the file leaves out are empty
                counter += 1
                yield ()
            if counter <= number:
                counter += 1
                if not placed:
                    yield ()
                    continue
                width = placed[-1][0]
                values = [None] * width
                for c, v in placed:
                    if 1 <= c <= width:
                        values[c - 1] = v
                yield tuple(values)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"the worksheet's XML is broken ({exc})") from None
