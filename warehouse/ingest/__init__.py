"""Ingest: input files into the warehouse's raw tables, one transaction per load.

``retailrocket`` loads the RetailRocket files, ``orders`` a generic orders CSV; both describe their
files as ``csv_load.CsvSpec`` and load them with ``csv_load.run_load`` (validate, reject with a
line number and reason, de-duplicate, insert, log in ``loads``). ``raw`` holds the raw schema.
"""
