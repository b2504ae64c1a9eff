"""SQLAlchemy tables, one module per aggregate. Importing this package registers every table with `db.metadata`.

Add a new aggregate by creating `models/<name>.py` and importing it below; Alembic's autogenerate sees it then.
"""
from models.calendar import CalendarOverride  # noqa: F401
from models.delivery import DeliveryAttempt  # noqa: F401
from models.faq import EntryRevision, KnowledgeEntry, PinnedAnswer, UnansweredQuestion  # noqa: F401
from models.follower import Follower  # noqa: F401
from models.notice import PendingNotice  # noqa: F401
from models.setting import Setting  # noqa: F401
