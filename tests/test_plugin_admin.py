"""``hermes plugins install|uninstall|enable|disable`` with real wheels, in a throw-away environment.

The plugins are built here as wheels and installed with ``hermes plugins install`` run by the python of a
throw-away virtualenv that sees this environment's packages: pip installs into that venv
(``sys.executable -m pip``, as hermes does), so the test never changes the environment it runs in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GOOD = """
from hermes_core import hookimpl
from hermes_core.tools import Tool


@hookimpl
def register_tools(register):
    register(Tool(name="admin_echo", description="Echo.", handler=lambda args, task_id: args))
"""
BROKEN = "raise RuntimeError('this plugin is broken on purpose')\n"


def build_plugin(root: Path, dist: str, module: str, source: str, version: str = "0.1.0") -> Path:
    """A one-module plugin wheel, written with ``zipfile`` as the wheel spec lays it out.

    Written by hand rather than by a build backend so the test needs neither the network (build
    isolation) nor ``wheel``/``hatchling`` installed; what is tested is installing a real wheel with pip.
    """
    import base64
    import hashlib
    import zipfile

    name = dist.replace("-", "_")
    info = f"{name}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": source,
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\nRequires-Dist: hermes-kernel\n"
        ),
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: hermes-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": f"[hermes]\n{dist} = {module}\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    out = root / "wheels"
    out.mkdir(exist_ok=True)
    wheel = out / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def see_outer_packages(python: Path) -> None:
    """Make the venv at ``python`` see the packages of the environment running the tests.

    ``--system-site-packages`` would show the *base* interpreter's packages, not an outer virtualenv's,
    so inside any venv hermes would be missing. Instead a ``.pth`` file adds this environment's site
    directories (with their own ``.pth`` files: editable installs) after the venv's own.
    """
    import site

    outer = [p for p in (*site.getsitepackages(), site.getusersitepackages()) if os.path.isdir(p)]
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in outer)
    Path(purelib, "_outer_environment.pth").write_text(lines)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A venv that sees this environment's packages but installs into itself, and a private HERMES_HOME."""
    root = tmp_path_factory.mktemp("plugin-admin")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    see_outer_packages(python)
    home = root / "home"

    def hermes(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("HERMES_", "PIP_"))}
        environ.update(HERMES_HOME=str(home), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        done = subprocess.run(
            [str(python), "-m", "hermes_core", *args],
            capture_output=True,
            text=True,
            env=environ,
            timeout=300,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"hermes {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def records() -> dict[str, dict]:
        return {r["name"]: r for r in json.loads(hermes("plugins", "list", "--json").stdout)}

    hermes.records = records
    hermes.root = root
    hermes.home = home
    return hermes


def test_install_list_disable_enable_uninstall(env):
    wheel = build_plugin(env.root, "hermes-admin-good", "hermes_admin_good", GOOD)
    done = env("plugins", "install", str(wheel))
    assert "plugin hermes-admin-good 0.1.0 installed" in done.stdout
    record = env.records()["hermes-admin-good"]
    assert record["status"] == "ok" and record["provides"] == {"tools": ["admin_echo"]}
    # not in the environment running this test: pip installed into the venv
    assert (
        "hermes-admin-good"
        not in subprocess.run([sys.executable, "-m", "pip", "list"], capture_output=True, text=True).stdout
    )

    assert "disabled" in env("plugins", "disable", "hermes_admin_good").stdout
    assert env.records()["hermes-admin-good"]["status"] == "disabled"
    assert "hermes-admin-good" in (env.home / "config.yaml").read_text()
    assert "already disabled" in env("plugins", "disable", "hermes-admin-good").stdout
    env("plugins", "enable", "hermes-admin-good")
    assert env.records()["hermes-admin-good"]["status"] == "ok"

    done = env("plugins", "uninstall", "hermes-admin-good", "-y")
    assert "plugin hermes-admin-good uninstalled" in done.stdout
    assert "hermes-admin-good" not in env.records()


def test_admin_works_while_a_plugin_is_broken(env):
    wheel = build_plugin(env.root, "hermes-admin-broken", "hermes_admin_broken", BROKEN)
    env("plugins", "install", str(wheel))
    record = env.records()["hermes-admin-broken"]
    assert record["status"] == "failed" and "broken on purpose" in record["error"]
    env("plugins", "disable", "hermes-admin-broken")
    assert env.records()["hermes-admin-broken"]["status"] == "disabled"
    env("plugins", "enable", "hermes-admin-broken")
    env("plugins", "uninstall", "-y", "hermes-admin-broken")
    assert "hermes-admin-broken" not in env.records()


def test_refusals(env):
    done = env("plugins", "uninstall", "-y", "hermes-kernel", check=False)
    assert done.returncode == 1 and "hermes itself" in done.stderr
    done = env("plugins", "disable", "no-such-plugin", check=False)
    assert done.returncode == 1 and "no installed plugin named 'no-such-plugin'" in done.stderr
    done = env("plugins", "uninstall", "-y", "no-such-plugin", check=False)
    assert done.returncode == 1 and "installed:" in done.stderr
    done = env("plugins", "enable", "nosuch", check=False)
    assert done.returncode == 1 and "no installed plugin named 'nosuch'" in done.stderr
    done = env("plugins", "install", str(env.root / "missing.whl"), check=False)
    assert done.returncode == 1 and "pip install failed" in done.stderr
