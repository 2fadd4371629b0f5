"""The post-incident review wizard: nine pages (app.domain.review.Page), each saying what it
still needs; the draft lives in the wizard and is written in one save (Save draft, or Finish).
Reads and writes go through the task runner, off the GUI thread."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.domain.errors import DeskError
from app.domain.review import (
    ACTION_KINDS,
    MOVES,
    ActionItem,
    Page,
    ReviewDraft,
    ReviewState,
    TimelineLine,
    duration_words,
    page_problems,
    to_markdown,
)
from app.services import reviews, users
from app.services.context import Actor, Desk
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

SAVE = QWizard.WizardButton.CustomButton1


def write_pdf(markdown: str, path: Path) -> None:
    """The review as a PDF (Qt's own writer), A4, the timeline as a table."""
    doc = QTextDocument()
    doc.setMarkdown(markdown)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(96)
    writer.setTitle("Post-incident review")
    doc.print_(writer)
    del writer  # ends the file
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError(f"the PDF could not be written to {path}")


class _Page(QWizardPage):
    """A page whose completeness is the domain's answer; its reasons are shown under it."""

    def __init__(self, page: Page, wizard: ReviewWizard) -> None:
        super().__init__()
        self.kind, self.review = page, wizard
        self.setTitle(f"{int(page)}. {page.title}")
        self.body = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.body.addLayout(self.form)
        self.reasons = QLabel()
        self.reasons.setObjectName("reasons")
        self.reasons.setWordWrap(True)
        self.reasons.setStyleSheet("color: #a4262c;")
        self.texts: dict[str, QPlainTextEdit] = {}

    def finish_layout(self, stretch: bool = True) -> None:
        if stretch:
            self.body.addStretch(1)
        self.body.addWidget(self.reasons)

    def text(self, name: str, label: str, height: int = 70) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(label)
        edit.setMinimumHeight(height)
        edit.setMaximumHeight(height * 2)
        edit.textChanged.connect(self.completeChanged)
        self.form.addRow(label + ":", edit)
        self.texts[name] = edit
        return edit

    def fill(self, draft: ReviewDraft) -> None:
        for name, edit in self.texts.items():
            edit.blockSignals(True)
            edit.setPlainText(draft.text(name))
            edit.blockSignals(False)

    def problems(self) -> list[str]:
        if self.review.draft is None:
            return ["Loading the review..."]
        return page_problems(self.review.current(), self.kind)

    def isComplete(self) -> bool:
        reasons = self.problems()
        self.reasons.setText("\n".join(f"• {r}" for r in reasons))
        return not reasons


class _TriggerPage(_Page):
    def __init__(self, wizard: ReviewWizard) -> None:
        super().__init__(Page.TRIGGER, wizard)
        self.setSubTitle("Who runs the review, who approves it, and why it is held.")
        self.owner = QComboBox()
        self.owner.setAccessibleName("Owner")
        self.approver = QComboBox()
        self.approver.setAccessibleName("Approver")
        for combo in (self.owner, self.approver):
            combo.currentIndexChanged.connect(self.completeChanged)
        self.form.addRow("&Owner:", self.owner)
        self.form.addRow("A&pprover:", self.approver)
        self.text("trigger", "Trigger")
        self.finish_layout()

    def people(self, people: list[tuple[int, str]]) -> None:
        for combo in (self.owner, self.approver):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("(choose)", None)
            for key, name in people:
                combo.addItem(name, key)
            combo.blockSignals(False)

    def fill(self, draft: ReviewDraft) -> None:
        super().fill(draft)
        for combo, key in ((self.owner, draft.owner_id), (self.approver, draft.approver_id)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(key)))
            combo.blockSignals(False)


