"""The command side: the only code that writes the operational store."""
