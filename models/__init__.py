"""SQLAlchemy tables, one module per aggregate. Importing this package registers every table with `db.metadata`.

Add a new aggregate by creating `models/<name>.py` and importing it below; Alembic's autogenerate sees it then.
"""
from models.audit import AuditEvent  # noqa: F401
from models.calendar import CalendarOverride, CalendarYear  # noqa: F401
from models.campaign import Campaign, CampaignPhoto  # noqa: F401
from models.case_event import CaseEvent  # noqa: F401
from models.case_followup import CaseRating, CaseReminder, CaseReview  # noqa: F401
from models.complaint import Case, CaseCounter  # noqa: F401
from models.department import Department  # noqa: F401
from models.disposal import Disposal, DisposalNotice, DisposalReminder, DisposalStep  # noqa: F401
from models.draft import ConversationDraft  # noqa: F401
from models.delivery import DeliveryAttempt  # noqa: F401
from models.evidence import EvidencePhoto  # noqa: F401
from models.faq import (EntryProposal, EntryRevision, KnowledgeEntry, PinnedAnswer,  # noqa: F401
                        UnansweredQuestion)
from models.follower import Follower  # noqa: F401
from models.notice import PendingNotice  # noqa: F401
from models.poll import (Ballot, BallotChoice, Option, Poll, Question, SamplingBatch, SamplingResult,  # noqa: F401
                         SamplingResultOption, VoterNotice)
from models.qa_tally import QuestionTally  # noqa: F401
from models.publication import Delivery, KindPreference, MassJob, Publication, SchedulerLease  # noqa: F401
from models.scene import QrScene  # noqa: F401
from models.setting import Setting  # noqa: F401
from models.statutory_clock import StatutoryClock  # noqa: F401
from models.survey import Survey, SurveyQuestion, SurveyResponse  # noqa: F401
from models.staff import ApiToken, EndedSession, Staff  # noqa: F401
from models.inbox import BindCode, DutyOverride, DutySlot, StaffWeChat, Thread, ThreadMessage  # noqa: F401