class _TimelinePage(_Page):
    COLUMNS = ("When", "What", "Evidence", "Shown")

    def __init__(self, wizard: ReviewWizard) -> None:
        super().__init__(Page.TIMELINE, wizard)
        self.setSubTitle(
            "Generated from the incident's history. Edit a line's text, untick Shown to hide "
            "it, or add a line; each keeps the record it came from."
        )
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Timeline")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(lambda _i: self.completeChanged.emit())
        self.body.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.new_text = QLineEdit()
        self.new_text.setAccessibleName("New line")
        self.new_text.setPlaceholderText("A line to add, at the time of the selected line")
        self.add_button = QPushButton("&Add line")
        self.add_button.clicked.connect(self.add_line)
        row.addWidget(self.new_text, 1)
        row.addWidget(self.add_button)
        self.body.addLayout(row)
        self.lines: list[TimelineLine] = []
        self.finish_layout(stretch=False)

    def fill(self, draft: ReviewDraft) -> None:
        self.lines = list(draft.timeline)
        self._show()

    def _show(self) -> None:
        zone = self.review.desk.zone
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.lines))
        for n, ln in enumerate(self.lines):
            when = QTableWidgetItem(ln.at.astimezone(zone).strftime("%a %d %b %H:%M"))
            when.setFlags(when.flags() & ~Qt.ItemFlag.ItemIsEditable)
            what = QTableWidgetItem(ln.text)
            evidence = QTableWidgetItem(ln.evidence)
            evidence.setFlags(evidence.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if ln.original:
                evidence.setToolTip(f"Generated as: {ln.original}")
            shown = QTableWidgetItem()
            shown.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
            )
            shown.setCheckState(Qt.CheckState.Unchecked if ln.hidden else Qt.CheckState.Checked)
            for col, item in enumerate((when, what, evidence, shown)):
                self.table.setItem(n, col, item)
        self.table.blockSignals(False)
        self.completeChanged.emit()

    def current_lines(self) -> tuple[TimelineLine, ...]:
        out = []
        for n, ln in enumerate(self.lines):
            what, shown = self.table.item(n, 1), self.table.item(n, 3)
            text = what.text().strip() if what is not None else ln.text
            hidden = shown is not None and shown.checkState() != Qt.CheckState.Checked
            if text and text != ln.text:
                ln = ln.edited(text)
            out.append(replace(ln, hidden=hidden))
        return tuple(out)

    def add_line(self) -> None:
        text = self.new_text.text().strip()
        if not text:
            self.reasons.setText("• Type the line to add first")
            return
        self.lines = list(self.current_lines())
        row = self.table.currentRow()
        at = self.lines[row].at if 0 <= row < len(self.lines) else self.review.desk.now()
        self.lines.append(TimelineLine(at, text, "note"))
        self.lines.sort(key=lambda ln: ln.at)
        self.new_text.clear()
        self._show()


