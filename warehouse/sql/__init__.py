"""SQL models in three layers (staging, intermediate, marts), the runner that builds them, and
parameterised queries the refresh runs at several cut-offs (``clv_inputs``)."""
