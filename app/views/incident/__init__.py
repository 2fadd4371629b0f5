"""The incident window (`window`), its actions and dialogs (`actions`), what it loads (`details`)
and its tabs as text (`tabs`)."""

from app.views.incident.actions import ACTIONS, ActionSpec, why_not
from app.views.incident.window import IncidentWindow

__all__ = ["ACTIONS", "ActionSpec", "IncidentWindow", "why_not"]
