"""Actionboard's one entry point: the command line and the dashboard server.

    python app.py                       serve the dashboard (builds the demo warehouse on first run)
    python app.py serve --port 8050     the same, explicitly
    python app.py demo --out DIR        write synthetic RetailRocket-format files
    python app.py ingest DIR            load RetailRocket files into the warehouse
    python app.py ingest-orders FILE    load a generic orders CSV
    python app.py refresh               rebuild marts and models, publish them to the dashboard
    python app.py export CAMPAIGN_ID    write a campaign's treatment and control groups as CSV
    python app.py runs                  list the last refreshes and loads
    python app.py simulate --days N     carry the demo shop on N days and load them (demo only)
    python app.py ingest-campaign FILE --name NAME   load a campaign run elsewhere

The commands live in ``actionboard_cli`` (installed, they are the ``actionboard`` command).
"""

from __future__ import annotations

import sys

from actionboard_cli import DEMO_SCALE, DEMO_SEED, build_parser, main

__all__ = ["DEMO_SCALE", "DEMO_SEED", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
