"""The embedded demo: synthetic shops with a known truth.

* ``demo.generator``: a shop in the RetailRocket file format, its visitors drawn from archetypes,
  each with a latent response to contact (``demo.response``) and a completed past campaign;
* ``demo.simulator``: more days of that shop after the loaded data, answering running campaigns;
* ``demo.grocery``: a grocery shop in the generic orders format with item lines, and its
  continuation answering push campaigns.
"""
