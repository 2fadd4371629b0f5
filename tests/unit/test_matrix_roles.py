"""Priority matrix (3x3 to 5x5, versioned), roles, escalation rules, passwords."""

from __future__ import annotations

import pytest

from app.domain.errors import PermissionDenied, ValidationError
from app.domain.escalation import check_functional, check_hierarchical
from app.domain.matrix import PriorityMatrix, default_matrix, glpi_matrix
from app.domain.passwords import hash_password, verify_password
from app.domain.roles import Permission, Role, can, require


def test_default_matrix_is_servicenows() -> None:
    m = default_matrix()
    table = [[m.priority(i, u) for u in (1, 2, 3)] for i in (1, 2, 3)]
    assert table == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert m.priority_label(4) == "4 - Low"
    assert m.priority_label(1) == "1 - Critical"


def test_glpi_matrix_is_glpis_table_mirrored() -> None:
    m = glpi_matrix()
    glpi = [[1, 1, 2, 2, 2], [1, 2, 2, 3, 3], [2, 2, 3, 4, 4], [2, 3, 4, 4, 5], [2, 3, 4, 5, 5]]
    for gu in range(1, 6):  # GLPI urgency, 1 = very low
        for gi in range(1, 6):  # GLPI impact, 1 = very low
            assert m.priority(6 - gi, 6 - gu) == 6 - glpi[gu - 1][gi - 1]


def test_out_of_range_levels_say_which_and_what_range() -> None:
    m = default_matrix()
    with pytest.raises(ValidationError, match="Impact must be 1 to 3, got 4") as err:
        m.priority(4, 1)
    assert err.value.field == "impact"
    with pytest.raises(ValidationError, match="Urgency must be 1 to 3, got 0"):
        m.priority(1, 0)


@pytest.mark.parametrize("size", [2, 6])
def test_sizes_outside_3_to_5_are_refused(size: int) -> None:
    labels = tuple(str(i) for i in range(size))
    cells = tuple(tuple(1 for _ in range(size)) for _ in range(size))
    with pytest.raises(ValidationError, match="3 to 5"):
        PriorityMatrix(labels, labels, ("P1",), cells)


def test_four_by_five_is_allowed() -> None:
    m = PriorityMatrix(("a", "b", "c", "d"), tuple("vwxyz"), ("1", "2"), ((1,) * 5,) * 4)
    assert (m.impacts, m.urgencies) == (4, 5)


def test_a_cell_outside_the_priority_levels_is_named() -> None:
    with pytest.raises(ValidationError, match="impact 2 x urgency 3 holds priority 7"):
        PriorityMatrix(("a", "b", "c"), ("a", "b", "c"), ("1", "2", "3"), ((1, 1, 1), (1, 1, 7), (1, 1, 1)))


def test_editing_a_cell_makes_a_new_version_and_lists_the_change() -> None:
    v1 = default_matrix()
    v2 = v1.with_cell(2, 1, 1)
    assert v2.version == v1.version + 1
    assert v1.priority(2, 1) == 2  # the old version keeps its priority
    assert v1.changed_cells(v2) == [(2, 1, 2, 1)]


def test_desk_level_rights() -> None:
    assert can(Role.AGENT, Permission.LOG)
    assert not can(Role.SPECIALIST, Permission.BULK_EDIT)
    assert can(Role.SUPERVISOR, Permission.BULK_EDIT)
    assert not can(Role.SUPERVISOR, Permission.CONFIGURE)
    assert can(Role.ADMIN, Permission.MANAGE_USERS)
    with pytest.raises(PermissionDenied, match=r"^Only a supervisor or an admin may run post-incident reviews \(ana is an agent\)$"):
        require(Role.AGENT, Permission.REVIEW, who="ana")


def test_functional_escalation_goes_up_a_line_with_a_reason() -> None:
    assert check_functional(1, "Network", 2, " VPN down ") == "VPN down"
    with pytest.raises(ValidationError, match="reason"):
        check_functional(1, "Network", 2, "")
    with pytest.raises(ValidationError, match="Desktop Support is 1st line"):
        check_functional(1, "Desktop Support", 1, "why")


def test_hierarchical_escalation_needs_a_supervisor() -> None:
    assert check_hierarchical("P1 breach", "Carla", "Service Desk") == "P1 breach"
    with pytest.raises(ValidationError, match="no supervisor"):
        check_hierarchical("why", None, "Network")


def test_passwords_are_salted_scrypt_hashes() -> None:
    h = hash_password("correct horse")
    assert h.startswith("scrypt$") and "correct" not in h
    assert h != hash_password("correct horse")
    assert verify_password("correct horse", h)
    assert not verify_password("wrong horse!", h)
    assert not verify_password("x", None)
    assert not verify_password("x", "garbage")
    with pytest.raises(ValidationError, match="at least 8"):
        hash_password("short")
