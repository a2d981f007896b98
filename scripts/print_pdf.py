"""Print the single-page HTML of the book to a PDF with headless Chromium, offline.

    python scripts/print_pdf.py _build/single/_build/singlehtml/index.html _build/pdf/book.pdf

MathJax is bundled with the book (sphinx-mathjax-offline), so the page typesets its maths
without a network; Chromium is given time for that before it prints.  Chromium is not a
Python package: install it from the system's packages (Debian/Ubuntu: ``apt-get install
chromium``; macOS: Google Chrome) or point ``CHROME`` at the binary.  After printing, the
script checks the PDF: it must have pages, contain images, and show no raw TeX.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MAC_CHROME = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"


def find_chrome() -> str:
    env = os.environ.get("CHROME")
    if env:
        return env
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    if Path(MAC_CHROME).exists():
        return MAC_CHROME
    sys.exit(
        "make pdf needs Chromium or Chrome to print the book: install it (Debian/Ubuntu: "
        "apt-get install chromium) or set CHROME=/path/to/chrome."
    )


def single_page(html: Path) -> Path:
    """The page itself: follow the root's redirect, and give the page the assets it links.

    The single-page builder writes the book into the root document's folder (``book/``) but
    links ``_static/`` relative to it, so a link to the root's ``_static`` is put beside it.
    """
    text = html.read_text(errors="replace")
    target = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', text)
    if target:
        html = html.parent / target.group(1)
    for name in ("_static", "_images"):
        src, dst = html.parents[1] / name, html.parent / name
        if html.parent != html.parents[1] and src.is_dir() and not dst.exists():
            dst.symlink_to(src.resolve(), target_is_directory=True)
    return html


def print_pdf(html: Path, pdf: Path) -> None:
    pdf.parent.mkdir(parents=True, exist_ok=True)
    html = single_page(html)
    cmd = [
        find_chrome(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        "--virtual-time-budget=60000",
        "--run-all-compositor-stages-before-draw",
        f"--user-data-dir={pdf.parent / '.chrome-profile'}",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def check_pdf(pdf: Path) -> dict:
    """Pages, images and raw-TeX markers of the PDF (poppler's pdfinfo/pdftotext/pdfimages when present)."""
    out = {"bytes": pdf.stat().st_size}
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        out["pages"] = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        out["raw_tex"] = len(re.findall(r"(?<!\\)\\(frac|mathbb|partial|begin\{|left\(|sum_)", text))
    if shutil.which("pdfimages"):
        listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
        out["images"] = max(0, len(listing.strip().splitlines()) - 2)
    return out


def main(argv: list[str]) -> int:
    html = Path(argv[0]) if argv else Path("_build/single/_build/singlehtml/index.html")
    pdf = Path(argv[1]) if len(argv) > 1 else Path("_build/pdf/book.pdf")
    if not html.is_file():
        sys.exit(f"no {html}: build the single-page book first (make pdf does).")
    print_pdf(html, pdf)
    facts = check_pdf(pdf)
    print(f"{pdf}: " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    bad = facts.get("pages", 1) < 1 or facts.get("images", 1) < 1 or facts.get("raw_tex", 0) > 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
