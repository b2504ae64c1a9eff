"""Chinese names for what the audit trail records: actions, object types and field keys, and date-times shown in
China time. The trail itself keeps the stable codes (`complaint.assign`, zoned ISO date-times); only the page reads
these. An unknown code is shown as it is, so a new action is never hidden."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from models.publication import kind_label
from services.clock import CHINA

AREAS = {"complaint": "案件", "auth": "登录", "calendar": "工作日日历", "clock": "法定期限", "department": "部门",
         "duty": "值班", "inbox": "人工对话", "poll": "投票", "publication": "推送", "settings": "单位设置",
         "staff": "工作人员", "token": "API 令牌", "wechat": "微信绑定", "kb_entry": "知识库", "kb_question": "待处理问题",
         "sampling": "抽检结果", "scene": "二维码场景"}
VERBS = {"accept": "受理", "reject": "不予受理", "file": "立案", "not_file": "不予立案", "pause": "暂停计时",
         "resume": "恢复调解", "close": "办结", "assign": "交办", "mediate": "调解记录", "mediation": "调解记录",
         "note": "内部备注", "reply": "回复", "12315": "12315 编号", "sector": "设置行业", "review": "复核",
         "export": "导出", "login": "登录", "logout": "退出", "login_failed": "登录失败", "day": "设置日期",
         "day_removed": "删除日期", "import": "导入", "update": "修改", "create": "新建", "set_head": "指定负责人",
         "campaign": "活动值班", "override_add": "添加临时值班", "slot_add": "添加值班时段", "slot_remove": "删除值班时段",
         "override_remove": "删除临时值班", "take": "接手", "resolve": "办结", "settings": "设置",
         "convert_proposed": "提议转为投诉", "password": "重置密码", "unlock": "解除锁定", "issue": "签发",
         "revoke": "吊销", "revoke_all": "全部吊销", "bind": "绑定", "bind_code": "生成绑定码", "unbind": "解除绑定",
         "edit": "编辑", "unconfirmed": "发送未确认", "publish": "发布", "unpublish": "撤下", "approve": "审核通过",
         "submit": "提交审核", "scheduled": "定时", "sent": "发送", "cancelled": "取消", "withdrawn": "撤回",
         "draft": "退回草稿", "review_pending": "提交审核", "approved": "审核通过", "open": "开始", "closed": "结束",
         "archived": "归档", "batch.create": "新建批次", "batch.publish": "发布批次", "result.create": "录入结果",
         "result.delete": "删除结果", "rollback": "回滚", "dismissed": "忽略", "answered": "已解答", "delete": "删除",
         "qrcode": "生成二维码"}
SINGLE = {"subscribe": "关注", "unsubscribe": "取消关注"}
TYPES = {"case": "案件", "complaint": "投诉导出", "api_token": "API 令牌", "calendar": "工作日日历",
         "clock": "法定期限", "department": "部门", "duty_override": "临时值班", "duty_slot": "值班时段",
         "kb_entry": "知识库条目", "kb_question": "待处理问题", "poll": "投票", "publication": "推送",
         "setting": "设置", "staff": "工作人员", "thread": "人工对话", "follower": "关注者", "sampling": "抽检结果",
         "scene": "二维码场景"}
FIELDS = {"status": "状态", "due_on": "期限", "department_id": "部门编号", "assignee_id": "责任人编号",
          "reason": "理由", "review": "复核", "reopened": "重新办理", "sector": "行业", "number_12315": "12315 编号",
          "ip": "地址", "username": "用户名", "role": "角色", "active": "启用", "name": "姓名", "title": "标题",
          "start": "起始日期", "end": "截止日期", "rows": "行数", "days": "天数", "unit": "计日方式", "basis": "法律依据",
          "verdict": "结论", "sample_name": "样品", "result": "结果编号", "published": "已发布", "version": "版本",
          "answer": "答案", "question": "标准问题", "keywords": "关键词", "at": "时间", "scheduled_at": "定时时间",
          "expires_at": "到期时间", "text": "内容", "department": "部门", "head_id": "负责人编号",
          "label": "名称", "business_name": "商家名称", "business_address": "商家地址", "key": "场景代码"}

# Stored codes whose Chinese name the page shows: (object type, field) → code → label.
CODED = {("publication", "kind"): kind_label}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def action(code: str) -> str:
    """`complaint.assign` → 案件·交办; unknown parts stay as written."""
    if code in SINGLE:
        return SINGLE[code]
    area, _, verb = code.partition(".")
    if not verb:
        return VERBS.get(code, code)
    return f"{AREAS.get(area, area)}·{VERBS.get(verb, verb)}"


def object_type(code: str) -> str:
    return TYPES.get(code, code)


def field(key: str) -> str:
    return FIELDS.get(key, key)


def coded(object_type: str, key: str, value):
    """A field's stored code as its Chinese name (a publication's `warning` → 消费警示); anything else unchanged."""
    name = CODED.get((object_type, key))
    return name(value) if name is not None and isinstance(value, str) else value


def value(text: str | None) -> str | None:
    """A zoned ISO date-time becomes China wall-clock text; anything else is unchanged."""
    if text is None or not _ISO.match(text):
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:          # older records: naive UTC, as every timestamp column holds
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + "（北京时间）"
