"""The project's own docs/ read from the app: a page can show a measured table from a doc
instead of a copy that drifts (e.g. the Toy GAN Lab's "why circles fail" mode)."""

from __future__ import annotations

from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"


def doc_table(path: str | Path) -> str | None:
    """The first Markdown table of ``path`` (its consecutive lines starting with '|'), under
    the nearest heading above it in bold; None if the file or a table is missing."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("|")), None)
    if start is None:
        return None
    end = start
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    table = lines[start:end]
    if len(table) < 2:
        return None
    heading = next((ln.lstrip("#").strip() for ln in reversed(lines[:start])
                    if ln.startswith("#")), "")
    return (f"**{heading}**\n\n" if heading else "") + "\n".join(table)
