"""The embedded demo: a synthetic shop written in the RetailRocket file format."""
