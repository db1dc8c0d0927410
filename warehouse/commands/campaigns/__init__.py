"""Campaigns: an audience (a rule's winners or an explicit list) and its hash units
(``assignment``), launching it as a frozen A/B test with the campaign clock (``launch``), the
store's campaign rows (``storage``), exports of the two groups (``export``) and the import of a
finished campaign from a file (``imports``). Callers outside the command side use
``warehouse.commands``."""
