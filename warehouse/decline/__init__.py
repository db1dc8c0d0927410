"""The decline-risk job (issue 15): the customer activity profile from the One Click files or
the event warehouse (``sources``), the model searched, explained, registered, logged and stored
per version (``job``, ``results``), the Action board's rules for the risk × profit groups
(``rules``) and the consent filter of push and email audiences (``audience``). ``settings`` holds
the defaults the CLI shows; it imports nothing heavy."""
