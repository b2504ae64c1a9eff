"""marshmallow schemas of the console's own API objects."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from console.api import PageQuery, UtcDateTime
from models.department import DepartmentKind
from models.staff import Role

ROLES = [r.value for r in Role]
KINDS = [k.value for k in DepartmentKind]


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Authorization: Bearer <token>"})
    expires_at = UtcDateTime(required=True, metadata={"description": "UTC"})


class TokenQuery(PageQuery):
    staff_id = fields.Integer(metadata={"description": "admins: only this person's tokens"})


class TokenInfoSchema(Schema):
    id = fields.Integer()
    staff_id = fields.Integer()
    username = fields.Function(lambda t: t.staff.username if t.staff else None)
    last_used_at = UtcDateTime(allow_none=True)
    label = fields.String()
    created_at = UtcDateTime()
    expires_at = UtcDateTime()
    revoked_at = UtcDateTime(allow_none=True)


class DepartmentRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.Nested(DepartmentRefSchema, allow_none=True)
    head_of_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    locked_until = UtcDateTime(allow_none=True)
    last_login_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class StaffCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=32))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    department_id = fields.Integer(allow_none=True, load_default=None)
    display_name = fields.String(load_default="", validate=validate.Length(max=64))


class StaffUpdateSchema(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    department_id = fields.Integer(allow_none=True)
    display_name = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=256))


class DepartmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    kind = fields.String()
    is_default = fields.Boolean()
    phone = fields.String()
    towns = fields.List(fields.String())
    head = fields.Nested(lambda: StaffRefSchema(), allow_none=True)


class StaffRefSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class DepartmentWriteSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    towns = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list)


class HeadSchema(Schema):
    head_id = fields.Integer(required=True, allow_none=True)


class AuditQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    actor = fields.String(metadata={"description": "username"})


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
