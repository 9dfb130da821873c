"""Production settings pass Django's deployment checks, and refuse to start half-configured."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py's own: flashsite.settings
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' setting
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "flashsite.example",
}


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_on_a_weak_secret_key():
    """The check above can fail: a short, guessable key is a warning, hence an error here."""
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DJANGO_SECRET_KEY": "x"}
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_a_mistyped_debug_flag_fails_loudly():
    result = manage("check", **{**PRODUCTION, "DJANGO_DEBUG": "nope"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG='nope' is not a boolean" in result.stderr


def test_production_settings_are_hardened():
    """What check --deploy does not look at: the proxy header, COOP, the lock-out."""
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'proxy': s.SECURE_PROXY_SSL_HEADER, 'redirect': s.SECURE_SSL_REDIRECT,"
        "'hsts': s.SECURE_HSTS_SECONDS, 'coop': s.SECURE_CROSS_ORIGIN_OPENER_POLICY,"
        "'frames': s.X_FRAME_OPTIONS, 'session_secure': s.SESSION_COOKIE_SECURE,"
        "'session_http_only': s.SESSION_COOKIE_HTTPONLY, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'csrf_http_only': s.CSRF_COOKIE_HTTPONLY, 'axes_limit': s.AXES_FAILURE_LIMIT,"
        "'min_password': [v.get('OPTIONS', {}).get('min_length') for v in "
        "s.AUTH_PASSWORD_VALIDATORS if v['NAME'].endswith('MinimumLengthValidator')][0]}))"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert settings == {
        "debug": False,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "redirect": True,
        "hsts": 31536000,
        "coop": "same-origin",
        "frames": "DENY",
        "session_secure": True,
        "session_http_only": True,
        "csrf_secure": True,
        "csrf_http_only": True,
        "axes_limit": 5,
        "min_password": 12,
    }


def test_ci_runs_the_deployment_check():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "DJANGO_DEBUG=0" in ci
    assert "manage.py check --deploy --fail-level WARNING" in ci
