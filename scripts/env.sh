# Sourced by the other scripts: choose the Python to install into and put its scripts on PATH.
# An active virtualenv (or $PYTHON) wins; a Python that forbids installing into it (PEP 668, e.g. Debian's
# /usr/bin/python3) gets a .venv in the repository instead.
PY=${PYTHON:-python3}
if [ -z "${VIRTUAL_ENV:-}" ] && [ -z "${PYTHON:-}" ] && "$PY" - <<'PYCODE'
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)
PYCODE
then
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    PY=$PWD/.venv/bin/python
    echo "note: this Python is externally managed; using $PWD/.venv (activate it: source .venv/bin/activate)"
fi
PATH="$(dirname "$("$PY" -c 'import sys; print(sys.executable)')"):$PATH"
export PATH
