"""Supervisor > Dashboard, driven like a supervisor: every chart is drawn (and saved as a PNG
that is looked at), what it draws is what SQL counts, the group filter narrows it, and each
chart's PNG and CSV land where the user says."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import text

from app.services import incidents
from app.services.incidents import NewIncident
from app.views.dashboard import CHARTS, DashboardWindow
from tests.qt.conftest import open_main


def _seed(world) -> None:  # type: ignore[no-untyped-def]
    desk, admin = world.desk, world.admin

    def log(title: str, group: int, days_ago: float, channel: str = "phone", **kw):  # type: ignore[no-untyped-def]
        return incidents.log_incident(
            desk,
            admin,
            NewIncident(
                title,
                group_id=group,
                channel=channel,
                opened_at=desk.now() - timedelta(days=days_ago),
                **kw,
            ),
        )

    log("Mail slow", world.service_desk, 2, "email", category_id=world.email_category)
    log("Printer jam", world.service_desk, 12, impact=2, urgency=2)
    log("VPN flaps", world.network, 5, category_id=world.vpn_category, impact=1, urgency=1)
    log("Old outage", world.network, 45)  # before the last 30 days: only in the ageing
    log(
        "Password reset",
        world.service_desk,
        1,
        resolution_code="solution_provided",
        resolution_notes="Reset it",
    )
    done = log("Switch fan", world.network, 3, "self-service", category_id=world.vpn_category)
    incidents.resolve(desk, world.ben, done.id, None, "solution_provided", "Fan replaced")


def _sql(world, window: DashboardWindow, query: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    flt = window.current_filter()
    with world.desk.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(query),
                {
                    "s": flt.start.replace(tzinfo=None),
                    "e": flt.end.replace(tzinfo=None),
                    "now": world.desk.now().replace(tzinfo=None),
                },
            )
        ]


@pytest.fixture
def dashboard(qtbot, world, runner, monkeypatch):  # type: ignore[no-untyped-def]
    _seed(world)
    window = open_main(qtbot, world, runner, world.carla)
    window.dashboard_action.trigger()
    dash = window.dashboard_window
    qtbot.waitUntil(lambda: dash.loads >= 1 and dash.group.count() > 1, timeout=10000)
    yield dash
    window.shutdown()
    runner.wait()


def test_every_chart_is_drawn_with_the_numbers_sql_gives(dashboard, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dash = dashboard
    assert dash.isVisible() and dash.status.text().startswith("Updated")
    p = dash.panels
    assert list(p) == [key for key, _, _ in CHARTS]

    channels = dict(
        _sql(
            world,
            dash,
            "SELECT channel, count(*) FROM incidents WHERE opened_at >= :s AND opened_at < :e GROUP BY channel",
        )
    )
    assert channels == {"phone": 3, "email": 1, "self-service": 1}
    assert dict(zip(p["channel"].labels, p["channel"].drawn["Incidents"], strict=True)) == {
        "Phone": 3,
        "E-mail": 1,
        "Self-service": 1,
    }
    assert dict(zip(p["category"].labels, p["category"].drawn["Incidents"], strict=True)) == {
        "Network / VPN": 2,
        "Software / Email": 1,
        "(no category)": 2,
    }
    (open_now,) = _sql(world, dash, "SELECT count(*) FROM incidents WHERE active")
    assert sum(p["ageing"].drawn["Open"]) == open_now[0] == 4
    # the 45-day-old one is over four weeks old
    assert p["ageing"].drawn["Open"][-1] == 1
    # today's point: the open backlog now
    assert p["backlog"].drawn["Open"][-1] == open_now[0]
    assert len(p["backlog"].drawn["Open"]) == 30
    # both resolved today on the line they were logged on? the Network one is line 2
    assert dict(zip(p["first_line"].labels, p["first_line"].drawn["First line"], strict=True))[
        "All"
    ] == pytest.approx(50.0)
    resolved = _sql(
        world,
        dash,
        "SELECT count(*), sum(CASE WHEN sla_breached THEN 0 ELSE 1 END) FROM incidents WHERE resolved_at >= :s AND resolved_at < :e",
    )
    assert resolved == [(2, 2)]
    drawn = p["compliance"]
    resolution = dict(zip(drawn.labels, drawn.drawn["Resolution"], strict=True))
    assert {k: v for k, v in resolution.items() if v == v} == {"P5": 100.0}  # NaN: none resolved
    response = _sql(
        world,
        dash,
        "SELECT priority, 100.0 * sum(CASE WHEN responded_at < response_due THEN 1 ELSE 0 END) "
        "/ count(*) FROM incidents WHERE opened_at >= :s AND opened_at < :e "
        "AND response_due IS NOT NULL AND (responded_at IS NOT NULL OR response_due <= :now) "
        "GROUP BY priority ORDER BY priority",
    )
    assert response
    assert [(f"P{k}", pytest.approx(float(v))) for k, v in response] == [
        (k, v) for k, v in zip(drawn.labels, drawn.drawn["Response"], strict=True) if v == v
    ]
    hours = _sql(
        world,
        dash,
        "SELECT id, opened_at, resolved_at FROM incidents WHERE resolved_at IS NOT NULL ORDER BY id",
    )
    assert len(hours) == 2
    assert sorted(p["resolve_group"].labels) == ["Network", "Service Desk"]
    by_group = dict(zip(p["resolve_group"].labels, p["resolve_group"].drawn["Median"], strict=True))
    assert by_group["Network"] == pytest.approx(72.0, abs=0.1)  # opened 3 days ago
    assert by_group["Service Desk"] == pytest.approx(24.0, abs=0.1)

    dash.grab().save(str(tmp_path / "dashboard.png"))
    for key, panel in p.items():
        path = tmp_path / f"{key}.png"
        panel.save_png(path)
        image = QImage(str(path))
        assert image.width() > 300 and image.height() > 250, key


def test_the_group_filter_narrows_the_charts(dashboard, world, qtbot) -> None:  # type: ignore[no-untyped-def]
    dash = dashboard
    loads = dash.loads
    dash.group.setCurrentIndex(dash.group.findText("Network"))
    qtbot.waitUntil(lambda: dash.loads > loads, timeout=10000)
    assert dict(
        zip(dash.panels["channel"].labels, dash.panels["channel"].drawn["Incidents"], strict=True)
    ) == {
        "Phone": 1,
        "Self-service": 1,
    }
    assert sum(dash.panels["ageing"].drawn["Open"]) == 2
    assert dash.panels["resolve_group"].labels == ["Network"]


def test_a_chart_exports_its_png_and_its_csv(dashboard, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dash = dashboard
    panel = dash.panels["channel"]
    target = {"png": tmp_path / "channels.png", "csv": tmp_path / "channels.csv"}
    asked: list[str] = []

    def save_as(parent, caption, path, filters):  # type: ignore[no-untyped-def]
        asked.append(caption)
        return str(target["png" if "PNG" in caption else "csv"]), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    panel.png_button.click()
    panel.csv_button.click()
    assert asked == ["Export “Incoming by channel” as PNG", "Export “Incoming by channel” as CSV"]
    assert QImage(str(target["png"])).width() > 300
    with target["csv"].open(encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["Channel", "Incidents opened"],
            ["Phone", "3"],
            ["E-mail", "1"],
            ["Self-service", "1"],
        ]
    assert str(target["csv"]) in dash.status.text()


def test_a_period_that_ends_before_it_starts_says_so(dashboard, qtbot) -> None:  # type: ignore[no-untyped-def]
    dash = dashboard
    dash.end_edit.setDate(dash.start_edit.date().addDays(-3))
    assert "ends before it starts" in dash.status.text()
    assert dash.preset.currentText() == "Chosen dates"
