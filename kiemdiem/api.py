"""The JSON API (django-ninja): one router per app, mounted here; each is scoped like the pages.

Callers are either a logged-in user (session) or another system with an API key (Authorization: Bearer kd_…),
which acts inside the key's subtree, read-only unless the key allows writing, and is throttled per key. Every error
has one shape (kiemdiem/accounts/apikit.py), documented for 401/403/404/422/429 in the OpenAPI schema.
"""

from __future__ import annotations

from ninja.security import django_auth

from kiemdiem.accounts.apikit import ApiKeyAuth, ApiKeyThrottle, KiemdiemAPI, install_error_handlers
from kiemdiem.campaigns import api as campaigns_api
from kiemdiem.followup import api as followup_api
from kiemdiem.imports import api as imports_api
from kiemdiem.orgs import api as orgs_api
from kiemdiem.reports import api as reports_api

api = KiemdiemAPI(
    title="kiemdiem API",
    version="1",
    urls_namespace="api",
    auth=[ApiKeyAuth(), django_auth],
    throttle=[ApiKeyThrottle()],
    description=(
        "API cho các hệ thống khác và cho giao diện. Xác thực: phiên đăng nhập, hoặc khóa API do quản trị cấp "
        "(tiêu đề `Authorization: Bearer kd_…`), trong phạm vi đơn vị của khóa, chỉ đọc hoặc đọc và ghi. "
        "Danh sách phân trang bằng `limit` và `offset`, trả về `{count, items}`. Mọi lỗi có dạng "
        "`{code, message, errors}` với thông báo tiếng Việt."
    ),
)
install_error_handlers(api)

api.add_router("/units", orgs_api.units)
api.add_router("/persons", orgs_api.persons)
api.add_router("/cycles", campaigns_api.cycles)
api.add_router("/rules", campaigns_api.rules_router)
api.add_router("/followup", followup_api.router)
api.add_router("/reports", reports_api.router)
api.add_router("/imports", imports_api.router)
