"""Actionboard's one entry point: the command line and the dashboard server.

    python app.py                       serve the dashboard (builds the demo warehouse on first run)
    python app.py serve --port 8050     the same, explicitly
    python app.py --help                every command: demo, ingest, ingest-orders, ingest-consent,
                                        ingest-market, ingest-campaign, refresh, simulate,
                                        decline, daily, backtest, launch-list, uplift,
                                        uplift-launch, promote-train, promote, simulate-grocery,
                                        promote-results, export, runs

The commands live in ``actionboard_cli`` (installed, they are the ``actionboard`` command).
"""

from __future__ import annotations

import sys

from actionboard_cli import DEMO_SCALE, DEMO_SEED, build_parser, main

__all__ = ["DEMO_SCALE", "DEMO_SEED", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
