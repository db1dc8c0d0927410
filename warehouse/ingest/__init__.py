"""Ingest: input files into the warehouse's raw tables, one transaction per load.

``retailrocket`` loads the RetailRocket files (and the demo's campaign file beside them:
``demo_campaign``), ``orders`` a generic orders CSV; both describe their files as
``csv_spec.CsvSpec`` and load them with ``csv_load.run_load`` (validate, reject with a line number
and reason, de-duplicate, insert, log in ``loads``). ``csv_stage`` reads one file, strictly and,
if it has lines a CSV reader cannot parse, tolerantly (``csv_read``); ``line_map`` gives bad rows
their line in the file. ``raw`` holds the raw schema.
"""
