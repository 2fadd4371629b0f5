"""Incident use cases: one function each, one short transaction each.

Every write asks the one rule (``app.domain.permissions``), on the locked row, whether the
actor may do it; applies the domain rule, recomputes the SLA clocks, writes an audit row per
changed field, journal entries where the desk speaks, and a change_log row for the other
workstations; it returns a frozen record. Stale edits (an `expected_version` older than the
row) raise ConflictError carrying what the other side changed; nothing is silently
overwritten.

The use cases live by family: ``new`` (logging), ``fields`` (the form, categorising,
re-prioritising, the priority override), ``routing`` (assignment and escalation),
``lifecycle`` (hold, resume, resolve, close, reopen, cancel, auto-close), ``links`` (major,
parent, problem, and the admin fields problem, change and caused-by), ``journal``;
``mutation`` is the mechanism they share.
"""

from app.services.incidents.affected import (
    add_affected,
    make_primary,
    remove_affected,
    set_affected,
)
from app.services.incidents.fields import (
    EDITABLE,
    categorise,
    override_priority,
    set_impact_urgency,
    update_fields,
)
from app.services.incidents.journal import add_journal
from app.services.incidents.lifecycle import (
    auto_close_resolved,
    cancel,
    close,
    hold,
    reopen,
    resolve,
    resume,
    start_work,
)
from app.services.incidents.links import (
    RelatedLinks,
    link_parent,
    link_problem,
    mark_major,
    set_related,
)
from app.services.incidents.mutation import AUDITED, MAX_TITLE, apply_sla, get_version
from app.services.incidents.new import NewIncident, log_incident
from app.services.incidents.routing import (
    assign,
    assign_to_me,
    escalate_functional,
    escalate_hierarchical,
)

__all__ = [
    "AUDITED",
    "EDITABLE",
    "MAX_TITLE",
    "NewIncident",
    "RelatedLinks",
    "add_affected",
    "add_journal",
    "apply_sla",
    "assign",
    "assign_to_me",
    "auto_close_resolved",
    "cancel",
    "categorise",
    "close",
    "escalate_functional",
    "escalate_hierarchical",
    "get_version",
    "hold",
    "link_parent",
    "link_problem",
    "log_incident",
    "make_primary",
    "mark_major",
    "override_priority",
    "remove_affected",
    "reopen",
    "resolve",
    "resume",
    "set_affected",
    "set_impact_urgency",
    "set_related",
    "start_work",
    "update_fields",
]
