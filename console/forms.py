"""Flask-WTF forms of the console's own pages, with Chinese messages. Each carries a CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, Optional

from models.department import KIND_LABELS
from models.staff import ROLE_LABELS
from services.staff import MIN_PASSWORD_LENGTH

REQUIRED = "必填"
ROLE_CHOICES = [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
KIND_CHOICES = [SelectChoice(k.value, label) for k, label in KIND_LABELS.items()]


class ConsoleForm(FlaskForm):
    """WTForms' built-in messages ("Not a valid choice.") in Chinese, without Flask-Babel."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)


class LoginForm(ConsoleForm):
    username = StringField("用户名", validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(REQUIRED), Length(max=256)])


class StaffCreateForm(ConsoleForm):
    username = StringField("用户名", validators=[DataRequired(REQUIRED), Length(3, 32, "3–32 个字符")])
    display_name = StringField("姓名", validators=[Optional(), Length(max=64, message="最多 64 个字")])
    password = PasswordField("初始密码", validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD_LENGTH, max=256, message=f"至少 {MIN_PASSWORD_LENGTH} 位")])
    role = SelectField("角色", choices=ROLE_CHOICES, default="staff")
    department_id = SelectField("部门", coerce=str, validate_choice=False)


class StaffEditForm(ConsoleForm):
    display_name = StringField("姓名", validators=[Optional(), Length(max=64, message="最多 64 个字")])
    role = SelectField("角色", choices=ROLE_CHOICES)
    department_id = SelectField("部门", coerce=str, validate_choice=False)
    active = BooleanField("启用")
    password = PasswordField("重设密码（留空不改）", validators=[
        Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256, message=f"至少 {MIN_PASSWORD_LENGTH} 位")])


class DepartmentForm(ConsoleForm):
    name = StringField("名称", validators=[DataRequired(REQUIRED), Length(max=64, message="最多 64 个字")])
    kind = SelectField("类别", choices=KIND_CHOICES)
    phone = StringField("电话", validators=[Optional(), Length(max=32, message="最多 32 个字符")])
    towns = StringField("辖区乡镇（用顿号或逗号分隔）", validators=[Optional(), Length(max=500)])


class HeadForm(ConsoleForm):
    head_id = SelectField("负责人", coerce=str, validate_choice=False)


class SettingsForm(ConsoleForm):
    name = StringField("单位名称", validators=[DataRequired(REQUIRED), Length(max=64, message="最多 64 个字")])
    phone = StringField("咨询电话", validators=[DataRequired(REQUIRED), Length(max=32, message="最多 32 个字符")])
    address = StringField("办公地址", validators=[DataRequired(REQUIRED), Length(max=128, message="最多 128 个字")])
    hotline = StringField("投诉举报热线", validators=[DataRequired(REQUIRED), Length(max=32)])
    office_hours = TextAreaField("办公时间（每行一段，如 08:30-12:00）", validators=[DataRequired(REQUIRED)])


class ConfirmForm(ConsoleForm):
    """A button-only form (revoke, unlock): just the CSRF token."""


def department_choices(none_label: str = "（未分配）") -> list[SelectChoice]:
    from services import departments
    return [SelectChoice("", none_label)] + [SelectChoice(str(d.id), d.name) for d in departments.all_departments()]


def apply_error(form: FlaskForm, err) -> None:
    """Show a DomainError under the field it names, or above the form."""
    target = None
    if err.field:
        target = getattr(form, err.field, None) or getattr(form, f"{err.field}_id", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, err.message]
    else:
        form.form_errors.append(err.message)
