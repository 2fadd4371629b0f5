"""A P1, P2 or major incident resolved offers its group's supervisor the post-incident review:
the notice arrives on their desk (from another workstation's resolution) and opens the
incident, whose Review action starts the wizard; a P3 resolved offers nothing."""

from __future__ import annotations

from app.services import incidents
from app.services.incidents import NewIncident
from tests.qt.conftest import open_main


def _kinds(window, incident_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.kind for n in window.notifier.notices if n.incident_id == incident_id]


def test_a_resolved_p2_offers_the_review_to_the_groups_supervisor(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.carla)
    try:
        qtbot.waitUntil(window.notifier.ready)
        ben = other_desk.actor("ben")
        p2 = incidents.log_incident(
            other_desk,
            ben,
            NewIncident("Core switch flapping", impact=1, urgency=2, group_id=world.network),
        )
        p3 = incidents.log_incident(
            other_desk,
            ben,
            NewIncident("One port dead", impact=2, urgency=2, group_id=world.network),
        )
        for rec in (p3, p2):
            incidents.resolve(
                other_desk, ben, rec.id, None, "solution_provided", "Replaced the optic"
            )
        qtbot.waitUntil(lambda: "review" in _kinds(window, p2.id), timeout=5000)
        notice = next(n for n in window.notifier.notices if n.kind == "review")
        assert notice.text.startswith(
            f"{p2.number} (P2, Network) is resolved: run its post-incident review"
        )
        assert "review" not in _kinds(window, p3.id)
        opened = window.open_incident(notice.incident_id)
        qtbot.waitUntil(lambda: opened.record is not None)  # type: ignore[attr-defined]
        assert opened.review_action is not None and opened.review_action.isEnabled()  # type: ignore[attr-defined]
    finally:
        window.shutdown()
        runner.wait()
