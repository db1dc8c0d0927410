"""Promote an item (issue 16): the item propensity model's rows at consecutive cut-offs
(``data``), its training, judging, registration and report (``job``), scoring one item for
every customer from the stored results (``scoring``), and an item's push audience with its
guardrails and launch (``audience``). ``settings`` holds the defaults the CLI shows; it imports
nothing heavy."""
