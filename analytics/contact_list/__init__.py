"""The daily contact list's models: which of yesterday's visitors will buy in the next days.

* ``features`` — the model's inputs, built from one row per candidate of the point-in-time
  feature set ``daily_candidates`` (log-scaled counts, amounts and durations, flags, the hour);
* ``model`` — calibrated conversion probabilities from a standardised logistic model, updated
  day by day either by a warm-started refit on a rolling window (``WindowLogisticModel``) or by
  ``partial_fit`` on the newly closed days (``SgdLogisticModel``);
* ``baseline`` — the static formula the list replaces, a weighted sum of last-24-hour session
  values;
* ``lists`` — a ranked list of the top k, and how a list turned out (predicted vs actual);
* ``explain`` — what a fitted model learned, in words a sales manager reads.

DataFrame in, DataFrame out; nothing here opens a database or knows where files live.
"""
