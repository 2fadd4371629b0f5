"""The domain's refusals, word for word: each says what is wrong and names the field, so the
windows and the command line can point at it. And the two built-in matrices, cell by cell."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from app.domain.calendar import BusinessCalendar
from app.domain.errors import IllegalTransition, ValidationError
from app.domain.escalation import check_functional, check_hierarchical, line_label
from app.domain.lifecycle import (
    ResolutionCode,
    State,
    check_cancel,
    check_hold,
    check_reopen,
    check_resolve,
)
from app.domain.matrix import PriorityMatrix, default_matrix, glpi_matrix

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def refused(call, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        call()
    assert (err.value.field, str(err.value)) == (field, message)


# -- lifecycle guards -------------------------------------------------------------------------


def test_hold_refusals() -> None:
    known = "awaiting_caller, awaiting_vendor, awaiting_change, awaiting_problem"
    for empty in (None, ""):
        refused(
            lambda empty=empty: check_hold(State.IN_PROGRESS, empty, "x"),
            "hold_reason",
            f"A reason is required to put an incident on hold ({known})",
        )
    refused(
        lambda: check_hold(State.IN_PROGRESS, "lunch", "x"),
        "hold_reason",
        f"Unknown hold reason 'lunch'; use one of: {known}",
    )
    for blank in (None, "", "  "):
        refused(
            lambda blank=blank: check_hold(State.IN_PROGRESS, "awaiting_caller", blank),
            "comment",
            "A comment to the caller is required: say what you are waiting for",
        )
    with pytest.raises(IllegalTransition) as err:
        check_hold(State.ON_HOLD, "awaiting_vendor", None)
    assert (
        str(err.value)
        == "Cannot put on hold an incident that is On Hold; allowed from On Hold: resume"
    )


def test_resolve_refusals() -> None:
    for empty in (None, ""):
        refused(
            lambda empty=empty: check_resolve(State.IN_PROGRESS, empty, "notes"),
            "resolution_code",
            "A resolution code is required to resolve",
        )
    refused(
        lambda: check_resolve(State.IN_PROGRESS, "fixed", "notes"),
        "resolution_code",
        "Unknown resolution code 'fixed'; use one of: "
        + ", ".join(c.value for c in ResolutionCode),
    )
    for blank in (None, "", " \n "):
        refused(
            lambda blank=blank: check_resolve(State.IN_PROGRESS, "known_error", blank),
            "resolution_notes",
            "Resolution notes are required: say what restored the service",
        )
    assert check_resolve(State.IN_PROGRESS, "known_error", " See KE12 ") == (
        ResolutionCode.KNOWN_ERROR,
        "See KE12",
    )
    with pytest.raises(IllegalTransition, match=r"^Cannot resolve an incident that is Resolved"):
        check_resolve(State.RESOLVED, "known_error", "again")


def test_reopen_and_cancel_refusals() -> None:
    for blank in (None, "", "   "):
        refused(
            lambda blank=blank: check_reopen(State.RESOLVED, blank),
            "reopen_reason",
            "A reason is required to reopen",
        )
        refused(
            lambda blank=blank: check_cancel(State.NEW, blank),
            "cancel_reason",
            "A reason is required to cancel",
        )
    assert check_reopen(State.RESOLVED, "  still broken ") == "still broken"
    assert check_cancel(State.IN_PROGRESS, " dup ") == "dup"
    with pytest.raises(IllegalTransition, match=r"^Cannot reopen an incident that is In Progress"):
        check_reopen(State.IN_PROGRESS, "x")
    with pytest.raises(IllegalTransition, match=r"^Cannot cancel an incident that is Resolved"):
        check_cancel(State.RESOLVED, "x")


# -- escalation -------------------------------------------------------------------------------


def test_support_lines_in_words() -> None:
    assert [line_label(n) for n in (1, 2, 3, 4)] == ["1st line", "2nd line", "3rd line", "line 4"]


def test_functional_escalation() -> None:
    assert check_functional(1, "Network", 2, "  VPN down ") == "VPN down"
    assert check_functional(1, "Vendor", 3, "x") == "x"
    for blank in (None, "", "  "):
        refused(
            lambda blank=blank: check_functional(1, "Network", 2, blank),
            "reason",
            "A reason is required to escalate",
        )
    for target in (1, 2):
        refused(
            lambda target=target: check_functional(2, "Messaging", target, "why"),
            "group",
            f"Messaging is {line_label(target)}; a functional escalation from 2nd line needs a group "
            "on a higher line (use Assign to move an incident within a line)",
        )


def test_hierarchical_escalation() -> None:
    assert check_hierarchical(" The CFO ", "Carla Rossi", "Service Desk") == "The CFO"
    for blank in (None, "", " "):
        refused(
            lambda blank=blank: check_hierarchical(blank, "Carla Rossi", "Service Desk"),
            "reason",
            "A reason is required to escalate to a supervisor",
        )
    refused(
        lambda: check_hierarchical("why", None, "Network"),
        "group",
        "The group Network has no supervisor to escalate to; set one first",
    )
    refused(
        lambda: check_hierarchical("why", None, None),
        "group",
        "The group (none) has no supervisor to escalate to; set one first",
    )


# -- the matrix -------------------------------------------------------------------------------


def test_the_built_in_matrices_cell_by_cell() -> None:
    servicenow = default_matrix()
    assert servicenow.cells == ((1, 2, 3), (2, 3, 4), (3, 4, 5))
    assert servicenow.impact_labels == servicenow.urgency_labels == ("High", "Medium", "Low")
    assert servicenow.priority_labels == ("Critical", "High", "Moderate", "Low", "Planning")
    assert servicenow.version == 1
    glpi = glpi_matrix()
    # DESIGN.md: GLPI's rows by urgency, columns by impact, 1 = very low:
    # 1:[1,1,2,2,2] 2:[1,2,2,3,3] 3:[2,2,3,4,4] 4:[2,3,4,4,5] 5:[2,3,4,5,5]
    # ours: impact-major, 1 = most urgent (their table mirrored and transposed, worked by hand)
    assert glpi.cells == (
        (1, 1, 2, 3, 4),
        (1, 2, 2, 3, 4),
        (2, 2, 3, 4, 4),
        (3, 3, 4, 4, 5),
        (4, 4, 4, 5, 5),
    )
    assert glpi.version == 1
    levels = ("Very high", "High", "Medium", "Low", "Very low")
    assert glpi.impact_labels == glpi.urgency_labels == glpi.priority_labels == levels


LABELS3 = ("High", "Medium", "Low")
CELLS = ((1, 2, 3), (2, 3, 4), (3, 4, 5))
PRIO = ("P1", "P2", "P3", "P4", "P5")


def test_matrix_refusals_name_the_part() -> None:
    def bad(field: str, message: str, **kw: object) -> None:
        args: dict[str, object] = {
            "impact_labels": LABELS3,
            "urgency_labels": LABELS3,
            "priority_labels": PRIO,
            "cells": CELLS,
        }
        args.update(kw)
        refused(lambda: PriorityMatrix(**args), field, message)  # type: ignore[arg-type]

    bad("impact", "The impact levels must be a list of names, got 'abc'", impact_labels="abc")
    bad("urgency", "The urgency levels must be a list of names, got None", urgency_labels=None)
    bad("impact", "Impact level 2 needs a name, got ' '", impact_labels=("a", " ", "c"))
    bad("urgency", "Urgency level 3 needs a name, got 7", urgency_labels=("a", "b", 7))
    bad("impact", "The matrix needs 3 to 5 impact levels, got 2", impact_labels=("a", "b"))
    bad("urgency", "The matrix needs 3 to 5 urgency levels, got 6", urgency_labels=tuple("abcdef"))
    bad("priority", "The matrix needs 1 to 9 priority levels, got 0", priority_labels=())
    bad(
        "priority",
        "The matrix needs 1 to 9 priority levels, got 10",
        priority_labels=tuple("abcdefghij"),
    )
    bad("cells", "The matrix cells must be rows of priorities, got '123'", cells="123")
    bad("cells", "The matrix has 2 rows for 3 impact levels", cells=CELLS[:2])
    bad("cells", "Impact row 2 must be a row of priorities, got 5", cells=(CELLS[0], 5, CELLS[2]))
    bad(
        "cells", "Impact row 3 has 2 cells for 3 urgency levels", cells=(CELLS[0], CELLS[1], (3, 4))
    )
    bad(
        "cells",
        "Cell impact 2 x urgency 3 holds True: a priority is a whole number 1 to 5",
        cells=(CELLS[0], (2, 3, True), CELLS[2]),
    )
    bad(
        "cells",
        "Cell impact 1 x urgency 1 holds priority 0, outside 1..5",
        cells=((0, 2, 3), CELLS[1], CELLS[2]),
    )
    bad(
        "cells",
        "Cell impact 3 x urgency 2 holds priority 6, outside 1..5",
        cells=(CELLS[0], CELLS[1], (3, 6, 5)),
    )
    # the edges are allowed: 3 and 5 levels, 1 and 9 priorities
    five = tuple("abcde")
    m = PriorityMatrix(five, LABELS3, tuple("abcdefghi"), ((9, 1, 1),) * 5)
    assert (m.impacts, m.urgencies, m.priorities) == (5, 3, 9)
    one = PriorityMatrix(list(LABELS3), list(five), ["Only"], [[1] * 5] * 3)  # type: ignore[arg-type]
    assert one.cells == ((1,) * 5,) * 3 and isinstance(one.impact_labels, tuple)
    assert isinstance(one.urgency_labels, tuple) and one.priority_labels == ("Only",)


def test_matrix_levels_in_words() -> None:
    m = default_matrix()
    assert m.impact_levels() == ((1, "1 - High"), (2, "2 - Medium"), (3, "3 - Low"))
    assert m.urgency_levels() == ((1, "1 - High"), (2, "2 - Medium"), (3, "3 - Low"))
    assert m.urgency_label(3) == "3 - Low" and m.impact_label(1) == "1 - High"
    assert m.priority_label(5) == "5 - Planning" and m.priority_label(6) == "6"
    assert m.priority_label(True) == "True" and m.priority_label(0) == "0"
    refused(lambda: m.urgency_label(4), "urgency", "Urgency must be 1 to 3, got 4")
    refused(lambda: m.impact_label(0), "impact", "Impact must be 1 to 3, got 0")
    refused(lambda: m.priority(1.0, 1), "impact", "Impact must be a whole number 1 to 3, got 1.0")  # type: ignore[arg-type]
    refused(
        lambda: m.priority(1, True), "urgency", "Urgency must be a whole number 1 to 3, got True"
    )


# -- the calendar's arguments -----------------------------------------------------------------


def test_calendar_arguments_are_checked() -> None:
    cal = BusinessCalendar.office_hours("Office", "Europe/Brussels")
    naive = datetime(2026, 3, 2, 9, 0)
    for call, what in (
        (lambda: cal.working_seconds(naive, MONDAY), "start"),
        (lambda: cal.working_seconds(MONDAY, naive), "end"),
        (lambda: cal.add_working_seconds(naive, 60), "start"),
        (lambda: cal.is_working(naive), "at"),
    ):
        with pytest.raises(ValueError) as err:
            call()
        assert (
            str(err.value)
            == f"{what} must be timezone-aware, got naive datetime 2026-03-02T09:00:00"
        )
    with pytest.raises(TypeError, match=r"^start must be a datetime, not str$"):
        cal.working_seconds("monday", MONDAY)  # type: ignore[arg-type]
    for bad in (1.5, True, "60"):
        with pytest.raises(TypeError) as err:
            cal.add_working_seconds(MONDAY, bad)  # type: ignore[arg-type]
        assert str(err.value) == f"seconds must be an int, got {bad!r}"
    with pytest.raises(ValueError, match=r"^seconds must not be negative, got -1$"):
        cal.add_working_seconds(MONDAY, -1)
    with pytest.raises(ValueError, match=r"^weekdays must be between 1 and 7, got 8$"):
        BusinessCalendar.office_hours("Office", "UTC", weekdays=8)
    with pytest.raises(ValueError, match=r"^weekdays must be between 1 and 7, got True$"):
        BusinessCalendar.office_hours("Office", "UTC", weekdays=True)
    with pytest.raises(ValueError, match=r"^unknown time zone 'Mars/Olympus'$"):
        BusinessCalendar.office_hours("Office", "Mars/Olympus")
    with pytest.raises(ValueError, match=r"^calendar 'Empty' has no working hours on any weekday$"):
        BusinessCalendar("Empty", "UTC", ((),) * 7)
    seven = BusinessCalendar.office_hours("Every day", "UTC", time(9), time(10), weekdays=7)
    assert seven.working_seconds(MONDAY, datetime(2026, 3, 9, 8, 0, tzinfo=UTC)) == 7 * 3600
    one = BusinessCalendar.office_hours("Mondays", "UTC", time(9), time(10), weekdays=1)
    assert one.working_seconds(MONDAY, datetime(2026, 3, 9, 8, 0, tzinfo=UTC)) == 3600
