"""Security settings: login throttling, CSRF on every form and endpoint, CSP, hashing, production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import global_settings, settings
from django.test import Client, override_settings

from tests.trust.urlmatrix import all_routes, fill_kwargs_blindly

pytestmark = pytest.mark.slow  # subprocesses, servers or every URL × every role: left out by make test-fast

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "KIEMDIEM_SECRET_KEY": "k" * 20 + "-một-khóa-thử-nghiệm-đủ-dài-và-ngẫu-nhiên-0123456789",
    "KIEMDIEM_ALLOWED_HOSTS": "kiemdiem.tuyenquang.dcs.vn",
}


def _manage(*args: str, settings_module: str, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    # A clean environment: no KIEMDIEM_* of the developer's, no test-only DJANGO_ALLOW_ASYNC_UNSAFE.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIEMDIEM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(DJANGO_SETTINGS_MODULE=settings_module, **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_is_clean_under_check_deploy_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        settings_module="kiemdiem.settings_production",
        extra_env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_flags_the_development_settings_under_check_deploy():
    # The same check does fail when the production layer is missing: the test above can fail.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", settings_module="kiemdiem.settings")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


def test_it_refuses_to_start_production_without_a_secret_key_from_the_environment():
    result = _manage(
        "check", settings_module="kiemdiem.settings_production", extra_env={"KIEMDIEM_ALLOWED_HOSTS": "x.vn"}
    )
    assert result.returncode != 0
    assert "KIEMDIEM_SECRET_KEY phải được đặt trong biến môi trường" in result.stderr


def test_it_takes_the_production_secret_key_and_database_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECRET_KEY == __import__('os').environ['KIEMDIEM_SECRET_KEY'], s.DEBUG,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.DATABASES['default']['NAME'])"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        settings_module="kiemdiem.settings_production",
        extra_env={**PRODUCTION_ENV, "DATABASE_URL": "postgres://kd@db.internal:5432/kiemdiem_prod"},
    )
    assert result.stdout.split() == ["True", "False", "True", "True", "True", "kiemdiem_prod"], result.stderr


def test_it_hashes_passwords_with_the_default_hasher(world, member):
    # The suite swaps in a fast hasher (tests/conftest.py); the project's settings must not set one of their own.
    import kiemdiem.settings as project_settings

    assert not hasattr(project_settings, "PASSWORD_HASHERS")
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        member.set_password("mat-khau-moi")
        assert member.password.startswith("pbkdf2_sha256$")


def test_it_sends_a_content_security_policy_without_inline_scripts(world, district_officer):
    client = Client()
    policy = client.get("/dang-nhap/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    client.force_login(district_officer)
    assert "Content-Security-Policy" in client.get(f"/don-vi/{world.na_hang.pk}/").headers
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" not in docs.content.decode()  # Swagger UI is local


@pytest.mark.django_db
def test_it_locks_a_username_out_after_repeated_failed_logins(world, district_officer, outsider):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/dang-nhap/", {"username": "nahang", "password": "sai-mat-khau"})
        assert response.status_code in (200, 429)
    locked = client.post("/dang-nhap/", {"username": "nahang", "password": "mat-khau-thu-nghiem"})
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # A colleague logging in from the same address is not locked out by someone else's guesses.
    other = client.post("/dang-nhap/", {"username": "lambinh", "password": "mat-khau-thu-nghiem"})
    assert other.status_code == 302 and client.session["_auth_user_id"] == str(outsider.pk)


# Endpoints that may take a POST without a CSRF token, and why.
CSRF_FREE = {
    "/api/rules/check": "stateless: checks the posted scenario, reads and writes nothing, needs no login",
    "/api/rules/formula": "stateless: derives points from the posted formula, reads and writes nothing, no login",
}


def test_it_requires_a_csrf_token_on_every_post(world, province_admin):
    """Every route, taken from the URL configuration: a logged-in POST without a token is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(province_admin)
    refused_by_api = 0
    for route in all_routes():
        if route.is_admin_catch_all:
            continue
        url = route.build(fill_kwargs_blindly(route))
        if url in CSRF_FREE:
            continue
        response = client.post(url, {"x": "1"})
        if route.is_api:
            # django-ninja checks CSRF itself for cookie-authenticated operations; GET-only paths answer 405.
            assert response.status_code in (403, 405), f"{url}: {response.status_code}"
            refused_by_api += response.status_code == 403
        else:
            assert response.status_code == 403, f"{url}: {response.status_code} (CSRF not enforced?)"
    assert client.post("/api/rules/check", "{}", content_type="application/json").status_code == 400
