"""/api/staff, /api/departments, /api/audit: accounts and departments (admin writes), the read-only audit trail."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from console.api import Blueprint, PageQuery, page_schema, paginate
from console.auth import current_staff, login_required, require_role
from console.rest.schemas import (AuditEventSchema, AuditQuery, DepartmentSchema, DepartmentWriteSchema, HeadSchema,
                                  StaffCreateSchema, StaffSchema, StaffUpdateSchema)
from extensions import db
from models import AuditEvent, Department, Staff
from services import departments
from services import staff as staff_service
from services.clock import utcnow

staff_blp = Blueprint("staff_api", __name__, description="工作人员账号（管理员）")
departments_blp = Blueprint("departments_api", __name__, description="部门")
audit_blp = Blueprint("audit_api", __name__, description="操作记录（只读）")


@staff_blp.route("/")
class StaffList(MethodView):
    @staff_blp.arguments(PageQuery, location="query")
    @staff_blp.response(200, page_schema(StaffSchema))
    @require_role("admin")
    def get(self, args):
        """Every staff account, by username."""
        return paginate(select(Staff).order_by(Staff.username), args)

    @staff_blp.arguments(StaffCreateSchema)
    @staff_blp.response(201, StaffSchema)
    @require_role("admin")
    def post(self, body):
        """Create an account (password at least 10 characters)."""
        person = staff_service.create(username=body["username"], password=body["password"], role=body["role"],
                                      department=body["department_id"], display_name=body["display_name"],
                                      actor=current_staff(), now=utcnow())
        db.session.commit()
        return person


@staff_blp.route("/<int:staff_id>")
class StaffItem(MethodView):
    @staff_blp.response(200, StaffSchema)
    @require_role("admin")
    def get(self, staff_id: int):
        return staff_service.get(staff_id)

    @staff_blp.arguments(StaffUpdateSchema)
    @staff_blp.response(200, StaffSchema)
    @require_role("admin")
    def patch(self, body, staff_id: int):
        """Change role, department, display name, active flag or password."""
        person, now, actor = staff_service.get(staff_id), utcnow(), current_staff()
        person = staff_service.update(
            staff_id=staff_id, role=body.get("role", person.role),
            department=body.get("department_id", person.department_id),
            active=body.get("active", person.active), display_name=body.get("display_name", person.display_name),
            actor=actor, now=now)
        if "password" in body:
            staff_service.set_password(staff_id=staff_id, password=body["password"], actor=actor, now=now)
        db.session.commit()
        return person


@departments_blp.route("/")
class DepartmentList(MethodView):
    @departments_blp.arguments(PageQuery, location="query")
    @departments_blp.response(200, page_schema(DepartmentSchema))
    @login_required
    def get(self, args):
        """Every department, in display order."""
        return paginate(select(Department).order_by(Department.sort_order, Department.id), args)

    @departments_blp.arguments(DepartmentWriteSchema)
    @departments_blp.response(201, DepartmentSchema)
    @require_role("admin")
    def post(self, body):
        dept = departments.create(**body, actor=current_staff(), now=utcnow())
        db.session.commit()
        return dept


@departments_blp.route("/<int:department_id>")
class DepartmentItem(MethodView):
    @departments_blp.response(200, DepartmentSchema)
    @login_required
    def get(self, department_id: int):
        return departments.get(department_id)

    @departments_blp.arguments(DepartmentWriteSchema)
    @departments_blp.response(200, DepartmentSchema)
    @require_role("admin")
    def put(self, body, department_id: int):
        dept = departments.update(department_id=department_id, **body, actor=current_staff(), now=utcnow())
        db.session.commit()
        return dept


@departments_blp.route("/<int:department_id>/head")
class DepartmentHead(MethodView):
    @departments_blp.arguments(HeadSchema)
    @departments_blp.response(200, DepartmentSchema)
    @require_role("admin")
    def put(self, body, department_id: int):
        """Make a member the department's one head (null clears it)."""
        dept = departments.set_head(department_id=department_id, staff_id=body["head_id"], actor=current_staff(),
                                    now=utcnow())
        db.session.commit()
        return dept


def audit_query(args: dict):
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    for key, column in (("action", AuditEvent.action), ("object_type", AuditEvent.object_type),
                        ("object_id", AuditEvent.object_id), ("actor", AuditEvent.actor_name)):
        if args.get(key):
            query = query.where(column == args[key])
    return query


@audit_blp.route("/")
class AuditList(MethodView):
    @audit_blp.arguments(AuditQuery, location="query")
    @audit_blp.response(200, page_schema(AuditEventSchema))
    @require_role("admin", "viewer")
    def get(self, args):
        """The audit trail, newest first, filtered by action, object or actor. There is no write endpoint."""
        return paginate(audit_query(args), args)
