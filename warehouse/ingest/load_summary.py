"""What one load did, file by file: the figures kept in ``loads`` and printed after an ingest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class IngestError(ValueError):
    """A load was refused (missing file or column, unreadable file, too many bad rows, a bad
    campaign file beside the data); nothing was written."""


@dataclass(frozen=True)
class FileSummary:
    """Row counts of one file in one load.

    Every row read ends up in exactly one bucket: ``rows_read == rows_loaded +
    duplicates_in_file + already_loaded + rows_rejected + rows_skipped``.
    """

    file: str
    rows_read: int
    rows_loaded: int
    duplicates_in_file: int  # exact copies of an earlier row of the same file
    already_loaded: int  # rows the warehouse already held (an earlier or overlapping load)
    rows_rejected: int  # bad rows, written to rejected_rows
    rows_skipped: int  # item properties the product does not use
    seconds: float
    rows_replaced: int = 0  # stored rows removed because this file's rows replace them
    keys_replaced: int = 0  # keys (orders) whose stored rows this file's rows replaced

    @property
    def duplicates_dropped(self) -> int:
        """Both kinds of duplicates: the figure stored in ``loads.duplicates_dropped``."""
        return self.duplicates_in_file + self.already_loaded


_COLUMNS = (
    ("file", "file"),
    ("rows read", "rows_read"),
    ("loaded", "rows_loaded"),
    ("dup. in file", "duplicates_in_file"),
    ("already loaded", "already_loaded"),
    ("rejected", "rows_rejected"),
    ("skipped", "rows_skipped"),
    ("seconds", "seconds"),
)


@dataclass(frozen=True)
class IngestSummary:
    """All files of one load (one transaction), with totals; ``str()`` gives a readable table."""

    kind: str  # retailrocket | orders
    db: Path
    load_id: int
    files: list[FileSummary] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what else the load did, for the user

    def total(self, figure: str) -> int:
        """Sum of one integer figure (a FileSummary attribute name) over the files."""
        return sum(getattr(f, figure) for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return self.total("rows_loaded")

    @property
    def rows_rejected(self) -> int:
        return self.total("rows_rejected")

    def __str__(self) -> str:
        rows = [[_cell(getattr(f, attr)) for _, attr in _COLUMNS] for f in self.files]
        totals = ["total"] + [_cell(self.total(attr)) for _, attr in _COLUMNS[1:-1]]
        rows.append([*totals, _cell(self.seconds)])
        header = [title for title, _ in _COLUMNS]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
            return "  ".join([first, *rest])

        rule = "-" * len(line(header))
        text = [
            f"Load {self.load_id} ({self.kind}) into {self.db}: "
            f"{self.rows_loaded:,} rows loaded in {self.seconds:.1f} s",
            line(header),
            rule,
            *(line(r) for r in rows[:-1]),
            rule,
            line(rows[-1]),
        ]
        if self.rows_rejected:
            text.append(
                f"{self.rows_rejected:,} bad rows were rejected: see table rejected_rows "
                f"(load_id = {self.load_id}) for line numbers and reasons."
            )
        text += self.notes
        return "\n".join(text)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
