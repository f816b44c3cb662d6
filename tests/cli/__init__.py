"""Tests of ``forecasting.cli``, one module per package module."""
