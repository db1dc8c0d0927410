"""CSV writing in the Kaggle files' plain style: no quotes, an empty field for a null."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)


def write_csv(table: pa.Table, path: Path) -> int:
    """Write ``table`` to ``path`` (header line, then rows); return the row count.

    Values are written unquoted, as in the published files, so they may hold no comma, quote or
    newline (pyarrow raises if one does).
    """
    # pyarrow 26 writes a block of NUL bytes for a table whose first chunk is empty: skip them
    batches = [batch for batch in table.to_batches() if batch.num_rows]
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode("ascii"))
        if batches:
            pcsv.write_csv(pa.Table.from_batches(batches, schema=table.schema), sink,
                           write_options=_OPTIONS)
    return table.num_rows


def write_all(jobs: dict[Path, pa.Table]) -> dict[str, int]:
    """Write several tables two at a time (pyarrow releases the GIL); file name → rows."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {path.name: pool.submit(write_csv, table, path) for path, table in jobs.items()}
        return {name: future.result() for name, future in futures.items()}
