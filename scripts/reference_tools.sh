#!/usr/bin/env bash
# Reference implementations some tests compare against, where this machine can install them; nothing here
# is fatal (the comparing tests skip, saying why). Safe to run again.
#  - Harbor (PyPI `harbor`, Python >= 3.12) in .cache/harbor-ref: the Harbor tests load their task folders
#    with Harbor's own TaskConfig and check that both read the same values.
cd "$(dirname "$0")/.."
venv=.cache/harbor-ref
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import harbor" 2>/dev/null; then
    echo "reference_tools: harbor already in $venv"
    exit 0
fi
py=""
for candidate in python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        py=$candidate
        break
    fi
done
if [ -z "$py" ]; then
    echo "reference_tools: no Python 3.12 here; the Harbor comparison tests will skip"
    exit 0
fi
echo "reference_tools: installing harbor into $venv (with $py)"
log=.cache/harbor-ref.log
"$py" -m venv "$venv" && "$venv/bin/python" -m pip install -q --disable-pip-version-check harbor >"$log" 2>&1 \
    || { echo "reference_tools: WARNING: harbor did not install (see $log); its comparison tests will skip"; tail -n 3 "$log"; }
exit 0
