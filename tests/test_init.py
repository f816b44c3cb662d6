"""The package's names load when first used, so that the command's start stays light."""
from __future__ import annotations

import subprocess
import sys

import pytest

import forecasting


def test_importing_the_package_loads_no_pandas_until_a_name_is_used():
    code = ("import sys, forecasting; a = 'pandas' in sys.modules; forecasting.load_data; "
            "print(a, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_every_exported_name_is_the_defining_modules_object():
    from forecasting.data.validate import load_data
    from forecasting.simulation.outcomes import OutcomeModel

    assert forecasting.OutcomeModel is OutcomeModel and forecasting.load_data is load_data
    for name in forecasting.__all__:
        assert getattr(forecasting, name).__name__ == name
    assert set(forecasting.__all__) <= set(dir(forecasting))


def test_an_unknown_name_is_an_attribute_error_and_submodules_still_import():
    with pytest.raises(AttributeError, match="no_such_thing"):
        forecasting.no_such_thing  # noqa: B018
    from forecasting import texts

    assert texts.__name__ == "forecasting.texts"
