"""What every app's API shares: API-key authentication and throttling, one error shape, pagination.

Errors, wherever they come from (a 404 of a scoped read, a refused permission, a bad query parameter, an endpoint's
own refusal), leave as {"code": "...", "message": "<Vietnamese>", "errors": [{"field": ..., "message": ...}]}, and
the OpenAPI schema documents 401/403/404/422/429 with that shape on every operation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from kiemdiem.accounts.models import ApiKey, ApiKeyEvent, ApiKeyEventKind

KEY_PREFIX = "kd_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The machine-readable code of each error status, and the Vietnamese message when the raiser gave none.
CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthenticated", "Cần đăng nhập hoặc một khóa API hợp lệ (Authorization: Bearer <khóa>)."),
    403: ("forbidden", "Không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    409: ("conflict", "Dữ liệu đã bị người khác thay đổi."),
    422: ("invalid", "Dữ liệu gửi lên không hợp lệ."),
    429: ("throttled", "Quá nhiều yêu cầu trong thời gian ngắn."),
}


class ApiErrorItem(Schema):
    field: str | None = None
    message: str


class ApiError(Schema):
    """The one shape of every error of the API."""

    code: str
    message: str
    errors: list[ApiErrorItem] = []


class ApiProblem(HttpError):
    """An error with its own code: raise it from an endpoint or an auth check."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


def error_body(
    status: int, message: str = "", *, code: str = "", errors: list[Any] | None = None
) -> dict[str, Any]:
    default_code, default_message = CODES.get(status, ("error", "Có lỗi xảy ra."))
    items = []
    for e in errors or []:
        items.append(e if isinstance(e, dict) else {"field": None, "message": str(e)})
    return {"code": code or default_code, "message": message or default_message, "errors": items}


