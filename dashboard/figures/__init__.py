"""Pure figure builders: a query's DataFrame in, a Plotly figure out (no Dash, no database)."""
