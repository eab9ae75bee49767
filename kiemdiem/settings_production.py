"""Production settings: the development settings plus HTTPS-only cookies, HSTS and secrets that must be set.

Use with DJANGO_SETTINGS_MODULE=kiemdiem.settings_production; `manage.py check --deploy` is clean with it
(tests/trust/test_security_settings.py).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from kiemdiem.settings import *  # noqa: F403
from kiemdiem.settings import env_bool

DEBUG = False

# Secrets only from the environment: no fallback key in production.
SECRET_KEY = os.environ.get("KIEMDIEM_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure-"):
    raise ImproperlyConfigured(
        "KIEMDIEM_SECRET_KEY phải được đặt trong biến môi trường (ít nhất 50 ký tự ngẫu nhiên), "
        'ví dụ: python -c "import secrets; print(secrets.token_urlsafe(64))".'
    )
ALLOWED_HOSTS = [h for h in os.environ.get("KIEMDIEM_ALLOWED_HOSTS", "").split(",") if h]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "KIEMDIEM_ALLOWED_HOSTS phải liệt kê tên miền của hệ thống, cách nhau bởi dấu phẩy."
    )
CSRF_TRUSTED_ORIGINS = [f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS if h != "*"]

# HTTPS everywhere: cookies only over TLS, HSTS for a year, HTTP redirected.
SECURE_SSL_REDIRECT = env_bool("KIEMDIEM_SSL_REDIRECT", True)
if env_bool("KIEMDIEM_BEHIND_PROXY"):
    # Only behind a reverse proxy that sets this header itself (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Login throttling by the client's address, not the proxy's: the one proxy's X-Forwarded-For entry.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SECURE_HSTS_SECONDS = int(os.environ.get("KIEMDIEM_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
