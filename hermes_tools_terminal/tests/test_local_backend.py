"""The local backend: the conformance suite plus what only a local process can show (pids, temp dirs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from hermes_testkit.backends import BackendConformance
from hermes_tools_terminal.local import LocalBackend


class TestLocalConformance(BackendConformance):
    backend_name = "local"


def test_timeout_kills_grandchild_sleep(sleepers):
    sandbox = LocalBackend().create("grandchild", timeout=30)
    arg = sleepers.new()
    try:
        seen = f"{arg[0]}[{arg[1]}]{arg[2:]}"  # a pattern that does not match grep's own command line
        started = f"until grep -qs '{seen}' /proc/[0-9]*/cmdline; do sleep 0.05; done; echo running"
        result = sandbox.execute(f"bash -c 'sleep {arg} & wait' & {started}; wait", timeout=8)
        assert result.exit_code == 124 and "timed out after 8s" in result.output
        assert "running" in result.output, "the grandchild never started"
        assert sleepers.wait_gone(arg) == 0, "the grandchild sleep outlived the timeout"
    finally:
        sandbox.cleanup()


def test_output_cap_counts_everything_and_bounds_memory():
    sandbox = LocalBackend().create("cap", max_output=100)
    try:
        result = sandbox.execute("head -c 1000000 /dev/zero | tr '\\0' a; echo; echo TAIL")
        assert result.output.endswith("TAIL\n")
        assert result.output.startswith("[output truncated: 999906 of 1000006 characters cut from the start]")
    finally:
        sandbox.cleanup()


def test_fresh_temp_dir_per_task_removed_on_cleanup():
    backend = LocalBackend()
    a, b = backend.create("a"), backend.create("b")
    assert a.cwd != b.cwd and os.path.isdir(a.cwd) and os.path.isdir(b.cwd)
    a.cleanup()
    b.cleanup()
    assert not os.path.exists(a.cwd) and not os.path.exists(b.cwd)


def test_given_cwd_is_used_and_kept(tmp_path):
    sandbox = LocalBackend().create("given", cwd=str(tmp_path / "work"))
    assert sandbox.execute("pwd").output.strip() == str(tmp_path / "work")
    sandbox.cleanup()
    assert (tmp_path / "work").is_dir(), "a directory we did not create is not ours to delete"


def test_cleanup_kills_background_jobs(sleepers):
    sandbox = LocalBackend().create("bg")
    arg = sleepers.new()
    sandbox.execute(f"sleep {arg} > /dev/null 2>&1 &")
    assert sleepers.wait_started(arg) == 1, "a background job lives on after its command"
    sandbox.cleanup()
    assert sleepers.wait_gone(arg) == 0


def test_background_job_holding_the_pipe_does_not_block():
    sandbox = LocalBackend().create("pipe")
    try:
        start = time.monotonic()
        result = sandbox.execute("sleep 30 & echo started")
        assert result.exit_code == 0 and "started" in result.output
        assert time.monotonic() - start < 5
    finally:
        sandbox.cleanup()


def test_missing_workdir_is_a_clear_error():
    sandbox = LocalBackend().create("nowd")
    try:
        result = sandbox.execute("pwd", cwd="does/not/exist")
        assert result.exit_code != 0 and "does not exist" in result.output
    finally:
        sandbox.cleanup()


def test_plugin_import_stays_light():
    code = (
        "import sys, hermes_tools_terminal, hermes_tools_terminal.local;"
        "heavy = [m for m in ('modal', 'docker', 'paramiko') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- issue 15.3: the sandbox environment is an allow-list -----------------------------------------------


def test_keys_of_ours_do_not_reach_commands(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-do-not-leak-0123456789")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-do-not-leak")
    monkeypatch.setenv("LANG", "C.UTF-8")
    sandbox = LocalBackend().create("env")
    try:
        result = sandbox.execute("env")
        assert "do-not-leak" not in result.output
        assert "LANG=C.UTF-8" in result.output and "PATH=" in result.output
    finally:
        sandbox.cleanup()


def test_allow_list_is_configurable(monkeypatch):
    monkeypatch.setenv("PROJECT_A", "1")
    monkeypatch.setenv("PROJECT_B", "2")
    monkeypatch.setenv("OTHER", "3")
    monkeypatch.setenv("TERMINAL_ENV_ALLOW", "PATH,PROJECT_*")
    sandbox = LocalBackend().create("allow")
    try:
        out = sandbox.execute("echo ${PROJECT_A:-} ${PROJECT_B:-} ${OTHER:-none} ${HOME:-nohome}").output
        assert out.split() == ["1", "2", "none", "nohome"]
    finally:
        sandbox.cleanup()


# -- issue 15.7: setsid children, resource limits -------------------------------------------------------


def test_timeout_kills_a_setsid_child(sleepers):
    sandbox = LocalBackend().create("setsid", timeout=30)
    arg = sleepers.new()
    try:
        result = sandbox.execute(f"setsid sleep {arg} & wait", timeout=1)
        assert result.exit_code == 124
        assert sleepers.wait_gone(arg) == 0, "a setsid child outlived the command's timeout"
    finally:
        sandbox.cleanup()


def test_cleanup_kills_a_setsid_background_job(sleepers):
    sandbox = LocalBackend().create("setsid-bg")
    arg = sleepers.new()
    sandbox.execute(f"setsid sleep {arg} > /dev/null 2>&1 < /dev/null &")
    assert sleepers.wait_started(arg) == 1
    sandbox.cleanup()
    assert sleepers.wait_gone(arg) == 0, "a setsid job outlived its sandbox"


def test_file_size_limit():
    sandbox = LocalBackend(max_file_size_mb=1).create("fsize")
    try:
        big = sandbox.execute("head -c 3000000 /dev/zero > big; echo status=$?; wc -c < big")
        assert "status=0" not in big.output
        assert int(big.output.split()[-1]) <= 1024 * 1024, big.output
        assert sandbox.execute("head -c 1000 /dev/zero > small && wc -c < small").output.strip() == "1000"
    finally:
        sandbox.cleanup()


def test_memory_limit():
    sandbox = LocalBackend(max_memory_mb=300).create("mem")
    try:
        grab = f"{sys.executable} -c 'b = bytearray(600 * 2**20); print(\"got it\")'"
        result = sandbox.execute(grab)
        assert result.exit_code != 0 and "MemoryError" in result.output
        assert sandbox.execute(f"{sys.executable} -c 'print(len(bytearray(10 * 2**20)))'").exit_code == 0
    finally:
        sandbox.cleanup()


def _my_process_count() -> int:
    """Processes of our user; one that exits while we count is simply not counted (never a race)."""
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            count += os.stat(f"/proc/{pid}").st_uid == os.getuid()
        except FileNotFoundError:
            continue
    return count


def test_process_limit():
    mine = _my_process_count()
    limit = mine + 40
    sandbox = LocalBackend(max_processes=limit).create("nproc")
    try:
        assert sandbox.execute("ulimit -u").output.strip() == str(limit)
        if os.getuid() == 0:
            return  # the kernel does not enforce RLIMIT_NPROC for root: the limit is set, not provable
        result = sandbox.execute("for i in $(seq 400); do sleep 5 & done 2>&1; kill $(jobs -p) 2>/dev/null")
        assert "Resource temporarily unavailable" in result.output or "retry" in result.output
    finally:
        sandbox.cleanup()


def test_limits_are_read_from_settings(monkeypatch):
    monkeypatch.setenv("TERMINAL_MAX_FILE_SIZE_MB", "1")
    sandbox = LocalBackend().create("fsize-setting")
    try:
        assert sandbox.limits is not None and sandbox.limits.file_size_mb == 1
    finally:
        sandbox.cleanup()
