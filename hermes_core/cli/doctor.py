"""``hermes doctor``: everything that could stop an agent from working here, checked in one go.

Plugins that failed and why, tools that are unavailable and why, whether the configured endpoint
answers, and whether the selected terminal backend can really start a sandbox and run a command. Each
check is isolated: one that crashes is reported as a failed check, never a traceback.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import click

from hermes_core import config as cfg

OK, WARN, FAIL, INFO = "ok", "warn", "fail", "info"
_MARKS = {OK: ("✓", "green"), WARN: ("!", "yellow"), FAIL: ("✗", "red"), INFO: ("·", None)}


@dataclass
class Finding:
    section: str
    status: str
    subject: str
    detail: str = ""


def check_config() -> list[Finding]:
    problems = cfg.check(plugins=False)  # plugin-provided names are checked below, with the plugins
    if not problems:
        where = cfg.config_path()
        return [Finding("config", OK, str(where), "" if where.exists() else "not created yet (defaults)")]
    return [Finding("config", FAIL, "config", p) for p in problems]


def check_plugins(host: Any) -> list[Finding]:
    findings = []
    for record in host.records.values():
        label = f"{record.name} {record.version or ''}".strip()
        if record.status == "ok":
            provides = "; ".join(f"{k}: {', '.join(v)}" for k, v in record.provides.items())
            findings.append(Finding("plugins", OK, label, provides))
        elif record.status == "disabled":
            findings.append(Finding("plugins", INFO, label, "disabled"))
        else:
            findings.append(Finding("plugins", FAIL, label, f"{record.status}: {record.error}"))
    return findings


def check_tools(host: Any) -> list[Finding]:
    findings = []
    toolsets = cfg.get_value("toolsets") or []
    try:
        wanted = set(host.toolsets.resolve_many(toolsets)) if toolsets and toolsets != ["none"] else set()
        status = OK if wanted or toolsets == ["none"] else WARN  # a toolset with no tool is not "fine"
        detail = f"{', '.join(toolsets) or 'none'}: {len(wanted)} tools"
        if status == WARN:  # a minimal install: say what brings them
            from hermes_core.cli.tools import missing_distributions

            missing = sorted({d for t in toolsets for d in missing_distributions(host, t)})
            detail += f" (pip install {' '.join(missing)})" if missing else ""
        findings.append(Finding("tools", status, "toolsets", detail))
    except Exception as exc:
        wanted = set()
        findings.append(Finding("tools", FAIL, "toolsets", str(exc)))
    for name in host.tools.names():
        try:
            reason = host.tools.get(name).unavailable_reason()
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        if reason:
            # unavailable tools the configured toolsets want are a warning; the rest is just information
            findings.append(
                Finding("tools", WARN if name in wanted else INFO, name, f"unavailable: {reason}")
            )
    for name in sorted(wanted - set(host.tools.names())):
        hint = host.tools.missing_hint(name) if host.tools.missing_hint else ""
        findings.append(
            Finding("tools", WARN, name, hint or "in the configured toolsets but no plugin provides it")
        )
    return findings


class UnsafeURL(ValueError):
    """A base URL whose host cannot be told apart from its credentials."""


def endpoint_request(base_url: str, path: str, api_key: str | None) -> Any:
    """A request for ``base_url + path`` whose host is never built from credentials.

    ``user:KEY@`` moves into an ``Authorization: Basic`` header; a URL where ``@`` still follows the host
    (a key holding ``/``, ``?`` or ``#`` that was not percent-encoded), a port that is not a number, or a
    host name holding a known secret is refused before anything is resolved.
    """
    import base64
    import urllib.parse
    import urllib.request

    from hermes_core.secrets import secret_values

    parts = urllib.parse.urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("model.base_url must be an http(s) URL with a host")
    if "@" in parts.path + parts.query + parts.fragment:
        raise UnsafeURL("model.base_url has '@' after its host: percent-encode / ? # inside credentials")
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURL("model.base_url has a port that is not a number") from None
    host = parts.hostname
    if any(s.lower() in host or host in s.lower() for s in secret_values() if len(host) >= 4):
        raise UnsafeURL("model.base_url's host name holds a secret")
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port else ""
    url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + path, parts.query, ""))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if parts.username is not None or parts.password is not None:
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    return request


def check_endpoint(timeout: float) -> list[Finding]:
    """``GET {base_url}/models`` with the configured key: does the endpoint answer, and with the model?"""
    import urllib.error
    import urllib.request

    base_url = cfg.get_value("model.base_url")
    model = cfg.get_value("model.name")
    if not base_url:
        return [
            Finding(
                "endpoint", WARN, "model.base_url", "not configured (hermes config set model.base_url URL)"
            )
        ]
    try:
        request = endpoint_request(base_url, "/models", cfg.get_value("model.api_key"))
    except UnsafeURL as exc:
        return [Finding("endpoint", FAIL, base_url, f"not contacted: {exc}")]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return [Finding("endpoint", FAIL, base_url, f"GET /models answered HTTP {exc.code}")]
    except Exception as exc:
        reason = getattr(exc, "reason", exc)
        return [Finding("endpoint", FAIL, base_url, f"does not answer: {reason}")]
    ids = [m.get("id") for m in body.get("data", []) if isinstance(m, dict)] if isinstance(body, dict) else []
    findings = [
        Finding("endpoint", OK, base_url, f"answers; models: {', '.join(map(str, ids[:8])) or 'none'}")
    ]
    if not model:
        findings.append(
            Finding("endpoint", WARN, "model.name", "not configured (hermes config set model.name NAME)")
        )
    elif ids and model not in ids:
        findings.append(Finding("endpoint", WARN, model, "not among the models the endpoint lists"))
    else:
        findings.append(Finding("endpoint", OK, model, "model configured"))
    return findings


def check_backend(timeout: float) -> list[Finding]:
    """Create a sandbox with the selected backend, run ``echo ok`` in it, and clean it up."""
    from hermes_core.sandboxes import make_backend, selected_backend_name

    name = selected_backend_name()
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        backend = sandbox = None
        try:
            backend = make_backend(name)
            sandbox = backend.create(f"doctor-{uuid.uuid4().hex[:8]}", timeout=timeout)
            result = sandbox.execute("echo ok", timeout=timeout)
            outcome["result"] = result
        except Exception as exc:
            outcome["error"] = f"{type(exc).__name__}: {exc}" if not str(exc).startswith(name) else str(exc)
        finally:
            if sandbox is not None:
                try:
                    sandbox.cleanup()
                except Exception as exc:
                    outcome["cleanup"] = f"cleanup failed: {type(exc).__name__}: {exc}"
            close = getattr(backend, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:
                    pass

    worker = threading.Thread(target=attempt, name="doctor-backend", daemon=True)
    worker.start()
    worker.join(timeout + 5)
    if worker.is_alive():
        return [Finding("terminal", FAIL, name, f"no sandbox after {timeout:g}s")]
    if "error" in outcome:
        return [Finding("terminal", FAIL, name, outcome["error"])]
    result = outcome["result"]
    if result.exit_code != 0 or result.output.strip() != "ok":
        detail = f"`echo ok` gave exit {result.exit_code}: {result.output.strip()[:200]!r}"
        return [Finding("terminal", FAIL, name, detail)]
    findings = [Finding("terminal", OK, name, "sandbox created, `echo ok` ran, cleaned up")]
    if "cleanup" in outcome:
        findings.append(Finding("terminal", WARN, name, outcome["cleanup"]))
    return findings


def check_local_isolation() -> list[Finding]:
    """Whether the ``local`` backend keeps commands from hermes's secrets here (``bwrap``), issue 22.1."""
    from hermes_core.plugins import get_hermes
    from hermes_core.sandboxes import selected_backend_name

    registry = get_hermes().backends
    report = getattr(registry.get("local"), "isolation_report", None) if "local" in registry else None
    if report is None:
        return []
    isolated, detail = report()
    status = OK if isolated else WARN if selected_backend_name() == "local" else INFO
    return [Finding("terminal", status, "local isolation", detail)]


def _guarded(section: str, check, *args) -> list[Finding]:
    try:
        return check(*args)
    except Exception as exc:
        return [Finding(section, FAIL, "check", f"the check itself failed: {type(exc).__name__}: {exc}")]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Every finding as JSON, for scripts.")
@click.option("--offline", is_flag=True, help="Skip the endpoint check.")
@click.option("--no-backend", is_flag=True, help="Skip starting a sandbox.")
@click.option("--timeout", default=5.0, show_default=True, help="Seconds for the endpoint check.")
@click.option("--backend-timeout", default=60.0, show_default=True, help="Seconds to start a sandbox.")
@click.option("-v", "--verbose", is_flag=True, help="Also list what is fine in detail (every tool).")
def doctor(
    as_json: bool, offline: bool, no_backend: bool, timeout: float, backend_timeout: float, verbose: bool
) -> None:
    """Check plugins, tools, the model endpoint and the terminal backend; exit 1 if something is broken.

    \b
    Examples:
      hermes doctor --offline             # no endpoint check
      hermes doctor --timeout 20 -v       # a slow endpoint; list every tool
      hermes doctor --json | jq '.findings[] | select(.status != "ok")'
    """
    from hermes_core.plugins import get_hermes

    findings = _guarded("config", check_config)
    host = get_hermes()
    findings += _guarded("plugins", check_plugins, host)
    findings += _guarded("tools", check_tools, host)
    if not offline:
        findings += _guarded("endpoint", check_endpoint, timeout)
    if not no_backend:
        findings += _guarded("terminal", check_backend, backend_timeout)
        findings += _guarded("terminal", check_local_isolation)
    findings = _masked(findings)
    failed = any(f.status == FAIL for f in findings)
    if as_json:
        click.echo(json.dumps({"ok": not failed, "findings": [asdict(f) for f in findings]}, indent=2))
    else:
        _print(findings, verbose)
    if failed:
        raise SystemExit(1)


def _masked(findings: list[Finding]) -> list[Finding]:
    """Every finding with known secrets and URL credentials masked: doctor output is often pasted."""
    from hermes_core.secrets import mask_secrets, secret_values

    known = secret_values()
    return [
        Finding(
            f.section, f.status, mask_secrets(f.subject, known=known), mask_secrets(f.detail, known=known)
        )
        for f in findings
    ]


def _print(findings: list[Finding], verbose: bool) -> None:
    section = None
    for f in findings:
        if f.status == INFO and f.section == "tools" and not verbose:
            continue
        if f.section != section:
            section = f.section
            click.secho(section, bold=True)
        mark, style = _MARKS[f.status]
        detail = "  " + click.style(f.detail, dim=True) if f.detail else ""
        click.echo(f"  {click.style(mark, fg=style)} {f.subject}{detail}")
    hidden = sum(1 for f in findings if f.status == INFO and f.section == "tools")
    if hidden and not verbose:
        click.secho(
            f"  {hidden} more tools unavailable outside the configured toolsets (-v lists them)", dim=True
        )
    failures = sum(1 for f in findings if f.status == FAIL)
    warnings = sum(1 for f in findings if f.status == WARN)
    if failures:
        click.secho(f"{failures} problem(s), {warnings} warning(s)", fg="red")
    elif warnings:
        click.secho(f"no problem, {warnings} warning(s) (marked !)", fg="yellow")
    else:
        click.secho("all good", fg="green")
