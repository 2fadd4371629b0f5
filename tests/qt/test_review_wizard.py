"""The post-incident review wizard as a supervisor walks it: reached from the incident window,
each page says what it still needs (Next stays off), the timeline edited (a line reworded, one
hidden, one added), the draft saved in one write and resumed on a second workstation, and the
PDF export opened (its pages and timeline rows counted)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWizard

from app.domain.review import ReviewState
from app.services import incidents, reviews
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.review.wizard import SAVE, ReviewWizard

NEXT = QWizard.WizardButton.NextButton


def _resolved_p2(world) -> int:  # type: ignore[no-untyped-def]
    desk, ana = world.desk, world.ana
    rec = incidents.log_incident(
        desk,
        ana,
        NewIncident(
            title="Mail down for Finance", impact=1, urgency=2, group_id=world.service_desk
        ),
    )
    r = incidents.assign_to_me(desk, ana, rec.id, None)
    incidents.add_journal(desk, ana, rec.id, "work_note", "Exchange queue stuck")
    incidents.resolve(desk, ana, rec.id, r.version, "solution_provided", "Restarted the transport")
    return rec.id


def _wizard(qtbot, world, runner) -> tuple[IncidentWindow, ReviewWizard]:  # type: ignore[no-untyped-def]
    iid = _resolved_p2(world)
    window = IncidentWindow(world.desk, world.carla, runner, iid)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.record is not None)
    assert window.review_action is not None
    window.review_action.trigger()
    wizard = window.last_review
    assert wizard is not None
    qtbot.waitUntil(lambda: wizard.draft is not None)
    return window, wizard


def _choose(qtbot, combo: QComboBox, text: str) -> None:  # type: ignore[no-untyped-def]
    combo.setFocus()
    index = combo.findText(text)
    assert index > 0, text
    while combo.currentIndex() < index:
        qtbot.keyClick(combo, Qt.Key.Key_Down)


def _type(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def _next(qtbot, wizard: ReviewWizard) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(NEXT)
    assert button.isEnabled(), wizard.currentPage().reasons.text()
    before = wizard.currentId()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == before + 1


def _walk_to_the_end(qtbot, wizard: ReviewWizard) -> None:  # type: ignore[no-untyped-def]
    page = wizard.trigger_page
    assert not wizard.button(NEXT).isEnabled()
    assert "Choose who runs the review (the owner)" in page.reasons.text()
    _choose(qtbot, page.owner, "Carla Supervisor")
    _choose(qtbot, page.approver, "Dev Admin")
    trigger = page.texts["trigger"]
    assert trigger.toPlainText().endswith("was priority 2")  # filled from the incident
    assert wizard.button(NEXT).isEnabled()
    trigger.setFocus()
    qtbot.keyClick(trigger, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(trigger, Qt.Key.Key_Delete)
    assert not wizard.button(NEXT).isEnabled()
    assert "Say why this incident is reviewed (the trigger)" in page.reasons.text()
    _type(qtbot, trigger, "P2 with Finance off mail")
    _next(qtbot, wizard)

    summary = wizard.summary_page
    assert summary.texts["summary"].toPlainText() == "Mail down for Finance"
    assert not wizard.button(NEXT).isEnabled()
    assert "Say who and what was affected (the impact)" in summary.reasons.text()
    _type(qtbot, summary.texts["impact"], "40 people in Finance without mail for an hour")
    _next(qtbot, wizard)

    timeline = wizard.timeline_page
    table = timeline.table
    words = [table.item(n, 1).text() for n in range(table.rowCount())]
    assert words[0].startswith("Logged as INC") and "Assigned to Ana Agent by Ana Agent" in words
    assert "Work note by Ana Agent: Exchange queue stuck" in words
    assert any(w.startswith("Resolved (Solution provided)") for w in words), words
    assert table.item(0, 2).text().startswith("audit #")
    # reword the first line as a user does: edit the cell, type, Enter
    table.setCurrentCell(0, 1)
    table.editItem(table.item(0, 1))
    editor = table.viewport().findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "Finance called the desk")
    assert editor.text() == "Finance called the desk", editor.text()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # to the next cell: the text is kept
    assert wizard.currentPage() is timeline, wizard.currentId()
    assert table.item(0, 1).text() == "Finance called the desk"
    hidden_before = sum(
        table.item(n, 3).checkState() == Qt.CheckState.Unchecked for n in range(table.rowCount())
    )
    assert hidden_before >= 1  # the desk's own journal words for what the audit tells
    state_row = next(n for n, w in enumerate(words) if w.startswith("State: In Progress"))
    table.item(state_row, 3).setCheckState(Qt.CheckState.Unchecked)  # hide a line
    table.setCurrentCell(0, 1)
    _type(qtbot, timeline.new_text, "Monitoring had not alerted")
    qtbot.mouseClick(timeline.add_button, Qt.MouseButton.LeftButton)
    assert table.rowCount() == len(words) + 1
    _next(qtbot, wizard)

    assert "Time to own" in wizard.detection_page.figures.text()
    _next(qtbot, wizard)

    cause = wizard.cause_page
    assert not wizard.button(NEXT).isEnabled()
    assert "Ask at least one why" in cause.reasons.text()
    _type(qtbot, cause.whys[0], "The transport queue stopped")
    _type(qtbot, cause.whys[1], "Its disk was full")
    _type(qtbot, cause.texts["root_cause"], "No alert on the queue disk")
    _next(qtbot, wizard)

    lessons = wizard.lessons_page
    _type(qtbot, lessons.texts["went_well"], "Fixed within the hour")
    assert not wizard.button(NEXT).isEnabled()
    _type(qtbot, lessons.texts["went_wrong"], "Nobody was paged")
    _next(qtbot, wizard)

    actions = wizard.actions_page
    qtbot.mouseClick(actions.add_button, Qt.MouseButton.LeftButton)
    assert not wizard.button(NEXT).isEnabled()
    assert "Action 1: say what is to be done" in actions.reasons.text()
    actions.table.item(0, 1).setText("Alert on the queue disk at 80%")
    actions.table.item(0, 2).setText("Messaging")
    actions.table.item(0, 3).setText("20 March")
    assert "Action 1: write the due date as YYYY-MM-DD" in actions.reasons.text()
    assert not wizard.button(NEXT).isEnabled()
    actions.table.item(0, 3).setText("2026-03-20")
    _next(qtbot, wizard)
    assert "Draft (not saved yet)" in wizard.approval_page.state.text()
    _next(qtbot, wizard)

    comms = wizard.communication_page
    _type(qtbot, comms.texts["internal_summary"], "Queue disk full; alert added.")
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    _type(qtbot, comms.texts["caller_text"], "Mail is back; sorry for the hour.")
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()


def test_a_supervisor_walks_the_review_saves_it_and_another_desk_resumes_it(
    qtbot, world, runner, other_desk, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _window, wizard = _wizard(qtbot, world, runner)
    _walk_to_the_end(qtbot, wizard)
    qtbot.mouseClick(wizard.button(SAVE), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.draft is not None and wizard.draft.version == 1)

    carla_elsewhere = other_desk.actor("carla")
    again = reviews.open_review(other_desk, carla_elsewhere, wizard.draft.incident_id)
    assert again.version == 1 and again.state is ReviewState.DRAFT
    assert again.owner_name == "Carla Supervisor" and again.approver_name == "Dev Admin"
    assert again.text("impact") == "40 people in Finance without mail for an hour"
    assert again.whys == ("The transport queue stopped", "Its disk was full")
    first = again.timeline[0]
    assert first.text == "Finance called the desk" and first.source == "audit"
    assert first.original is not None and first.original.startswith("Logged as INC")
    hidden = [ln for ln in again.timeline if ln.hidden]
    assert any(ln.text.startswith("State: In Progress") for ln in hidden)
    assert all(ln.kind == "system" for ln in hidden if not ln.text.startswith("State:"))
    assert [ln.text for ln in again.timeline if ln.source == "manual"] == [
        "Monitoring had not alerted"
    ]
    assert again.actions[0].text == "Alert on the queue disk at 80%"

    # the second workstation's wizard opens the saved draft
    other = ReviewWizard(other_desk, carla_elsewhere, runner, again.incident_id)
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.draft is not None)
    assert other.trigger_page.owner.currentText() == "Carla Supervisor"
    assert other.cause_page.whys[1].text() == "Its disk was full"
    assert other.timeline_page.table.item(0, 1).text() == "Finance called the desk"


@pytest.mark.skipif(
    shutil.which("pdfinfo") is None, reason="needs poppler-utils (scripts/setup.sh)"
)
def test_the_pdf_export_has_the_timeline_as_a_table(qtbot, world, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _window, wizard = _wizard(qtbot, world, runner)
    _walk_to_the_end(qtbot, wizard)
    pdf = tmp_path / "review.pdf"
    wizard.export_pdf(pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(ln.split()[-1] for ln in info.stdout.splitlines() if ln.startswith("Pages:")))
    assert pages >= 1
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    shown = [ln for ln in wizard.current().timeline if not ln.hidden]
    rows = [
        ln
        for ln in text.splitlines()
        if "audit #" in ln or "journal #" in ln or "added in the review" in ln
    ]
    assert len(rows) == len(shown)
    assert "Finance called the desk" in text and "Monitoring had not alerted" in text
    assert "Owner: Carla Supervisor" in text and "Approver: Dev Admin" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page*.png"))) == pages


def test_the_owner_sends_it_for_review_and_someone_else_approves(
    qtbot, world, runner, no_dialogs
) -> None:  # type: ignore[no-untyped-def]
    _window, wizard = _wizard(qtbot, world, runner)
    _walk_to_the_end(qtbot, wizard)
    wizard.back()
    page = wizard.approval_page
    assert wizard.currentPage() is page
    assert not page.move_buttons[ReviewState.REVIEWED].isEnabled()
    qtbot.mouseClick(page.move_buttons[ReviewState.IN_REVIEW], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: wizard.draft is not None and wizard.draft.state is ReviewState.IN_REVIEW
    )
    assert page.state.text().startswith("In review (saved, version 2)")
    qtbot.mouseClick(page.move_buttons[ReviewState.REVIEWED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("own review" in m for m in no_dialogs))
    assert wizard.draft.state is ReviewState.IN_REVIEW

    approver = ReviewWizard(world.desk, world.admin, runner, wizard.draft.incident_id)
    qtbot.addWidget(approver)
    approver.show()
    qtbot.waitUntil(lambda: approver.draft is not None)
    while approver.currentPage() is not approver.approval_page:
        _next(qtbot, approver)
    button = approver.approval_page.move_buttons[ReviewState.REVIEWED]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: approver.draft is not None and approver.draft.state is ReviewState.REVIEWED
    )
    assert "approved by Dev Admin" in approver.approval_page.state.text()
    assert len([m for m in no_dialogs if "own review" in m]) == 1


def test_two_supervisors_on_one_review_get_a_conflict_and_keep_their_page(
    qtbot, world, runner, other_desk, no_dialogs
) -> None:  # type: ignore[no-untyped-def]
    _window, wizard = _wizard(qtbot, world, runner)
    _walk_to_the_end(qtbot, wizard)
    qtbot.mouseClick(wizard.button(SAVE), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.draft is not None and wizard.draft.version == 1)
    # someone else saves the same review on another workstation
    mine = reviews.open_review(other_desk, other_desk.actor("admin"), wizard.draft.incident_id)
    reviews.save_review(other_desk, other_desk.actor("admin"), mine)

    comms = wizard.communication_page
    _type(qtbot, comms.texts["caller_text"], " Thanks for your patience.")
    qtbot.mouseClick(wizard.button(SAVE), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("changed by someone else" in m for m in no_dialogs))
    assert "nothing was saved" in no_dialogs[-1]
    assert "Thanks for your patience." in comms.texts["caller_text"].toPlainText()  # kept
    assert wizard.draft.version == 1
    saved = reviews.open_review(world.desk, world.carla, wizard.draft.incident_id)
    assert saved.version == 2 and "patience" not in saved.text("caller_text")


def test_an_action_item_becomes_a_problem_from_the_wizard(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    _window, wizard = _wizard(qtbot, world, runner)
    _walk_to_the_end(qtbot, wizard)
    for _ in range(2):
        wizard.back()
    page = wizard.actions_page
    assert wizard.currentPage() is page
    page.table.setCurrentCell(0, 1)
    qtbot.mouseClick(page.problem_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.table.item(0, 4) and page.table.item(0, 4).text()))
    number = page.table.item(0, 4).text()
    assert number.startswith("PRB")
    assert wizard.draft is not None and wizard.draft.version == 2
    assert wizard.draft.actions[0].problem_number == number
