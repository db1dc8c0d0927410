"""Ingest, validation, SQL marts and queries: every SQL statement of Actionboard lives here."""
