"""The maths of randomised campaigns: who goes to control (``assignment``), how many customers an
experiment needs and what it can detect (``design``), and what it measured (``results``)."""
