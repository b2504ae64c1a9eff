"""Every refusal reads the same: `{"error": {"code", "message"[, "field", "fields"]}}` on /api, a Chinese page on
/console. Domain errors keep their status (404/409/422/403), marshmallow's 422 names each bad field, a database
conflict is a 409, and anything unexpected is logged with a traceback and answered without leaking it.
"""
from __future__ import annotations

import re

from flask import render_template, request
from flask_smorest import Api
from marshmallow import Schema, fields
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

import logs
from console.auth import is_api_request
from extensions import db
from services import DomainError

log = logs.get(__name__)

STATUS_MESSAGES = {
    400: "请求格式有误", 401: "请先登录", 403: "没有权限", 404: "找不到该资源", 405: "不支持该请求方法",
    409: "数据冲突，请刷新后重试", 413: "请求内容过大", 415: "请以 JSON 提交", 422: "请求参数有误", 429: "请求过于频繁",
    500: "服务器内部错误，请稍后再试",
}
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                422: "invalid", 429: "too_many_requests", 500: "internal"}
# marshmallow's English messages, as staff read them.
FIELD_MESSAGES = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为 true 或 false",
    "Not a valid datetime.": "应为日期时间（ISO 8601）",
    "Not a valid date.": "应为日期（YYYY-MM-DD）",
    "Not a valid list.": "应为列表",
    "Unknown field.": "未知字段",
    "Invalid input type.": "类型不正确",
    "Invalid input type": "类型不正确",
}
CONFLICT = "数据冲突（可能已存在相同记录），请刷新后重试"
TOO_LONG = "「{field}」超出长度限制（最多 {limit} 个字符）或含有不允许的字符"
BAD_VALUE = "提交的内容超出长度限制或含有不允许的字符"
NUL_CHAR = "「{field}」含有不允许的控制字符"


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True, metadata={"example": "请求参数有误：username 必填"})
    field = fields.String(metadata={"description": "the bad field, when one is to blame"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "field → message for validation errors"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetail, required=True)


def error_body(status: int, message: str | None = None, *, code: str | None = None, field: str | None = None,
               field_errors: dict | None = None) -> dict:
    body = {"code": code or STATUS_CODES.get(status, "error"), "message": message or STATUS_MESSAGES.get(status, "")}
    if field:
        body["field"] = field
    if field_errors:
        body["fields"] = field_errors
    return {"error": body}


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    """{"json": {"a": ["Missing…"], "b": {"0": [...]}}} → {"a": "必填", "b.0": ...}."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if not prefix and key in {"json", "query", "form", "files", "headers", "view_args"}:
                name = ""
            flat.update(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = "；".join(FIELD_MESSAGES.get(m, m) for m in messages)
    return flat


def error_page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def _custom_description(error: HTTPException) -> bool:
    return bool(error.description) and error.description != type(error).description


class ConsoleApi(Api):
    """flask-smorest's Api with the project's error shape (it handles every HTTPException app-wide)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        if status >= 500:
            log.error("request failed", path=request.path, status=status, exc_info=getattr(error, "original_exception",
                                                                                          None) or True)
        if not is_api_request():
            if request.path.startswith("/console"):
                message = error.description if _custom_description(error) else STATUS_MESSAGES.get(status, "")
                return error_page(status, message)
            return error
        data = getattr(error, "data", None) or {}
        headers = data.get("headers", {}) if isinstance(data, dict) else {}
        if status == 422 and "messages" in data:
            problems = _flatten(data["messages"])
            summary = "；".join(f"{k} {v}" for k, v in problems.items())
            first = next(iter(problems), None)
            return error_body(422, f"{STATUS_MESSAGES[422]}：{summary}", field=first, field_errors=problems), 422, \
                headers
        message = data.get("message") if isinstance(data, dict) else None
        if not message and _custom_description(error):
            message = error.description   # a reason we wrote (console.auth.deny), not werkzeug's English default
        if status == 401:
            headers = {**headers, "WWW-Authenticate": 'Bearer realm="api"'}
        return error_body(status, message), status, headers


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        if is_api_request():
            headers = {"WWW-Authenticate": 'Bearer realm="api"'} if err.status == 401 else {}
            return error_body(err.status, err.message, code=err.code, field=err.field), err.status, headers
        return error_page(err.status, err.message)

    def out_of_range(err: Exception):
        """An id no column can hold (2**70): it cannot exist, so 404 rather than a driver error."""
        db.session.rollback()
        log.info("out-of-range value", path=request.path, error=type(err).__name__)
        if is_api_request():
            return error_body(404), 404
        return error_page(404, STATUS_MESSAGES[404])

    def data_error(err: DataError):
        """A value the column refuses (too long, a NUL…): 400 naming the field when the statement shows which."""
        db.session.rollback()
        field, limit = _culprit(err)
        log.info("database refused a value", path=request.path, field=field)
        if field is None and _is_lookup(err):
            return out_of_range(err)
        message = TOO_LONG.format(field=field, limit=limit) if field else BAD_VALUE
        if is_api_request():
            return error_body(400, message, field=field), 400
        return error_page(400, message)

    app.register_error_handler(OverflowError, out_of_range)
    app.register_error_handler(DataError, data_error)
    app.before_request(_refuse_nul)

    @app.errorhandler(IntegrityError)
    def integrity_error(err: IntegrityError):
        db.session.rollback()
        log.warning("integrity conflict", path=request.path, error=type(err.orig).__name__)
        if is_api_request():
            return error_body(409, CONFLICT), 409
        return error_page(409, CONFLICT)


def _refuse_nul():
    """No stored text may hold a NUL (PostgreSQL refuses it): 400 naming the field before any work starts."""
    if not (is_api_request() or request.path.startswith("/console")):
        return None
    values = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            values += [(k, v) for k, v in body.items() if isinstance(v, str)]
            values += [(k, "\x00") for k in body if "\x00" in str(k)]
    for name, value in values:
        if "\x00" in str(value) or "\x00" in name:
            field = name.replace("\x00", "")
            message = NUL_CHAR.format(field=field)
            if is_api_request():
                return error_body(400, message, field=field), 400
            return error_page(400, message)
    return None


def _is_lookup(err: DataError) -> bool:
    return (err.statement or "").lstrip().upper().startswith("SELECT")


def _culprit(err: DataError) -> tuple[str | None, int | None]:
    """The parameter that broke an INSERT/UPDATE: a string longer than its column, or one holding a NUL."""
    statement = err.statement or ""
    match = re.match(r"\s*(?:INSERT INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
    table = db.metadata.tables.get(match.group(1)) if match else None
    params = err.params if isinstance(err.params, dict) else (err.params[0] if err.params and
                                                               isinstance(err.params[0], dict) else {})
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        name = re.sub(r"_\d+$", "", key)
        column = table.columns.get(name) if table is not None else None
        limit = getattr(getattr(column, "type", None), "length", None)
        if "\x00" in value or (limit and len(value) > limit):
            return name, limit
    return None, None
