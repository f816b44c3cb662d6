"""Tests of ``forecasting.synthetic``, one module per package module."""
