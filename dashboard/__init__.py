"""The Dash app: pages that read published snapshots and draw them."""