class _DetectionPage(_Page):
    def __init__(self, wizard: ReviewWizard) -> None:
        super().__init__(Page.DETECTION, wizard)
        self.setSubTitle("How long it took to detect, own and resolve the incident.")
        self.figures = QLabel()
        self.figures.setAccessibleName("Measures")
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.form.addRow(self.figures)
        self.text("detection", "How it was detected", 90)
        self.finish_layout()

    def fill(self, draft: ReviewDraft) -> None:
        super().fill(draft)
        m = draft.measures
        if m is None:
            return
        cal = m.calendar or "no business calendar"
        rows = [
            ("Time to detect", duration_words(m.detect_wall_s), "-"),
            ("Time to own", duration_words(m.own_wall_s), duration_words(m.own_business_s)),
            (
                "Time to resolve",
                duration_words(m.resolve_wall_s),
                duration_words(m.resolve_business_s),
            ),
        ]
        cells = "".join(f"<tr><td><b>{a}</b></td><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
        self.figures.setText(
            "<table cellpadding='4'><tr><th></th><th align='left'>Wall time</th>"
            f"<th align='left'>Business time ({cal})</th></tr>{cells}</table>"
        )


class _CausePage(_Page):
    def __init__(self, wizard: ReviewWizard) -> None:
        super().__init__(Page.CAUSE, wizard)
        self.setSubTitle("Ask why until the answer is the cause: up to five times.")
        self.text("factors", "Contributing factors")
        self.whys: list[QLineEdit] = []
        for n in range(5):
            edit = QLineEdit()
            edit.setAccessibleName(f"Why {n + 1}")
            edit.textChanged.connect(self.completeChanged)
            self.form.addRow(f"Why? {n + 1}:", edit)
            self.whys.append(edit)
        self.text("root_cause", "Root cause")
        self.finish_layout()

    def fill(self, draft: ReviewDraft) -> None:
        super().fill(draft)
        for n, edit in enumerate(self.whys):
            edit.blockSignals(True)
            edit.setText(draft.whys[n] if n < len(draft.whys) else "")
            edit.blockSignals(False)


class _ActionsPage(_Page):
    COLUMNS = ("Kind", "Action", "Owner", "Due", "Problem")

    def __init__(self, wizard: ReviewWizard) -> None:
        super().__init__(Page.ACTIONS, wizard)
        self.setSubTitle("What will mitigate, prevent or improve the process; who and by when.")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Action items")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(2, 140)
        self.table.setColumnWidth(3, 110)
        due = self.table.horizontalHeaderItem(3)
        if due is not None:
            due.setToolTip("The due date, as YYYY-MM-DD")
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(lambda _i: self.completeChanged.emit())
        self.body.addWidget(self.table, 1)
        self.add_button = QPushButton("Add &action")
        self.add_button.clicked.connect(lambda: self._add(ActionItem("prevent", "", "")))
        self.problem_button = QPushButton("Create &problem from the selected action")
        self.problem_button.setToolTip("Saves the review, then records a problem (PRB...) for it")
        self.problem_button.clicked.connect(
            lambda: wizard.problem_from_action(self.table.currentRow())
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.problem_button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.finish_layout(stretch=False)

    def _add(self, item: ActionItem) -> None:
        n = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(n)
        kind = QComboBox()
        kind.addItems(ACTION_KINDS)
        kind.setCurrentText(item.kind)
        kind.currentIndexChanged.connect(self.completeChanged)
        self.table.setCellWidget(n, 0, kind)
        for col, value in enumerate((item.text, item.owner, item.due), 1):
            self.table.setItem(n, col, QTableWidgetItem(value))
        problem = QTableWidgetItem(item.problem_number or "")
        problem.setFlags(problem.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.table.setItem(n, 4, problem)
        self.table.blockSignals(False)
        self.completeChanged.emit()

    def fill(self, draft: ReviewDraft) -> None:
        self.table.setRowCount(0)
        for item in draft.actions:
            self._add(item)

    def items(self) -> tuple[ActionItem, ...]:
        out = []
        for n in range(self.table.rowCount()):
            kind = self.table.cellWidget(n, 0)
            cells = [self.table.item(n, c) for c in range(1, 5)]
            text, owner, due, problem = (c.text().strip() if c is not None else "" for c in cells)
            out.append(
                ActionItem(
                    kind.currentText() if isinstance(kind, QComboBox) else "",
                    text,
                    owner,
                    due,
                    problem or None,
                )
            )
        return tuple(out)


class _ApprovalPage(_Page):
    def __init__(self, wizard: ReviewWizard) -> None:
        super().__init__(Page.APPROVAL, wizard)
        self.setSubTitle(
            "Draft → In review → Reviewed → Closed. The owner sends it for review; the "
            "approver (someone else) approves it."
        )
        self.state = QLabel()
        self.state.setAccessibleName("Review state")
        self.form.addRow("State:", self.state)
        row = QHBoxLayout()
        self.move_buttons: dict[ReviewState, QPushButton] = {}
        for to, text in (
            (ReviewState.IN_REVIEW, "Send for re&view"),
            (ReviewState.REVIEWED, "Appro&ve"),
            (ReviewState.DRAFT, "Send &back to draft"),
            (ReviewState.CLOSED, "C&lose the review"),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, t=to: wizard.move_review(t))
            row.addWidget(button)
            self.move_buttons[to] = button
        row.addStretch(1)
        self.form.addRow("", row)
        self.finish_layout()

    def fill(self, draft: ReviewDraft) -> None:
        saved = "not saved yet" if draft.version == 0 else f"saved, version {draft.version}"
        approved = f"; approved by {draft.approved_by}" if draft.approved_by else ""
        self.state.setText(f"{draft.state.label} ({saved}){approved}")
        for to, button in self.move_buttons.items():
            button.setEnabled(to in MOVES[draft.state])


class ReviewWizard(QWizard):
    """The review of one incident, for a supervisor."""

    def __init__(
        self,
        desk: Desk,
        actor: Actor,
        runner: TaskRunner,
        incident_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.actor, self.runner, self.incident_id = desk, actor, runner, incident_id
        self.draft: ReviewDraft | None = None
        self.setWindowTitle("Post-incident review")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(SAVE, "&Save draft")
        self.customButtonClicked.connect(lambda _w: self.save())
        self.trigger_page = _TriggerPage(self)
        self.summary_page = _Page(Page.SUMMARY, self)
        self.summary_page.setSubTitle("Filled from the incident: what happened and to whom.")
        self.summary_page.text("summary", "Summary", 110)
        self.summary_page.text("impact", "Impact", 110)
        self.summary_page.finish_layout()
        self.timeline_page = _TimelinePage(self)
        self.detection_page = _DetectionPage(self)
        self.cause_page = _CausePage(self)
        self.lessons_page = _Page(Page.LESSONS, self)
        self.lessons_page.setSubTitle("What went well, what went wrong, where the desk got lucky.")
        for name, label in (
            ("went_well", "Went well"),
            ("went_wrong", "Went wrong"),
            ("got_lucky", "Got lucky"),
        ):
            self.lessons_page.text(name, label, 90)
        self.lessons_page.finish_layout()
        self.actions_page = _ActionsPage(self)
        self.approval_page = _ApprovalPage(self)
        self.communication_page = _Page(Page.COMMUNICATION, self)
        self.communication_page.setSubTitle("An internal summary, and the text for callers.")
        self.communication_page.text("internal_summary", "Internal summary", 110)
        self.communication_page.text("caller_text", "Text for callers", 110)
        exports = QHBoxLayout()
        self.pdf_button = QPushButton("Export &PDF…")
        self.pdf_button.clicked.connect(lambda: self._export("pdf"))
        self.markdown_button = QPushButton("Export &Markdown…")
        self.markdown_button.clicked.connect(lambda: self._export("md"))
        exports.addWidget(self.pdf_button)
        exports.addWidget(self.markdown_button)
        exports.addStretch(1)
        self.communication_page.body.addLayout(exports)
        self.communication_page.finish_layout()
        self.pages: list[_Page] = [
            self.trigger_page,
            self.summary_page,
            self.timeline_page,
            self.detection_page,
            self.cause_page,
            self.lessons_page,
            self.actions_page,
            self.approval_page,
            self.communication_page,
        ]
        for page in self.pages:
            self.addPage(page)
        self.resize(860, 600)
        self.status = ""
        self._load()

    # -- loading and saving ----------------------------------------------------------------
    def _load(self) -> None:
        desk, actor, iid = self.desk, self.actor, self.incident_id

        def read() -> tuple[ReviewDraft, list[tuple[int, str]]]:
            people = [
                (u.id, u.full_name)
                for u in users.list_users(desk)
                if u.active and u.role in ("supervisor", "admin")
            ]
            return reviews.open_review(desk, actor, iid), people

        self.runner.run(read, self._loaded, self._failed, key=f"review-{id(self)}")

    def _loaded(self, result: tuple[ReviewDraft, list[tuple[int, str]]]) -> None:
        draft, people = result
        self.trigger_page.people(people)
        self._fill(draft)

    def _fill(self, draft: ReviewDraft) -> None:
        self.draft = draft
        self.setWindowTitle(f"Post-incident review: {draft.incident_number} {draft.title}")
        for page in self.pages:
            page.fill(draft)
            page.completeChanged.emit()

    def current(self) -> ReviewDraft:
        """The draft as the pages show it now."""
        assert self.draft is not None
        texts = dict(self.draft.texts)
        for page in self.pages:
            for name, edit in page.texts.items():
                texts[name] = edit.toPlainText().strip()
        owner, approver = self.trigger_page.owner, self.trigger_page.approver
        return replace(
            self.draft,
            owner_id=owner.currentData(),
            approver_id=approver.currentData(),
            owner_name=owner.currentText() if owner.currentData() is not None else None,
            approver_name=approver.currentText() if approver.currentData() is not None else None,
            texts=texts,
            whys=tuple(e.text().strip() for e in self.cause_page.whys if e.text().strip()),
            timeline=self.timeline_page.current_lines(),
            actions=self.actions_page.items(),
        )

    def save(self, then: Any = None) -> None:
        if self.draft is None:
            return
        desk, actor, draft = self.desk, self.actor, self.current()

        def saved(result: ReviewDraft) -> None:
            self._fill(result)
            self.status = f"Saved at {desk.now().astimezone(desk.zone).strftime('%H:%M')}"
            if then is not None:
                then()

        self.runner.run(
            lambda: reviews.save_review(desk, actor, draft),
            saved,
            self._failed,
            write=True,
            what=f"the review of {draft.incident_number}",
        )

    def move_review(self, to: ReviewState) -> None:
        """Save what the pages hold (one write), then move the saved review (another)."""
        desk, actor = self.desk, self.actor

        def then() -> None:
            d = self.draft
            assert d is not None
            self.runner.run(
                lambda: reviews.move_review(desk, actor, d.incident_id, d.version, to),
                self._fill,
                self._failed,
                write=True,
                what=f"the review of {d.incident_number}",
            )

        self.save(then=then)

    def problem_from_action(self, row: int) -> None:
        """Save what the pages hold, then make action `row` a problem record."""
        if row < 0:
            self.actions_page.reasons.setText("• Select the action that becomes a problem")
            return
        desk, actor = self.desk, self.actor

        def then() -> None:
            d = self.draft
            assert d is not None
            self.runner.run(
                lambda: reviews.problem_from_action(desk, actor, d.incident_id, d.version, row),
                self._fill,
                self._failed,
                write=True,
                what=f"the problem from the review of {d.incident_number}",
            )

        self.save(then=then)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DeskError):
            raise exc
        show_problem(self, str(exc), "Post-incident review")

    def accept(self) -> None:
        self.save(then=lambda: QWizard.accept(self))

    # -- export -----------------------------------------------------------------------------
    def markdown(self) -> str:
        return to_markdown(self.current(), self.desk.zone)

    def export_pdf(self, path: Path) -> None:
        write_pdf(self.markdown(), path)

    def _export(self, kind: str) -> None:
        if self.draft is None:
            return
        name = f"review-{self.draft.incident_number}.{kind}"
        wanted = "PDF (*.pdf)" if kind == "pdf" else "Markdown (*.md)"
        path, _filter = QFileDialog.getSaveFileName(self, "Export the review", name, wanted)
        if not path:
            return
        try:
            if kind == "pdf":
                self.export_pdf(Path(path))
            else:
                Path(path).write_text(self.markdown(), encoding="utf-8")
        except OSError as exc:
            show_problem(self, f"Could not write {path}: {exc.strerror or exc}", "Export")