# -- Keys ------------------------------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """SHA-256 of the whole key: it carries 256 random bits, so a fast hash is enough (nothing to brute-force)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """(prefix, secret): the prefix finds the row, the secret (shown once) proves the caller holds the key."""
    prefix = secrets.token_hex(5)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def find_key(secret: str) -> ApiKey | None:
    """The active key whose hash matches, or None."""
    if not secret.startswith(KEY_PREFIX) or secret.count("_") < 2:
        return None
    prefix = secret[len(KEY_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        return None
    if not key.is_active or not key.user.is_active:
        return None
    return key


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record(key: ApiKey, kind: str, request: HttpRequest, note: str = "") -> None:
    ApiKeyEvent.objects.create(
        key=key,
        kind=kind,
        method=request.method or "",
        path=request.path[:300],
        ip=_client_ip(request),
        note=note,
    )


class ApiKeyAuth(HttpBearer):
    """Authorization: Bearer kd_…: the request acts as the key's own account, inside the key's subtree."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = find_key(token.strip())
        if key is None:
            raise ApiProblem(401, "invalid_key", "Khóa API không hợp lệ hoặc đã bị thu hồi.")
        if not key.can_write and (request.method or "GET").upper() not in SAFE_METHODS:
            record(key, ApiKeyEventKind.REFUSED, request, "khóa chỉ đọc")
            raise ApiProblem(
                403, "read_only", "Khóa API này chỉ có quyền đọc: không được gửi, sửa hay xóa dữ liệu."
            )
        record(key, ApiKeyEventKind.USE, request)
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        request.user = key.user  # every scoped read and permission check now sees the key's account
        return key


class ApiKeyThrottle(SimpleRateThrottle):
    """At most KIEMDIEM_API_KEY_RATE requests per key (default 600/m); sessions are not throttled here."""

    scope = "api_key"

    def __init__(self) -> None:
        super().__init__(rate="600/m")

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, "KIEMDIEM_API_KEY_RATE", "600/m")
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        return f"throttle_api_key_{auth.pk}" if isinstance(auth, ApiKey) else None


# -- Pagination --------------------------------------------------------------------------------------------------

MAX_PAGE = 500


class PageIn(Schema):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"số dòng mỗi trang (1–{MAX_PAGE})")
    offset: int = Field(0, ge=0, le=10**9, description="bỏ qua bao nhiêu dòng đầu")


def page_of(rows: QuerySet | list, params: PageIn) -> tuple[int, list]:
    """(count, the page's rows) of a queryset or a list."""
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return count, list(rows[params.offset : params.offset + params.limit])


# -- The API object --------------------------------------------------------------------------------------------

_VALIDATION_MESSAGES = {
    "missing": "bắt buộc phải có",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "string_type": "phải là chuỗi ký tự",
    "string_pattern_mismatch": "có ký tự không được phép",
    "json_invalid": "không phải JSON hợp lệ",
    "enum": "không nằm trong các giá trị cho phép",
    "literal_error": "không nằm trong các giá trị cho phép",
}


def _validation_item(err: dict[str, Any]) -> dict[str, Any]:
    loc = [
        str(p)
        for p in err.get("loc", ())
        if p not in ("query", "body", "path", "form", "file", "params", "data")
    ]
    field = ".".join(loc) or None
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in _VALIDATION_MESSAGES:
        text = _VALIDATION_MESSAGES[kind]
    elif kind == "less_than_equal":
        text = f"không được lớn hơn {ctx.get('le')}"
    elif kind == "greater_than_equal":
        text = f"không được nhỏ hơn {ctx.get('ge')}"
    elif kind == "string_too_long":
        text = f"dài quá {ctx.get('max_length')} ký tự"
    elif kind == "string_too_short":
        text = f"ngắn hơn {ctx.get('min_length')} ký tự"
    else:
        text = "giá trị không hợp lệ"
    return {"field": field, "message": f"Trường “{field}”: {text}." if field else f"Dữ liệu gửi lên {text}."}


class KiemdiemAPI(NinjaAPI):
    """NinjaAPI with the one error shape on every response and in the schema."""

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        effective = temporal_response.status_code if temporal_response else status
        if effective is not None and effective >= 400 and isinstance(data, dict) and "code" not in data:
            message = data.get("detail") or data.get("message") or ""
            data = error_body(
                effective, message if isinstance(message, str) else "", errors=data.get("errors")
            )
        return super().create_response(request, data, status=status, temporal_response=temporal_response)

    # override: ninja's signature is keyword-only; we pass every argument through unchanged
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        schema = super().get_openapi_schema(*args, **kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ApiErrorItem"] = ApiErrorItem.model_json_schema()
        error_schema = ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
        error_schema.pop("$defs", None)
        schemas["ApiError"] = error_schema
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
        described = {
            401: "Chưa đăng nhập, hoặc khóa API sai hay đã bị thu hồi (code: unauthenticated, invalid_key).",
            403: "Không có quyền; khóa chỉ đọc gửi yêu cầu ghi (code: forbidden, read_only).",
            404: "Không tìm thấy, hoặc nằm ngoài phạm vi được xem (code: not_found).",
            422: "Tham số hoặc dữ liệu gửi lên không hợp lệ; errors nêu từng trường (code: invalid).",
            429: "Quá nhiều yêu cầu bằng một khóa API; thử lại sau số giây trong Retry-After (code: throttled).",
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status in list(responses):
                    if str(status).startswith("4"):
                        responses[status] = {"description": responses[status].get("description", ""), **ref}
                public = not operation.get("security")
                for status, text in described.items():
                    if public and status in (401, 403, 429):
                        continue
                    responses[status] = {"description": text, **ref}
        return schema


def install_error_handlers(api: NinjaAPI) -> None:
    def problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return api.create_response(
            request, error_body(exc.status_code, exc.message, code=exc.code), status=exc.status_code
        )

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        text = str(exc) if exc.args and isinstance(exc.args[0], str) else ""
        return api.create_response(request, error_body(404, text), status=404)

    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, error_body(403, str(exc) if exc.args else ""), status=403)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, error_body(401), status=401)

    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = f" Thử lại sau {int(exc.wait or 1)} giây." if exc.wait else ""
        return api.create_response(request, error_body(429, CODES[429][1] + wait), status=429)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        known = exc.status_code in CODES and str(exc) in ("Unauthorized", "Forbidden", "Not Found", "")
        return api.create_response(
            request, error_body(exc.status_code, "" if known else str(exc)), status=exc.status_code
        )

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        items = [_validation_item(e) for e in exc.errors]
        message = " ".join(i["message"] for i in items[:3]) or CODES[422][1]
        return api.create_response(request, error_body(422, message, errors=items), status=422)

    # ninja annotates a handler's exception as `E | type[E]`; it always passes the instance, as typed above.
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        ApiProblem: problem,
        Http404: not_found,
        PermissionDenied: forbidden,
        AuthenticationError: unauthenticated,
        Throttled: throttled,
        HttpError: http_error,
        ValidationError: invalid,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


__all__ = [
    "ApiError",
    "ApiKeyAuth",
    "ApiKeyThrottle",
    "ApiProblem",
    "KiemdiemAPI",
    "PageIn",
    "error_body",
    "find_key",
    "hash_secret",
    "install_error_handlers",
    "new_secret",
    "page_of",
]
