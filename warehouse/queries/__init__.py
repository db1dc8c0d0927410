"""Read queries the dashboard runs on the current snapshot, one module per page."""
