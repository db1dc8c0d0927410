"""Action rules: the model (``model``), the fields and operators a condition may use
(``catalogue``), validation (``validation``), compilation to SQL over ``customers``
(``compiler``) and storage in the operational store (``storage``). Callers outside the command
side use ``warehouse.commands``."""
