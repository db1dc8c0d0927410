"""Serving the dashboard to a team: its settings, the fixed secret key, Host and header
protection, callback errors answered 4xx, and the one- or many-process server."""
