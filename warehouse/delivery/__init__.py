"""Delivering push messages (issue 16 §4): the settings that name the provider adapter and the
quiet hours, the adapters (a webhook, files), and the sender that takes queued messages from the
outbox (``warehouse.commands.outbox``) and writes back what the provider answered."""
