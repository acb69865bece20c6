"""Repository-wide pytest set-up.

The first-party distributions live in folders named like their packages (``hermes_parsers/`` holds the
``hermes_parsers`` package one level down). pytest's importlib mode names a test module after its path
(``hermes_parsers.tests.test_x``) and, when the package is not imported yet, puts an empty stand-in
under the real package's name — after which the plugin loader would import nothing. Importing the real,
installed packages first prevents that, and keeps test module names unique across distributions.
"""

import importlib

for _package in ("hermes_parsers", "hermes_tools_terminal", "hermes_tools_web"):
    try:
        importlib.import_module(_package)
    except ImportError:  # not installed: its tests are not collected either
        pass
