"""Input checks shared by the analytics functions: name what is missing, not just that it is."""

from __future__ import annotations

from collections.abc import Collection, Iterable


def require_columns(frame: Collection[str], columns: Iterable[str], what: str) -> None:
    """Raise a ValueError naming every column ``what`` needs that ``frame`` lacks.

    ``frame`` is a DataFrame (its columns are checked) or a mapping (its keys are).
    """
    columns = tuple(columns)
    missing = [column for column in columns if column not in frame]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {', '.join(map(repr, missing))}; "
            f"expected {', '.join(columns)}"
        )
