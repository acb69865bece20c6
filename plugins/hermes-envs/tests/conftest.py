"""An environment exports its terminal settings into the process (``TERMINAL_ENV``, ``TERMINAL_TIMEOUT``,
as atroposlib runs it); each test here gets the variables back as they were, so no later test in the same
process reads them."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def restore_terminal_variables():
    saved = {k: v for k, v in os.environ.items() if k.startswith("TERMINAL_")}
    yield
    for name in [k for k in os.environ if k.startswith("TERMINAL_")]:
        del os.environ[name]
    os.environ.update(saved)
