"""The incident window's actions: which exist, when each is allowed, and their dialogs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QWidget,
)

from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import (
    CancelReason,
    CloseReason,
    HoldReason,
    ResolutionCode,
)
from app.domain.permissions import IncidentFacts, Target
from app.domain.permissions import why_not as rule_why_not
from app.domain.records import (
    GroupRecord,
    IncidentRecord,
)
from app.services import incidents, queries
from app.services.context import Actor, Desk
from app.views.dialogs import ActionDialog
from app.views.tasks import TaskRunner

# -- which action, when: the one answer of app.domain.permissions ------------------------------


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    shortcut: str
    action: IncidentAction


A = IncidentAction
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("assign_to_me", "Assign to &me", "Ctrl+M", A.ASSIGN_TO_ME),
    ActionSpec("assign", "&Assign…", "Ctrl+Shift+A", A.ASSIGN_GROUP),
    ActionSpec("escalate", "&Escalate…", "Ctrl+E", A.ESCALATE),
    ActionSpec("escalate_up", "Escalate to &supervisor…", "Ctrl+Shift+E", A.ESCALATE_TO_SUPERVISOR),
    ActionSpec("hold", "Put on &hold…", "Ctrl+H", A.HOLD),
    ActionSpec("resume", "Res&ume", "Ctrl+U", A.RESUME),
    ActionSpec("resolve", "&Resolve…", "Ctrl+R", A.RESOLVE),
    ActionSpec("close", "C&lose", "Ctrl+Shift+L", A.CLOSE),
    ActionSpec("reopen", "Re&open…", "Ctrl+Shift+O", A.REOPEN),
    ActionSpec("cancel", "&Cancel incident…", "Ctrl+Shift+X", A.CANCEL),
    ActionSpec("major", "Mark ma&jor", "Ctrl+Shift+J", A.MARK_MAJOR),
)


def action_of(spec: ActionSpec, record: IncidentRecord) -> IncidentAction:
    """The rule's action behind a window action (the major toggle marks or unmarks)."""
    if spec.action is A.MARK_MAJOR and record.major:
        return A.UNMARK_MAJOR
    return spec.action


def why_not(spec: ActionSpec, actor: Actor, record: IncidentRecord) -> str | None:
    """None when `actor` may do `spec` on `record` now, else the reason in words."""
    return rule_why_not(actor, IncidentFacts.of(record), action_of(spec, record))


