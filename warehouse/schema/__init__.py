"""What a snapshot's shared tables hold: names, DDL and the constants that describe their rows.

A constant that both the step writing a table and the queries reading it need lives here, with
the table it describes, so that the read side never imports a pipeline step.
"""
