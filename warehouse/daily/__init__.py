"""The daily contact list: each morning, the visitors of the last 24 hours most likely to buy.

* ``data`` — what it reads from the warehouse, point in time (the ``daily_candidates`` feature
  set, outcomes, segments as of the report date);
* ``cache`` and ``store`` — the features and outcomes computed so far, and the reports the page
  reads, in ``<db stem>.daily/``;
* ``training`` — which model version scores a date, and how the next is trained and registered;
* ``reports`` — the list file, the predicted-vs-actual report, the history;
* ``job`` — ``python app.py daily``; ``backtest`` — ``python app.py backtest``;
* ``workspace`` — where a run reads and writes (the warehouse's own, or a backtest's sandbox);
* ``settings`` — list size, horizon, window, strategy, baseline weights.

The models themselves are in ``analytics.contact_list``; docs/METHODS.md ("The daily contact
list") explains the choices and the measured results.
"""
