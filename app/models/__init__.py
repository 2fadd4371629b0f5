"""The schema: SQLAlchemy 2 mapped classes. Import this package to register every table."""

from app.models.base import NAMING, Base, UTCDateTime, utcnow
from app.models.catalog import Category, ConfigItem, IncidentService
from app.models.escalation import EscalationFired, EscalationRuleRow, Lease
from app.models.history import AdminAuditEntry, AuditEntry, ChangeLogEntry, JournalEntry, SlaPause
from app.models.incident import NO_DUE, Incident
from app.models.intake import (
    AlertRow,
    AlertRuleRow,
    Attachment,
    AttachmentBlob,
    ImportedRecord,
    MailOutRow,
    MailRow,
)
from app.models.people import Agent, Caller, Group, agent_groups
from app.models.policy import (
    BusinessCalendarRow,
    MatrixVersion,
    Setting,
    SlaPolicyRow,
    SlaTargetRow,
)
from app.models.problem import KnownError, Problem
from app.models.review import IncidentReview
from app.models.task import IncidentTask
from app.models.views import SavedView

__all__ = [
    "NAMING",
    "NO_DUE",
    "AdminAuditEntry",
    "Agent",
    "AlertRow",
    "AlertRuleRow",
    "Attachment",
    "AttachmentBlob",
    "AuditEntry",
    "Base",
    "BusinessCalendarRow",
    "Caller",
    "Category",
    "ChangeLogEntry",
    "ConfigItem",
    "EscalationFired",
    "EscalationRuleRow",
    "Group",
    "ImportedRecord",
    "Incident",
    "IncidentReview",
    "IncidentService",
    "IncidentTask",
    "JournalEntry",
    "KnownError",
    "Lease",
    "MailOutRow",
    "MailRow",
    "MatrixVersion",
    "Problem",
    "SavedView",
    "Setting",
    "SlaPause",
    "SlaPolicyRow",
    "SlaTargetRow",
    "UTCDateTime",
    "agent_groups",
    "utcnow",
]
