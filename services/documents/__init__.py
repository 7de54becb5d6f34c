"""Documents a county prints and files (shared ground, not a programme): HTML reports printed to PDF."""
