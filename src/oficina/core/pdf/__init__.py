"""Documents the office issues by itself: CSV codes, PDF rendering (reportlab) and the electronic seal (pyHanko).

- `csv_codes`: the Código Seguro de Verificación printed on every page.
- `documents`: `render_document(...)`, a simple block layout with the CSV footer and QR on every page.
- `seal`: `seal_pdf` / `async_seal_pdf` (PAdES B-B, or B-T with a time-stamp authority) and `validate_pdf`.
- `demo`: a demo CA and seal certificate for development and tests (never for production).
"""