def action_dialog(
    name: str,
    r: IncidentRecord,
    *,
    desk: Desk,
    actor: Actor,
    runner: TaskRunner,
    groups: list[GroupRecord],
    parent: QWidget,
) -> ActionDialog:
    """The dialog of action `name` on `r`; OK runs its use case on the runner, expecting the
    version of `r` (what the user saw when it opened; see app.views.dialogs)."""
    iid = r.id
    ver0 = r.version

    def bind(fn: Callable[[dict[str, Any], int], IncidentRecord]) -> Any:
        # the dialog hands in the version it expects (the one it opened on)
        return lambda v, ver: functools.partial(fn, v, ver)

    if name == "assign":
        d = ActionDialog(
            "Assign…",
            runner,
            bind(
                lambda v, ver: incidents.assign(
                    desk,
                    actor,
                    iid,
                    ver,
                    group_id=v["group"],
                    assignee_id=v["assignee"],
                    reason=v["reason"] or None,
                )
            ),
            ver0,
            parent,
        )
        offered = [g for g in groups if g.active or g.id == r.group_id]  # not a deactivated one
        group_combo = d.add_combo("group", "&Group:", [(g.name, g.id) for g in offered])
        group_combo.setCurrentIndex(max(group_combo.findData(r.group_id), 0))
        assignee = d.add_combo("assignee", "&Assignee:", [("(group only)", None)])
        d.add_line("reason", "&Reason:")

        def fill_agents() -> None:
            gid = group_combo.currentData()
            runner.run(
                lambda: queries.agents(desk, gid),
                lambda agents: _fill(agents),
                key=f"assign-agents-{id(d)}",
            )

        def _fill(agents: list[Any]) -> None:
            # naming someone else is its own right (the rule says for which groups)
            target = Target(group_combo.currentData(), group_combo.currentText())
            refused = rule_why_not(actor, IncidentFacts.of(r), A.ASSIGN_PERSON, target)
            assignee.clear()
            assignee.addItem("(group only)", None)
            for a in agents:
                if a.active and (refused is None or a.id == actor.id):
                    assignee.addItem(a.full_name, a.id)
            assignee.setToolTip(refused or "")

        group_combo.currentIndexChanged.connect(fill_agents)
        fill_agents()
        return d
    if name == "escalate":
        higher = [g for g in groups if g.line > r.support_line and g.active]
        d = ActionDialog(
            "Escalate…",
            runner,
            bind(
                lambda v, ver: incidents.escalate_functional(
                    desk, actor, iid, ver, v["group"], v["reason"]
                )
            ),
            ver0,
            parent,
        )
        d.add_combo("group", "To &group:", [(f"{g.name} (line {g.line})", g.id) for g in higher])
        d.add_text("reason", "&Reason:")
        if not higher:
            d.message.setText(f"No group on a line above {r.support_line}.")
            d.message.show()
        return d
    if name == "escalate_up":
        d = ActionDialog(
            "Escalate to supervisor…",
            runner,
            bind(
                lambda v, ver: incidents.escalate_hierarchical(desk, actor, iid, ver, v["reason"])
            ),
            ver0,
            parent,
        )
        d.add_text("reason", "&Reason:")
        return d
    if name == "hold":
        d = ActionDialog(
            "Put on hold…",
            runner,
            bind(
                lambda v, ver: incidents.hold(
                    desk, actor, iid, ver, v["hold_reason"], v["comment"] or None
                )
            ),
            ver0,
            parent,
        )
        d.add_combo("hold_reason", "&Reason:", [(h.label, h.value) for h in HoldReason])
        d.add_text("comment", "&Comment to the caller:")
        d.fields["comment"].setToolTip("Required when awaiting the caller: say what is awaited")
        return d
    if name == "resolve":
        d = ActionDialog(
            "Resolve…",
            runner,
            bind(
                lambda v, ver: incidents.resolve(
                    desk,
                    actor,
                    iid,
                    ver,
                    v["resolution_code"] or "",
                    v["resolution_notes"],
                    close_tasks=v["tasks"] or None,
                )
            ),
            ver0,
            parent,
        )
        d.add_combo(
            "resolution_code",
            "Resolution &code:",
            [("(choose a code)", None)] + [(c.label, c.value) for c in ResolutionCode],
        )
        d.add_text("resolution_notes", "Resolution &notes:")
        tasks_reason = d.add_line("tasks", "Close open &tasks, because:")
        tasks_reason.setPlaceholderText("only when tasks are still open: why they may close")
        tasks_reason.setToolTip(
            "An incident with an open task is not resolved; a reason here closes its open "
            "tasks (Closed incomplete) in the same step, if the site allows it"
        )
        return d
    if name == "close":
        d = ActionDialog(
            "Close",
            runner,
            bind(lambda v, ver: incidents.close(desk, actor, iid, ver, v["close_reason"])),
            ver0,
            parent,
        )
        d.add_combo(
            "close_reason",
            "&Why:",
            [("The caller confirmed the fix", CloseReason.CALLER_CONFIRMED.value)],
        )
        return d
    if name == "reopen":
        d = ActionDialog(
            "Reopen…",
            runner,
            bind(lambda v, ver: incidents.reopen(desk, actor, iid, ver, v["reopen_reason"])),
            ver0,
            parent,
        )
        d.add_text("reopen_reason", "&Reason (what the caller said):")
        return d
    if name == "cancel":
        d = ActionDialog(
            "Cancel incident…",
            runner,
            bind(lambda v, ver: incidents.cancel(desk, actor, iid, ver, v["cancel_reason"])),
            ver0,
            parent,
        )
        combo = d.add_combo("cancel_reason", "&Reason:", [(c.label, c.label) for c in CancelReason])
        combo.setEditable(True)
        return d
    raise ValueError(name)
