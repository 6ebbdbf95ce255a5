"""The letter's PDF pages (notices.to_pdf): fpdf, deferred until a letter is rendered."""

from __future__ import annotations

from fpdf import FPDF


class LetterPdf(FPDF):
    """A4 pages with the notice reference and page number in the footer."""

    def __init__(self, reference: str) -> None:
        super().__init__(format="A4")
        self.reference = reference
        self.letter_font = "Helvetica"

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.letter_font, size=8)
        self.cell(0, 5, f"{self.reference} \u00b7 {self.page_no()}/{{nb}}", align="R")
