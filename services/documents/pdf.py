"""HTML to PDF with WeasyPrint: vector text and SVG charts, Chinese in the fonts fontconfig finds
(Debian's WenQuanYi Micro Hei, scripts/system-deps.sh and the Dockerfile). Seconds of CPU for a long
report: callers run it in a worker thread, off the event loop."""


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    import weasyprint  # imported on first use: it loads Pango, which the API needs only for a PDF

    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
