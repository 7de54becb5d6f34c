"""The words of a document (Word, PowerPoint, Excel, PDF), for search by words and meaning and for
the near-copy check; and how alike two texts are, by their character shingles.

Read from a bounded prefix of bounded files: an Office part is read at most `PART_BYTES`
uncompressed (a ZIP bomb stops there), and at most `MAX_CHARS` of words are kept."""

import io
import re
import zipfile
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from services.library.filetypes import DOCX, PPTX, XLSX

MAX_FILE_BYTES = 30 * 1024 * 1024  # larger documents are kept without their words
PART_BYTES = 20 * 1024 * 1024
MAX_CHARS = 50_000
PDF_PAGES = 50
# The parts of an Office file that hold its words, and the element each word run is in.
OFFICE_TEXT = {
    DOCX: (re.compile(r"word/document\.xml"), "t"),
    PPTX: (re.compile(r"ppt/slides/slide\d+\.xml"), "t"),
    XLSX: (re.compile(r"xl/sharedStrings\.xml"), "t"),
}
SHINGLE = 3
NOT_WORDS = re.compile(r"[\W_]+")


def _office_text(data: bytes, media_type: str) -> str:
    pattern, element = OFFICE_TEXT[media_type]
    words: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(n for n in archive.namelist() if pattern.fullmatch(n)):
            with archive.open(name) as part:
                root = ElementTree.fromstring(part.read(PART_BYTES))
            words.extend(node.text or "" for node in root.iter() if node.tag.rsplit("}", 1)[-1] == element)
    return "\n".join(words)


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages[:PDF_PAGES])


def extract(data: bytes, media_type: str) -> str:
    """The document's words, or "" when it has none that can be read (a damaged file stays a file)."""
    try:
        text = _pdf_text(data) if media_type == "application/pdf" else _office_text(data, media_type)
    except (zipfile.BadZipFile, ElementTree.ParseError, PyPdfError, KeyError, ValueError, OSError):
        return ""
    return text[:MAX_CHARS]


def shingles(text: str) -> set[str]:
    """Character 3-grams of the text without spaces and punctuation: an edit changes a few of them."""
    plain = NOT_WORDS.sub("", text.lower())
    return {plain[i : i + SHINGLE] for i in range(max(len(plain) - SHINGLE + 1, 0))}


def resemblance(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' shingles: 1 for the same words, near 0 for unrelated ones."""
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
