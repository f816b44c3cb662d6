"""The ``forecasting`` command (``shared/spec/CLI.md``)."""
