"""PDF documents the office issues (reportlab): a title, simple blocks, and on EVERY page a footer with
the CSV, the verification address and a QR code to `<verify_url>?csv=<CSV>`.

Fonts: reportlab's standard Helvetica/Courier (WinAnsi encoding), which cover Spanish (á, ñ, ü, ¿, ¡, º,
—), so no system font is needed. Long words (SHA-256 fingerprints) wrap (`splitLongWords`).
The output is not sealed: see `seal.seal_pdf`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle

from oficina.core.pdf.csv_codes import format_csv, normalize_csv

__all__ = ["Block", "Fields", "Heading", "Paragraph", "Table", "render_document", "verification_link"]


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Fields:
    """Label / value rows (a definition list)."""

    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


Block = Heading | Paragraph | Fields | Table

_MARGIN = 18 * mm
_FOOTER_HEIGHT = 30 * mm
_QR_SIZE = 24 * mm
_INK = colors.HexColor("#1b1b1b")
_BRAND = colors.HexColor("#7a1f2b")
_LINE = colors.HexColor("#b1b4b6")

_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=10, leading=13, textColor=_INK, splitLongWords=1)
_STYLES = {
    "title": ParagraphStyle("title", parent=_BASE, fontName="Helvetica-Bold", fontSize=17, leading=21,
                            spaceAfter=4 * mm, textColor=_BRAND),
    "organisation": ParagraphStyle("organisation", parent=_BASE, fontName="Helvetica-Bold", fontSize=10,
                                   spaceAfter=5 * mm),
    "heading": ParagraphStyle("heading", parent=_BASE, fontName="Helvetica-Bold", fontSize=12.5, leading=16,
                              spaceBefore=4 * mm, spaceAfter=2 * mm),
    "body": ParagraphStyle("body", parent=_BASE, spaceAfter=2.5 * mm),
    "label": ParagraphStyle("label", parent=_BASE, fontName="Helvetica-Bold", fontSize=9.5),
    "value": ParagraphStyle("value", parent=_BASE, fontSize=9.5),
    "cell": ParagraphStyle("cell", parent=_BASE, fontSize=8.5, leading=11),
    "cell_head": ParagraphStyle("cell_head", parent=_BASE, fontName="Helvetica-Bold", fontSize=8.5, leading=11),
}


def verification_link(verify_url: str, csv: str) -> str:
    """The address the QR code holds: `<verify_url>?csv=<CSV>`."""
    separator = "&" if "?" in verify_url else "?"
    return f"{verify_url}{separator}{urlencode({'csv': normalize_csv(csv)})}"


def _p(text: str, style: str) -> RLParagraph:
    # Paragraph takes a mini-markup: escape the text, keep line breaks.
    return RLParagraph(escape(text).replace("\n", "<br/>"), _STYLES[style])


def _flowables(blocks: Sequence[Block], width: float) -> list:
    story: list = []
    for block in blocks:
        if isinstance(block, Heading):
            story.append(_p(block.text, "heading"))
        elif isinstance(block, Paragraph):
            story.append(_p(block.text, "body"))
        elif isinstance(block, Fields):
            if not block.rows:
                continue
            data = [[_p(label, "label"), _p(value, "value")] for label, value in block.rows]
            table = RLTable(data, colWidths=[width * 0.32, width * 0.68], hAlign="LEFT")
            table.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, _LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]))
            story += [table, Spacer(0, 3 * mm)]
        elif isinstance(block, Table):
            columns = max([len(block.header)] + [len(row) for row in block.rows]) or 1
            data = [[_p(text, "cell_head") for text in block.header]]
            data += [[_p(text, "cell") for text in row] + [""] * (columns - len(row)) for row in block.rows]
            table = RLTable(data, colWidths=[width / columns] * columns, repeatRows=1, hAlign="LEFT")
            table.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.4, _LINE),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]))
            story += [table, Spacer(0, 3 * mm)]
        else:  # pragma: no cover - a programming error, not user input
            raise TypeError(f"unknown block {type(block).__name__}")
    return story


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (no image): crisp at any zoom, small, nothing to decode."""
    qr = segno.make(data, error="m", micro=False)
    matrix = list(qr.matrix_iter(scale=1, border=2))
    module = size / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        column, width = 0, len(row)
        while column < width:  # one rectangle per run of dark modules: fewer operators, faster, smaller
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            path.rect(x + start * module, top, (column - start) * module, module)
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def render_document(
    *, title: str, csv: str, verify_url: str, blocks: Sequence[Block], organisation: str
) -> bytes:
    """The unsealed PDF: title, organisation, blocks; CSV + verification address + QR on every page."""
    buffer = BytesIO()
    page_width, page_height = A4
    width = page_width - 2 * _MARGIN
    link = verification_link(verify_url, csv)
    shown_csv = format_csv(csv)

    def footer(canvas: Canvas, doc) -> None:
        canvas.saveState()
        top = _MARGIN + _FOOTER_HEIGHT - 4 * mm
        canvas.setStrokeColor(_LINE)
        canvas.setLineWidth(0.6)
        canvas.line(_MARGIN, top, page_width - _MARGIN, top)
        _draw_qr(canvas, link, page_width - _MARGIN - _QR_SIZE, _MARGIN, _QR_SIZE)
        text_width = width - _QR_SIZE - 4 * mm
        lines = [
            ("Helvetica-Bold", 9, f"Código Seguro de Verificación (CSV): {shown_csv}"),
            ("Helvetica", 8, "Compruebe la autenticidad de este documento en:"),
            ("Helvetica", 8, verify_url),
            ("Helvetica", 7.5, f"{organisation} · Documento sellado electrónicamente · Página {doc.page}"),
        ]
        y = top - 5 * mm
        for font, size, text in lines:
            canvas.setFont(font, size)
            canvas.setFillColor(_INK)
            # Shrink a line that would run into the QR code (long addresses).
            while size > 5 and canvas.stringWidth(text, font, size) > text_width:
                size -= 0.5
                canvas.setFont(font, size)
            canvas.drawString(_MARGIN, y, text)
            y -= size + 3.5
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN,
        bottomMargin=_MARGIN + _FOOTER_HEIGHT, title=title, author=organisation, subject=title,
        creator="Oficina Virtual", lang="es-ES",
    )
    story = [_p(organisation, "organisation"), _p(title, "title"), *_flowables(blocks, width)]
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


