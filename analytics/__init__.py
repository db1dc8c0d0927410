"""Pure models: DataFrame in, DataFrame out. No database, no Dash."""
