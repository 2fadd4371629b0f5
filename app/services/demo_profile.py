"""Realistic demo data for Incident Desk: a catalogue, measured distributions, a fast generator.

Everything here is plain Python (standard library only, no database code). ``generate`` yields
plain ``DemoIncident`` rows; whoever fills a database maps them to models.

Where the numbers come from
---------------------------
``PROFILE["servicenow"]`` and ``PROFILE["bpi2013"]`` are figures measured on two real, anonymised
incident logs by ``tools/analyse_logs.py`` (run it to reproduce them; its docstring explains each
measure). Both logs are published under CC BY 4.0 and must keep their attribution wherever data or
figures derived from them ship:

* ServiceNow incident event log (10% sample: 2,500 incidents, 17,667 rows, 2016): Amaral, C. A. L.,
  Fantinato, M., Peres, S. M. (2018), "Attribute Selection with Filter and Wrapper: An Application
  on Incident Management Process", FedCSIS. UCI Machine Learning Repository, dataset 498,
  CC BY 4.0.
* BPI Challenge 2013, Volvo IT Belgium incidents (7,554 incidents, 65,533 rows, 2010-2012):
  Steeman, W. (2013), BPI Challenge 2013, incidents. 4TU.ResearchData,
  doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee, CC BY 4.0.

``PROFILE["demo"]`` holds the targets the generator actually draws from, derived from the measured
figures and the catalogue below; each entry says how. Where the logs are silent or degenerate the
demo uses a stated assumption (channels: the ServiceNow sample is 99.96% phone; cancellations: the
logs have almost none). The names, texts and catalogue are invented; the logs contain no free text.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, Final, NamedTuple

__all__ = [
    "AGENTS",
    "CALLERS",
    "CATEGORIES",
    "CHANNELS",
    "CONTACT_TYPE_TO_CHANNEL",
    "DEFAULT_PRIORITY_MATRIX",
    "ESCALATION_GROUPS",
    "GROUPS",
    "HOLD_REASONS",
    "KNOWN_ERRORS",
    "OPEN_STATES",
    "PROFILE",
    "RESOLUTION_CODES",
    "SERVICES",
    "STATES",
    "Agent",
    "Caller",
    "Category",
    "DemoIncident",
    "Group",
    "KnownError",
    "Service",
    "generate",
    "priority_of",
]

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

CHANNELS: Final = ("phone", "email", "self-service", "monitoring", "walk-in", "chat")
STATES: Final = ("new", "in_progress", "on_hold", "resolved", "closed", "cancelled")
OPEN_STATES: Final = ("new", "in_progress", "on_hold")
HOLD_REASONS: Final = ("awaiting_caller", "awaiting_vendor", "awaiting_change", "awaiting_problem")
RESOLUTION_CODES: Final = (
    "solution_provided",
    "workaround_provided",
    "known_error",
    "resolved_by_caller",
    "resolved_by_change",
    "resolved_by_problem",
    "resolved_by_request",
    "duplicate",
    "user_error",
    "no_resolution",
)
# ServiceNow ``contact_type`` values (the full UCI log has these five) -> our channels.
CONTACT_TYPE_TO_CHANNEL: Final[Mapping[str, str]] = {
    "Phone": "phone",
    "IVR": "phone",
    "Email": "email",
    "Self service": "self-service",
    "Direct opt-in": "self-service",
}
# ServiceNow's base 3x3 matrix, impact (rows) x urgency (columns) -> priority 1..5.
DEFAULT_PRIORITY_MATRIX: Final = ((1, 2, 3), (2, 3, 4), (3, 4, 5))


def priority_of(impact: int, urgency: int) -> int:
    """Priority 1..5 from impact and urgency 1..3 through ``DEFAULT_PRIORITY_MATRIX``."""
    return DEFAULT_PRIORITY_MATRIX[impact - 1][urgency - 1]


# ---------------------------------------------------------------------------------------------
# Measured figures (tools/analyse_logs.py; rounded as it prints them)
# ---------------------------------------------------------------------------------------------

# ServiceNow sample, last row of each of the 2,500 incidents (all of them ended Closed).
_SN_IMPACT_X_URGENCY: Final = {
    (2, 2): 0.884, (3, 3): 0.0596, (2, 1): 0.014, (1, 2): 0.0116, (3, 2): 0.0116,
    (1, 1): 0.0108, (2, 3): 0.008, (3, 1): 0.0004, (1, 3): 0.0,
}
# Hours from opened_at to resolved_at, quantiles per priority. P1 alone is 27 incidents (median
# 265 h, noisy), so the demo draws P1 and P2 from the pooled "1-2" curve (91 incidents).
# The instance maps impact 3 x urgency 3 to P4 (no P5 seen), so the demo's P5 uses the P4 curve.
_Q_KEYS: Final = ("min", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "max")
_Q_PROBS: Final = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
_SN_HOURS_TO_RESOLVE: Final[dict[str, tuple[float, ...]]] = {
    "1": (0.05, 3.425, 5.483, 27.525, 264.933, 507.975, 792.37, 2741.67, 3666.038, 3719.333),
    "1-2": (0.05, 0.708, 2.8, 19.383, 93.15, 330.042, 553.817, 650.908, 3534.848, 3719.333),
    "2": (0.283, 0.528, 1.568, 15.508, 49.983, 160.629, 425.948, 553.397, 614.495, 623.767),
    "3": (0.017, 0.233, 0.967, 19.817, 89.0, 287.233, 540.437, 1034.428, 2805.288, 8070.167),
    "4": (0.033, 0.233, 2.28, 33.592, 150.367, 492.533, 2492.793, 3577.37, 7314.084, 8020.267),
    "all": (0.017, 0.25, 1.033, 20.867, 92.7, 309.9, 598.283, 1294.6, 3216.057, 8070.167),
}
# Resolved -> Closed: the instance auto-closes after 5 days (120 h); a third wait longer.
_SN_HOURS_RESOLVED_TO_CLOSED: Final = (
    0.0, 120.083, 120.2, 120.5, 120.95, 356.833, 411.467, 417.167, 1798.23, 4106.517,
)
_SN_REASSIGNMENT_COUNT: Final = {
    0: 0.4824, 1: 0.2412, 2: 0.1084, 3: 0.0684, 4: 0.0364, 5: 0.022, 6: 0.0128, 7: 0.0096,
    8: 0.006, 9: 0.0044, 10: 0.0024, 11: 0.0016, 12: 0.0024, 13: 0.0004, 14: 0.0008, 16: 0.0004,
    18: 0.0004,
}
_SN_REOPEN_COUNT: Final = {0: 0.9848, 1: 0.0128, 2: 0.0016, 4: 0.0008}
# Share of time an open incident spends in each state (time-weighted over all rows).
_SN_OPEN_TIME_IN_STATE: Final = {
    "Awaiting User Info": 0.4162, "Active": 0.3434, "New": 0.1624, "Awaiting Problem": 0.0609,
    "Awaiting Vendor": 0.014, "Awaiting Evidence": 0.0033,
}
# opened_at hour of day (0..23) and weekday (Mon..Sun, incidents per calendar date).
_SN_OPENED_HOUR: Final = (
    0.0104, 0.0044, 0.0044, 0.0064, 0.0044, 0.0044, 0.008, 0.016, 0.0724, 0.1048, 0.1204, 0.1196,
    0.0676, 0.0704, 0.1028, 0.094, 0.072, 0.0496, 0.018, 0.0152, 0.0108, 0.0088, 0.008, 0.0072,
)
_SN_OPENED_WEEKDAY: Final = (0.1978, 0.1531, 0.2259, 0.1905, 0.1885, 0.017, 0.0272)
# Anonymised closed_code values by rank (14 codes; top ten kept for our ten codes).
_SN_CLOSED_CODE_RANKS: Final = (
    0.608, 0.1356, 0.0602, 0.0472, 0.0351, 0.0327, 0.0315, 0.0129, 0.0097, 0.0093, 0.0081,
    0.0069, 0.0016, 0.0012,
)
# 34 anonymised categories by size: the skew that weights our 32 subcategories.
_SN_CATEGORY_RANKS: Final = (
    0.1964, 0.1412, 0.1212, 0.064, 0.0536, 0.048, 0.0468, 0.0404, 0.0364, 0.0352, 0.0348, 0.0332,
    0.032, 0.0176, 0.0164, 0.0152, 0.0132, 0.0124, 0.008, 0.0064, 0.0056, 0.0036, 0.0032, 0.0032,
    0.0028, 0.0024, 0.0024, 0.0012, 0.0008, 0.0008, 0.0004, 0.0004, 0.0004, 0.0004,
)
# BPI 2013: share of waiting time by sub status ("Wait" alone names no reason).
_BPI_WAIT_TIME: Final = {
    "Wait - User": 0.6344, "Wait": 0.2057, "Wait - Implementation": 0.0875,
    "Wait - Vendor": 0.0564, "Wait - Customer": 0.016,
}
_BPI_OPEN_TIME: Final = {
    "Wait - User": 0.3151, "In Progress": 0.2185, "Awaiting Assignment": 0.2053, "Wait": 0.1021,
    "Assigned": 0.0795, "Wait - Implementation": 0.0435, "Wait - Vendor": 0.028,
    "Wait - Customer": 0.0079,
}
_BPI_L1_ONLY: Final = 0.6018
_BPI_REACHED_L3: Final = 0.072

_SERVICENOW_PROFILE: Final[dict[str, Any]] = {
    "source": "UCI dataset 498, 10% sample, last row of each incident; CC BY 4.0 (Amaral, "
              "Fantinato, Peres 2018)",
    "incidents": 2500,
    "rows": 17667,
    "opened_between": ("2016-02-29", "2016-03-08"),
    "final_state": {"Closed": 1.0},
    "priority": {1: 0.0108, 2: 0.0256, 3: 0.8844, 4: 0.0792},  # no 5 - Planning in the log
    "impact": {1: 0.0224, 2: 0.906, 3: 0.0716},
    "urgency": {1: 0.0252, 2: 0.9072, 3: 0.0676},
    "impact_x_urgency": {f"{i}x{u}": w for (i, u), w in _SN_IMPACT_X_URGENCY.items()},
    "matrix_seen": {"1x1": 1, "1x2": 2, "2x1": 2, "2x2": 3, "2x3": 4, "3x1": 3, "3x2": 4,
                    "3x3": 4},
    "contact_type": {"Phone": 0.9996, "Email": 0.0004},
    "reassignment_count": _SN_REASSIGNMENT_COUNT,
    "reassignment_mean": 1.251,
    "reopen_count": _SN_REOPEN_COUNT,
    "problem_id_share": 0.0268,
    "rfc_share": 0.014,
    "made_sla_share": 0.3404,
    "made_sla_by_priority": {1: 0.037, 2: 0.0, 3: 0.3388, 4: 0.5101},
    "knowledge_share": 0.966,
    "unassigned_at_close_share": 0.214,
    "resolved_without_work_share": 0.2676,  # New -> Resolved with no Active in between
    "ever_on_hold_share": 0.3568,
    "closed_code_rank_shares": _SN_CLOSED_CODE_RANKS,
    "hours_to_resolve": {k: dict(zip(_Q_KEYS, v, strict=True)) for k, v in _SN_HOURS_TO_RESOLVE.items()},
    "hours_resolved_to_closed": dict(zip(_Q_KEYS, _SN_HOURS_RESOLVED_TO_CLOSED, strict=True)),
    "open_time_in_state": _SN_OPEN_TIME_IN_STATE,
    "opened_hour_share": _SN_OPENED_HOUR,
    "opened_weekday_share": _SN_OPENED_WEEKDAY,
    "category": {"distinct": 34, "top1": 0.1964, "top5": 0.5764, "top10": 0.7832,
                 "top20": 0.9724},
    "subcategory": {"distinct": 140, "top1": 0.1104, "top5": 0.352, "top10": 0.5004,
                    "top20": 0.6844},
    "assignment_group": {"distinct": 57, "top1": 0.2429, "top5": 0.4978, "top10": 0.685,
                         "top20": 0.8665},
    "caller": {"distinct": 1469, "top1": 0.0088, "top10": 0.046},
}

_BPI_PROFILE: Final[dict[str, Any]] = {
    "source": "BPI Challenge 2013 incidents, Volvo IT Belgium, per SR; CC BY 4.0 (Steeman 2013, "
              "doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee)",
    "incidents": 7554,
    "rows": 65533,
    "final_status": {"Completed / Closed": 0.7378, "Completed / In Call": 0.2491,
                     "Completed / Resolved": 0.0119, "still open": 0.0011,
                     "Completed / Cancelled": 0.0001},
    "first_contact_share": 0.2491,  # completed while the caller was on the line ("In Call")
    "impact": {"Medium": 0.5355, "Low": 0.4296, "High": 0.0346, "Major": 0.0004},
    "l1_only_share": _BPI_L1_ONLY,  # push to front: never left the first line
    "ended_at_l1_share": 0.7059,
    "reached_l2_share": 0.367,
    "reached_l3_share": _BPI_REACHED_L3,
    "pingpong_team_share": 0.1665,  # team sequence returns to a team it had left (A -> B -> A)
    "pingpong_level_share": 0.1484,
    "distinct_teams": {1: 0.4943, 2: 0.2944, 3: 0.1465, 4: 0.0436, 5: 0.0134, 6: 0.0037,
                       7: 0.0029, 8: 0.0011, 12: 0.0001},
    "wait_user_share": 0.3303,  # SRs that ever sat in "Wait - User"
    "wait_any_share": 0.4455,
    "wait_time_share": _BPI_WAIT_TIME,
    "open_time_in_substatus": _BPI_OPEN_TIME,
    "hours_first_to_last_event_median": {"Low": 178.609, "Medium": 187.6, "High": 191.344,
                                         "Major": 204.838},
    "team": {"distinct": 649, "top1": 0.1139, "top5": 0.323, "top10": 0.4276, "top20": 0.5526},
    "product": {"distinct": 704, "top1": 0.1168, "top5": 0.2625, "top10": 0.3495,
                "top20": 0.456},
}

# ---------------------------------------------------------------------------------------------
# Catalogue: groups, agents, services, callers
# ---------------------------------------------------------------------------------------------


class Group(NamedTuple):
    name: str
    line: int
    supervisor: str  # username in AGENTS


class Agent(NamedTuple):
    username: str
    full_name: str
    role: str  # "agent" (line 1), "specialist" (line 2/3), "supervisor", "admin"
    group: str


class Service(NamedTuple):
    name: str
    ci: str  # the configuration item behind it
    group: str  # the group that owns it


class Caller(NamedTuple):
    name: str
    department: str
    email: str


class Category(NamedTuple):
    category: str
    subcategory: str
    default_group: str


class KnownError(NamedTuple):
    title: str
    symptom: str
    workaround: str
    category: str
    subcategory: str


GROUPS: Final = (
    Group("Service Desk", 1, "carla.rossi"),
    Group("Desktop Support", 1, "grace.mensah"),
    Group("Messaging", 2, "irene.novak"),
    Group("Network", 2, "marco.bianchi"),
    Group("Infrastructure", 2, "daniel.hughes"),
    Group("Database", 2, "olga.ivanova"),
    Group("Identity & Access", 2, "fatima.elamrani"),
    Group("Applications", 2, "robert.klein"),
    Group("ERP Support", 3, "sabine.vogel"),
    Group("Security Operations", 3, "yusuf.demir"),
)
_GROUP_LINE: Final = {g.name: g.line for g in GROUPS}


def _agents() -> tuple[Agent, ...]:
    members = {
        "Service Desk": ("Carla Rossi", "Ana Garcia", "Tom Becker", "Priya Nair", "Lucas Martin",
                         "Sofia Lindqvist", "Omar Haddad"),
        "Desktop Support": ("Grace Mensah", "Jonas Weber", "Emily Carter", "Mateo Silva",
                            "Hannah Kowalski"),
        "Messaging": ("Irene Novak", "Kenji Sato", "Laura Fischer"),
        "Network": ("Marco Bianchi", "Ben Okafor", "Nina Petrova", "Samuel Adeyemi"),
        "Infrastructure": ("Daniel Hughes", "Eva Johansson", "Ravi Kumar", "Chloe Dubois"),
        "Database": ("Olga Ivanova", "Pedro Alves", "Mei Chen"),
        "Identity & Access": ("Fatima El Amrani", "Lukas Horvat", "Aisha Bello"),
        "Applications": ("Robert Klein", "Julia Santos", "Victor Lambert"),
        "ERP Support": ("Sabine Vogel", "Arjun Mehta", "Clara Moreau"),
        "Security Operations": ("Yusuf Demir", "Elena Popescu", "Noah Schmidt"),
    }
    out: list[Agent] = []
    for group in GROUPS:
        for i, name in enumerate(members[group.name]):
            role = "supervisor" if i == 0 else ("agent" if group.line == 1 else "specialist")
            out.append(Agent(_username(name), name, role, group.name))
    out.append(Agent("dev.patel", "Dev Patel", "admin", "Infrastructure"))
    out.append(Agent("helen.brooks", "Helen Brooks", "admin", "Service Desk"))
    return tuple(out)


def _username(full_name: str) -> str:
    first, last = full_name.split(" ", 1)
    return f"{first}.{last.replace(' ', '')}".lower()


AGENTS: Final = _agents()

SERVICES: Final = (
    Service("Email", "Exchange Online", "Messaging"),
    Service("VPN", "Office B VPN concentrator vpn-ofb-01", "Network"),
    Service("Remote access HQ", "HQ VPN gateway vpn-hq-01", "Network"),
    Service("ERP", "SAP S/4HANA production (PRD)", "ERP Support"),
    Service("Intranet", "SharePoint Online intranet", "Applications"),
    Service("Wi-Fi HQ", "HQ wireless controller wlc-hq-01", "Network"),
    Service("File shares", "File server fs-02", "Infrastructure"),
    Service("Print service", "Print server print-01", "Desktop Support"),
    Service("Reporting database", "db-07 server (PostgreSQL 15)", "Database"),
    Service("Finance database", "db-03 server (SQL Server 2019)", "Database"),
    Service("Directory", "Active Directory dc-01 / dc-02", "Identity & Access"),
    Service("Sign-in and MFA", "Microsoft Entra ID", "Identity & Access"),
    Service("Office apps", "Microsoft 365 Apps", "Desktop Support"),
    Service("CRM", "Salesforce Sales Cloud", "Applications"),
    Service("HR portal", "Workday", "Applications"),
    Service("Expenses", "SAP Concur", "Applications"),
    Service("BI reporting", "Power BI service", "Applications"),
    Service("Collaboration", "Microsoft Teams", "Messaging"),
    Service("Workplace devices", "Windows 11 laptop and desktop fleet", "Desktop Support"),
    Service("Mobile devices", "Intune MDM", "Identity & Access"),
    Service("Backup", "Veeam backup server bkp-01", "Infrastructure"),
    Service("Virtualisation", "VMware vSphere cluster esx-prod", "Infrastructure"),
    Service("Internet edge", "Firewall fw-edge-01", "Network"),
    Service("DNS", "Internal DNS dns-01 / dns-02", "Network"),
    Service("Office LAN", "Core switch sw-core-01", "Network"),
    Service("Endpoint security", "Microsoft Defender for Endpoint", "Security Operations"),
    Service("Mail security", "Defender for Office 365", "Security Operations"),
)
_SERVICE_INDEX: Final = {s.name: i for i, s in enumerate(SERVICES)}

_FIRST_NAMES: Final = (
    "John", "Maria", "James", "Sarah", "David", "Laura", "Michael", "Emma", "Daniel", "Olivia",
    "Thomas", "Sophie", "Paul", "Anna", "Mark", "Julia", "Peter", "Lisa", "Robert", "Claire",
    "Steven", "Rachel", "Andrew", "Helen", "Richard", "Kate", "Chris", "Nadia", "George", "Alice",
    "Martin", "Ines", "Kevin", "Sara", "Jan", "Eva", "Luis", "Carmen", "Pierre", "Marie",
    "Stefan", "Katrin", "Marco", "Giulia", "Ahmed", "Leila", "Raj", "Anjali", "Wei", "Lin",
    "Hiroshi", "Yuki", "Kwame", "Amara", "Ivan", "Natalia", "Piotr", "Agnieszka", "Lars", "Ingrid",
    "Sean", "Niamh", "Diego", "Lucia", "Samir", "Yasmin", "Oliver", "Chloe", "Adam", "Zoe",
    "Henrik", "Freya", "Tariq", "Hana", "Felix", "Mila", "Joao", "Beatriz", "Erik", "Nora",
)
_LAST_NAMES: Final = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts",
    "Walker", "Wright", "Thompson", "White", "Hall", "Green", "Wood", "Clarke", "Hughes", "Lewis",
    "Morgan", "Murphy", "Kelly", "O'Brien", "Byrne", "Muller", "Schneider", "Meyer", "Wagner",
    "Hoffmann", "Schulz", "Dubois", "Laurent", "Lefebvre", "Moreau", "Fontaine", "Rossi",
    "Ferrari", "Esposito", "Romano", "Ricci", "Garcia", "Fernandez", "Lopez", "Martinez",
    "Sanchez", "Perez", "Costa", "Oliveira", "Pereira", "Ferreira", "Jansen", "de Vries",
    "Bakker", "Visser", "Andersson", "Nilsson", "Larsen", "Hansen", "Nowak", "Kowalczyk",
    "Wisniewska", "Novotny", "Horvath", "Popov", "Ivanov", "Sharma", "Gupta", "Singh", "Khan",
    "Ali", "Hassan", "Wang", "Li", "Zhang", "Tanaka", "Suzuki", "Kim", "Park", "Mensah", "Okoro",
)
_DEPARTMENTS: Final = (
    ("Sales", 0.16), ("Operations", 0.15), ("Engineering", 0.14), ("Logistics", 0.12),
    ("Finance", 0.10), ("Marketing", 0.09), ("HR", 0.07), ("IT", 0.07), ("Legal", 0.05),
    ("Facilities", 0.05),
)
_CALLER_COUNT: Final = 2000


def _callers() -> tuple[Caller, ...]:
    rng = random.Random(20240607)
    pairs = [(f, last) for f in _FIRST_NAMES for last in _LAST_NAMES]
    pairs.remove(("John", "Smith"))
    rng.shuffle(pairs)
    depts = [d for d, _ in _DEPARTMENTS]
    dept_weights = [w for _, w in _DEPARTMENTS]
    out = [Caller("John Smith", "Finance", "john.smith@example.com")]
    for first, last in pairs[: _CALLER_COUNT - 1]:
        dept = rng.choices(depts, dept_weights)[0]
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        out.append(Caller(f"{first} {last}", dept, f"{local}@example.com"))
    return tuple(out)


CALLERS: Final = _callers()

# ---------------------------------------------------------------------------------------------
# Catalogue: categories with their texts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sub:
    """One subcategory: routing, the services it touches and the texts that describe it.

    ``issues`` are (title, description[, service]) as people report them; ``alerts`` are the
    ones a monitoring rule raises (used for the "monitoring" channel, ``monitored`` of the time).
    A third element names the affected service when the issue fixes it; otherwise it comes from
    the placeholders. Placeholders in braces are filled per incident (see ``_ctx_pool``).
    """

    category: str
    subcategory: str
    group: str
    escalate_to: str | None
    services: tuple[str, ...]
    issues: tuple[tuple[str, ...], ...]
    extras: tuple[str, ...]
    errors: tuple[str, ...]
    fixes: tuple[str, ...]  # how each issue was solved, aligned with ``issues``
    workarounds: tuple[str, ...]
    alerts: tuple[tuple[str, ...], ...] = ()
    alert_fixes: tuple[str, ...] = ()  # aligned with ``alerts``
    asset_prefix: str = "LT"
    models: tuple[str, ...] = ("Dell Latitude 5440", "Lenovo ThinkPad T14", "HP EliteBook 840 G10")
    servers: tuple[str, ...] = ("app-12", "fs-02", "web-04")
    apps: tuple[str, ...] = ("Salesforce", "Workday", "Concur", "Jira", "Power BI")
    monitored: float = 0.0  # share of this subcategory's incidents raised by monitoring


_SUBS: Final = (
    # --- Hardware ---------------------------------------------------------------------------
    _Sub(
        "Hardware", "Laptop", "Desktop Support", "Infrastructure", ("Workplace devices",),
        issues=(
            ("Laptop does not boot past the logo screen",
             "The caller's {model} ({asset}) hangs on the manufacturer logo and restarts. A hard "
             "reset changed nothing."),
            ("Laptop {asset} very slow after the latest update",
             "Laptop {asset} takes more than ten minutes to reach the desktop. Task Manager "
             "shows the disk at 100%."),
            ("Laptop battery drains in under an hour",
             "Battery health is reported at 41% on the {model}; it powers off a few minutes "
             "after being unplugged."),
            ("BitLocker recovery key requested on every start",
             "After the BIOS update the {model} asks for the BitLocker recovery key at every "
             "start."),
            ("Laptop overheats and shuts down during video calls",
             "The fan runs constantly and the {model} switches itself off during Teams calls."),
            ("Cracked screen on {model} {asset}",
             "The screen of {asset} cracked after a fall; the lower half shows coloured lines."),
            ("Docking station not detected by laptop",
             "The {model} charges on the dock but the screens, keyboard and network through "
             "the dock are not detected."),
            ("Laptop keyboard keys not responding",
             "Keys E, R and T on {asset} do not respond; an external keyboard works."),
        ),
        extras=("The caller travels tomorrow and needs a working laptop.",
                "Vendor diagnostics (F12) report {err}."),
        errors=("0xc000000e", "INACCESSIBLE_BOOT_DEVICE", "CRITICAL_PROCESS_DIED",
                "POST error 2000-0151", "battery status: replace soon"),
        fixes=("Reseated the SSD and ran vendor diagnostics; the laptop boots normally again.",
               "Removed the stuck update files, ran disk cleanup and a firmware update; start-up "
               "now under a minute.",
               "Battery replaced under warranty; vendor case closed.",
               "Gave the caller the recovery key from Entra ID, then suspended and resumed "
               "BitLocker; no more prompts.",
               "Cleaned the fan and replaced the thermal pad; no shutdown under load.",
               "Screen replaced by the vendor's on-site engineer.",
               "Updated the dock firmware and the Thunderbolt driver; the dock is detected.",
               "Keyboard replaced under warranty."),
        workarounds=("Gave the caller a loan laptop from the Service Desk pool.",),
        asset_prefix="LT",
        models=("Dell Latitude 5440", "Lenovo ThinkPad T14 Gen 4", "HP EliteBook 840 G10",
                "Dell Latitude 7440", "MacBook Pro 14"),
    ),
    _Sub(
        "Hardware", "Desktop", "Desktop Support", "Infrastructure", ("Workplace devices",),
        issues=(
            ("PC {asset} will not power on",
             "Desktop {asset} ({model}) shows no lights when the power button is pressed. The "
             "caller checked the cable and the socket."),
            ("Desktop PC blue screens several times a day",
             "The PC restarts with a blue screen (stop code {err}) several times a day, mostly "
             "when large spreadsheets are opened."),
            ("Workstation very slow to log in",
             "Logging in takes about eight minutes; 'Preparing Windows' stays on screen most "
             "of that time."),
            ("Shared PC at {site} freezes when users switch",
             "Shift staff share the PC at {site}; it freezes for a minute each time a new user "
             "logs in."),
            ("PC fan extremely loud at desk {room}",
             "The {model} at desk {room} makes a grinding noise from the fan and gets hot."),
            ("Desktop cannot see the second monitor after desk move",
             "Since the move to desk {room} the PC only shows an image on one of the two "
             "screens."),
        ),
        extras=("The PC is at desk {room}.", "Event log shows {err}."),
        errors=("MEMORY_MANAGEMENT", "IRQL_NOT_LESS_OR_EQUAL", "0x0000009F",
                "WHEA_UNCORRECTABLE_ERROR"),
        fixes=("Replaced the power supply; the PC starts normally.",
               "Ran memory diagnostics and replaced a faulty RAM module; no crash since.",
               "Removed stale profiles and the old antivirus agent; log-in now under a minute.",
               "Enabled profile clean-up for shared PCs and removed 40 cached profiles.",
               "Replaced the case fan; the PC is quiet again.",
               "Connected the second screen to the graphics card instead of the onboard port."),
        workarounds=("Moved the caller to a hot desk until the repair.",),
        asset_prefix="DT",
        models=("Dell OptiPlex 7010", "HP EliteDesk 800 G9", "Lenovo ThinkCentre M90q"),
    ),
    _Sub(
        "Hardware", "Printer", "Desktop Support", "Infrastructure", ("Print service",),
        issues=(
            ("Printer on {floor} floor jams on every job",
             "The {model} ({asset}) on the {floor} floor jams on every job from tray 2. The "
             "display shows {err}."),
            ("Cannot print to the {model} at {site}",
             "The printer does not appear in the list on the caller's laptop and adding it by "
             "name fails with 'Operation could not be completed (error 0x00000709)'."),
            ("Print jobs stuck in queue on print-01",
             "Jobs sent to the {model} on the {floor} floor stay in the queue on print-01 with "
             "'Error - Printing' and never come out."),
            ("Scanner does not send scans to e-mail",
             "Scan to e-mail on the {model} fails with {err}; scanning to USB still works."),
            ("Printer prints blank pages",
             "Every job comes out as blank pages on the {model} by the lifts, {floor} floor."),
            ("Toner warning although cartridge was just replaced",
             "The {model} ({asset}) still says 'Black cartridge very low' after a new original "
             "cartridge was fitted."),
            ("Badge release printing not working on {floor} floor",
             "Staff at {site} cannot release print jobs with their badge since the card reader "
             "was replaced."),
        ),
        extras=("About {n} people on the floor use this printer.",
                "The printer's asset tag is {asset}."),
        errors=("13.B2.D1 paper jam", "49.4C02 firmware error", "SMTP 550 5.7.60",
                "E000007-0001", "59.F0 motor error", "scan failed: authentication error 0x4012"),
        fixes=("Replaced the worn pick-up roller in tray 2; twenty test pages without a jam.",
               "Restarted the spooler on the caller's laptop and re-added the printer from "
               "print-01.",
               "Restarted the spooler on print-01 and cleared the stuck jobs.",
               "Updated the scan-to-email SMTP settings to the new relay; scans arrive.",
               "Removed the transport seal left on the new toner cartridge; prints are fine.",
               "Reset the cartridge counter and updated the printer firmware; the warning is "
               "gone.",
               "Re-paired the new card reader with the print management server."),
        workarounds=("Redirected the caller to the printer by the lifts until the engineer "
                     "visits.",),
        asset_prefix="PR",
        models=("HP LaserJet M607", "Canon iR-ADV C5535", "Ricoh IM C3000",
                "Kyocera TASKalfa 3253ci"),
    ),
    _Sub(
        "Hardware", "Monitor", "Desktop Support", None, ("Workplace devices",),
        issues=(
            ("Second monitor not detected",
             "The {model} ({asset}) is not detected through the docking station; it works "
             "when plugged straight into the laptop."),
            ("Monitor flickers when laptop is docked",
             "The screen flickers every few seconds when the laptop is docked at desk {room}."),
            ("External screen stays black after sleep",
             "After sleep the external {model} stays black until the cable is plugged in "
             "again."),
            ("Dead pixels on monitor at desk {room}",
             "A line of dead pixels runs down the middle of the {model} at desk {room}."),
            ("Monitor resolution wrong after Windows update",
             "Since the update the {model} runs at 1024x768 and text is blurred; the correct "
             "resolution is not offered."),
        ),
        extras=("The monitor shows '{err}'.",),
        errors=("No DP signal from your device", "Code 43 on the display adapter",
                "Input not supported", "Cable not connected"),
        fixes=("Updated the dock firmware; the second screen is detected.",
               "Replaced the DisplayPort cable; the monitor is stable.",
               "Turned off USB selective suspend for the dock and updated the graphics driver.",
               "Swapped the monitor for a new {model} from stock.",
               "Reinstalled the graphics driver; the native resolution is back."),
        workarounds=("Connect the screen straight to the laptop's HDMI port until the new dock "
                     "arrives.",),
        asset_prefix="MN",
        models=("Dell P2422H", "Dell U2723QE", "LG 27UL500", "HP E24 G5"),
    ),
    _Sub(
        "Hardware", "Mobile device", "Desktop Support", "Identity & Access", ("Mobile devices",),
        issues=(
            ("Company phone not receiving e-mail",
             "The caller's {model} ({asset}) stopped syncing mail; Outlook mobile says 'Your "
             "mailbox is temporarily unavailable'."),
            ("Cannot enrol new {model} in Intune",
             "Enrolment in Company Portal stops at 'Setting up your device' with error {err}."),
            ("Mobile phone screen broken",
             "The screen of company phone {asset} ({model}) is shattered; touch works only in "
             "the upper half."),
            ("Work profile apps disappeared from Android phone",
             "The work profile on the {model} vanished after an OS update; no Outlook or "
             "Teams."),
            ("Teams notifications not showing on phone",
             "The caller misses calls and chats because Teams on the {model} shows no "
             "notifications."),
            ("Lost company phone {asset}",
             "The caller lost company phone {asset} while travelling and needs a remote wipe "
             "and a replacement."),
        ),
        extras=("Phone number ends in {ext}.",),
        errors=("0x87D1FDE8", "0x80180014", "80180002", "Company Portal error 3400"),
        fixes=("Removed and re-added the account in Outlook mobile; mail syncs again.",
               "Deleted the stale device record in Intune and re-enrolled the phone.",
               "Issued a replacement {model}; the broken one went back to the vendor.",
               "Re-created the work profile through Company Portal.",
               "Turned Teams notifications back on; the OS update had reset them.",
               "Remote wipe sent, device marked lost, SIM blocked and a replacement issued."),
        workarounds=("Use Outlook on the web in the phone's browser until re-enrolment.",),
        asset_prefix="MB",
        models=("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Samsung Galaxy A54",
                "Google Pixel 8"),
    ),
    _Sub(
        "Hardware", "Peripheral", "Desktop Support", None, ("Workplace devices",),
        issues=(
            ("Headset microphone not working in Teams",
             "The {model} is detected but colleagues cannot hear the caller in Teams; the "
             "microphone level stays at zero."),
            ("Wireless keyboard and mouse lag",
             "Keyboard and mouse lag by a second at the caller's desk on the {floor} floor."),
            ("Docking station USB ports dead",
             "None of the USB ports on the dock work; the network cable through the dock still "
             "works."),
            ("Webcam not detected by laptop {asset}",
             "The webcam on {asset} is missing from Device Manager; Teams says 'No camera "
             "found'."),
            ("Replacement needed for broken headset",
             "The headband of the {model} snapped; the caller has calls all day."),
        ),
        extras=("Device Manager shows '{err}'.",),
        errors=("Code 10: device cannot start", "USB device descriptor request failed",
                "Code 28: drivers not installed"),
        fixes=("Set the headset as default communication device in Teams and Windows.",
               "Moved the wireless receiver to the front USB port with an extension cable; no "
               "more lag.",
               "Updated the dock firmware and USB driver; all ports work.",
               "Re-enabled the camera in BIOS; the BIOS update had switched it off.",
               "Replaced the {model} from stock."),
        workarounds=("Use the laptop's built-in microphone and camera until the replacement "
                     "arrives.",),
        models=("Jabra Evolve2 65 headset", "Logitech MK850 set", "Dell WD19S dock",
                "Poly Voyager Focus 2 headset"),
    ),
    # --- Software ---------------------------------------------------------------------------
    _Sub(
        "Software", "Email", "Messaging", None, ("Email",),
        issues=(
            ("Outlook crashes when opening shared calendar",
             "Outlook closes without a message when the caller opens the shared calendar of "
             "{mailbox}. Event Viewer shows Application Error 1000 for OUTLOOK.EXE."),
            ("Cannot send e-mail to external addresses",
             "Messages to external recipients bounce with '{err}'. Internal mail works."),
            ("Shared mailbox {mailbox} not showing in Outlook",
             "The shared mailbox {mailbox} disappeared from the folder pane; the admin centre "
             "still shows full access."),
            ("Outlook stuck on 'Trying to connect'",
             "Outlook has been on 'Trying to connect...' {when}; Outlook on the web works."),
            ("Mailbox full warning although items were deleted",
             "Quota warning at 49.5 GB even after emptying Deleted Items."),
            ("E-mails to customers bounce back",
             "Replies to a customer domain come back with '{err}'."),
            ("Out-of-office replies not sent",
             "Automatic replies are switched on but senders inside and outside get none."),
            ("Outlook search returns no results",
             "Search in Outlook finds nothing older than last week; indexing status says "
             "'Outlook is currently indexing your items'."),
        ),
        alerts=(
            ("Exchange Online service health: mail flow delayed",
             "Service health reports delayed inbound mail (EX{chg}); messages arrive up to "
             "30 minutes late."),
        ),
        extras=("Outlook build 2408 (Current Channel).", "Outlook on the web works normally."),
        errors=("550 5.7.1 Unable to relay", "554 5.7.9 Message not accepted for policy reasons",
                "0x8004010F", "0x800CCC0E", "550 5.1.10 RESOLVER.ADR.RecipientNotFound",
                "Application Error 1000 in OLMAPI32.DLL"),
        fixes=("Rebuilt the Outlook profile and OST file; the shared calendar opens.",
               "Removed the stale connector entry that caused the relay error; external mail "
               "flows.",
               "Fixed the mailbox permission and re-added the shared mailbox through automapping.",
               "Removed a corrupt add-in and repaired Office; Outlook connects.",
               "Enabled the archive mailbox; old items moved automatically and the warning "
               "cleared.",
               "The customer's IT removed our sending IP from their block list.",
               "Re-enabled automatic replies after removing a conflicting transport rule.",
               "Rebuilt the Windows search index for Outlook."),
        alert_fixes=("Microsoft resolved the service incident; delayed mail was delivered.",),
        workarounds=("Use Outlook on the web (outlook.office.com) until the fix.",),
        monitored=0.02,
    ),
    _Sub(
        "Software", "Office suite", "Desktop Support", "Applications", ("Office apps",),
        issues=(
            ("Excel freezes when opening large workbook",
             "Excel stops responding for several minutes when the caller opens the monthly "
             "report from {share}."),
            ("Word documents open read-only",
             "Every Word document from SharePoint opens read-only with 'Upload blocked'."),
            ("Office asks to activate again",
             "Office shows 'Product deactivated' and error {err}."),
            ("PowerPoint crashes when inserting video",
             "PowerPoint closes when an MP4 is inserted; no error is shown."),
            ("Power BI add-in missing from Excel ribbon",
             "The 'Analyze in Excel' add-in has gone from the ribbon {when}."),
            ("OneDrive not syncing documents",
             "OneDrive shows a red cross and {n} files waiting to sync."),
        ),
        extras=("Error code {err}.", "The file is about 80 MB with many pivot tables."),
        errors=("0xC004F074", "0x80070005", "30088-4", "CAA50021", "0x8004de40"),
        fixes=("Turned off the add-in that recalculated on open and repaired Office; the workbook "
               "opens in 20 s.",
               "Cleared the Office upload cache; documents open for editing.",
               "Signed the caller out of all Office apps and back in; the licence activated.",
               "Updated Office to the current build; video inserts work.",
               "Re-enabled the add-in under COM Add-ins; it was disabled after a crash.",
               "Reset OneDrive (onedrive.exe /reset); sync completed."),
        workarounds=("Open the file in the web version of the app while the desktop app is "
                     "repaired.",),
    ),
    _Sub(
        "Software", "Operating system", "Desktop Support", "Infrastructure",
        ("Workplace devices",),
        issues=(
            ("Windows update fails repeatedly",
             "Windows Update fails with {err} and retries every night on {asset}."),
            ("Laptop stuck in restart loop after update",
             "After the cumulative update the laptop restarts in a loop and never reaches the "
             "login screen."),
            ("Start menu and taskbar not responding",
             "The Start menu does not open and the taskbar has been frozen {when}."),
            ("User profile loads as temporary profile",
             "The caller gets 'We can't sign in to your account' and a temporary profile; "
             "files on the desktop are missing."),
            ("Mapped network drives missing after login",
             "Mapped drives to {share} show a red cross after login and do not reconnect."),
            ("Clock on laptop wrong by one hour",
             "The clock on {asset} is an hour behind; meeting reminders come late."),
        ),
        extras=("Running {os}.", "Error {err} in the event log."),
        errors=("0x800f0922", "0x80070002", "0x8024402c", "0xc1900101", "Event ID 1511"),
        fixes=("Reset the Windows Update components and installed the update manually.",
               "Rolled back the update from recovery mode; update paused for 7 days.",
               "Re-registered the shell experience packages; the Start menu works.",
               "Fixed the profile registry key and restored the profile.",
               "Re-created the drive mappings through the login script.",
               "Set the time zone back to automatic and resynced time with the domain."),
        workarounds=("Gave the caller a loan laptop while the fault is investigated.",),
    ),
    _Sub(
        "Software", "Business application", "Service Desk", "Applications",
        ("CRM", "HR portal", "Intranet", "Expenses", "BI reporting"),
        issues=(
            ("Cannot log in to {app}",
             "{app} returns '{err}' right after the single sign-on page."),
            ("{app} very slow",
             "Pages in {app} take over 30 seconds to load for the caller and {n} colleagues at "
             "{site}."),
            ("Error when submitting expense report",
             "Submitting an expense report in Concur fails with '{err}'; the report stays in "
             "draft.", "Expenses"),
            ("Report export to PDF fails in {app}",
             "Exporting a report from {app} to PDF spins for a minute and then shows '{err}'."),
            ("{app} shows blank page after login",
             "After signing in, {app} shows an empty white page; other sites work."),
            ("Approvals missing in {app}",
             "The caller's pending approvals have been missing from the {app} inbox {when}."),
            ("Intranet search returns no results",
             "Intranet search returns 'No results' for any term, including page titles.",
             "Intranet"),
        ),
        extras=("Browser: Edge 126.", "Happens in Chrome and Edge alike."),
        errors=("HTTP 500 Internal Server Error", "AADSTS50105: user not assigned to a role",
                "Session expired (401)", "503 Service Unavailable",
                "Request timed out after 120 s"),
        fixes=("Assigned the caller to the application role in Entra ID; log-in works.",
               "Vendor restarted the application pool; performance back to normal.",
               "Corrected the cost centre on the caller's profile; the report was submitted.",
               "Vendor fixed the PDF export service; exports work again.",
               "Cleared the browser cache and cookies for the site.",
               "Fixed the approval routing after the manager change in {app}.",
               "Restarted the search crawl; results are back."),
        workarounds=("Use the mobile app until the web site is fixed.",),
        apps=("Salesforce", "Workday", "Concur", "the intranet", "Power BI"),
    ),
    _Sub(
        "Software", "ERP", "Applications", "ERP Support", ("ERP",),
        issues=(
            ("SAP GUI crashes when printing to PDF",
             "SAP GUI 7.70 closes when the caller prints an invoice to PDF from {app}."),
            ("Cannot post invoice in SAP ({app})",
             "Posting in {app} stops with message '{err}'."),
            ("SAP authorisation missing for transaction {app}",
             "The caller gets 'You are not authorized to use transaction {app}' since the role "
             "change."),
            ("SAP month-end report runs for hours",
             "The month-end report has run for three hours and blocks the finance close."),
            ("Purchase order stuck in approval workflow",
             "Purchase order 45000{ext} has been waiting in the approval workflow {when}."),
            ("SAP Fiori app shows 'Application could not be started'",
             "The Fiori launchpad tile for {app} fails with 'Application could not be "
             "started'."),
        ),
        extras=("Company code 1000, plant {ext}.", "Short dump in ST22: {err}."),
        errors=("TSV_TNEW_PAGE_ALLOC_FAILED", "Message no. M8 321",
                "Balance in transaction currency", "DBSQL_SQL_ERROR"),
        fixes=("Applied SAP Note 3012345 for the GUI print crash.",
               "Corrected the tax code on the invoice; posting succeeded.",
               "Added the missing authorisation object to the caller's role.",
               "Added a selection variant and moved the report to a background job; it runs in 20 "
               "minutes.",
               "Reprocessed the stuck workflow item in SWIA; the PO is approved.",
               "Regenerated the Fiori cache and the caller's role menu; the tile opens."),
        workarounds=("A key user processed the document on the caller's behalf until the fix.",),
        apps=("MIRO", "ME21N", "FB60", "VA01", "MM03", "F110", "ME23N"),
    ),
    _Sub(
        "Software", "Collaboration", "Service Desk", "Messaging", ("Collaboration",),
        issues=(
            ("Teams meeting audio drops every few minutes",
             "Audio drops for 5-10 seconds every few minutes in Teams meetings, with and "
             "without the headset."),
            ("Cannot join Teams meetings from the browser",
             "Joining from Edge stops at 'We're having trouble connecting you'."),
            ("Teams channel files not loading",
             "The Files tab of the team channel has shown a spinning wheel {when}."),
            ("Screen sharing shows black screen in Teams",
             "Attendees only see a black screen when the caller shares a window."),
            ("Meeting room {room} display not joining Teams calls",
             "The Teams room in {room} shows '{err}' and does not join scheduled meetings."),
        ),
        extras=("{n} people were in the meeting.",),
        errors=("caa20002", "sign-in error 0xCAA70004", "Device not registered",
                "meeting join failed (code 4c7)"),
        fixes=("Cleared the Teams cache and updated the headset firmware; audio is stable.",
               "Allowed third-party cookies for teams.microsoft.com; joining from the browser "
               "works.",
               "Fixed the SharePoint site permission behind the channel; files load.",
               "Turned off GPU hardware acceleration in Teams; sharing works.",
               "Re-registered the room account and restarted the room console."),
        workarounds=("Join from the Teams mobile app until the client is fixed.",),
    ),
    # --- Network ----------------------------------------------------------------------------
    _Sub(
        "Network", "VPN", "Service Desk", "Network", ("VPN", "Remote access HQ"),
        issues=(
            ("Cannot connect to VPN from home office",
             "GlobalProtect shows '{err}' when the caller connects from home; home internet "
             "works fine."),
            ("VPN disconnects every few minutes",
             "The VPN tunnel drops every 5-10 minutes and reconnects, cutting Teams calls."),
            ("VPN connected but no access to file shares",
             "The VPN says connected but {share} and the intranet cannot be reached."),
            ("VPN down for the whole office at {site}",
             "Nobody at {site} reaches internal systems; the VPN concentrator ({ci}) is "
             "unreachable from the site."),
            ("VPN client asks for credentials in a loop",
             "After entering the password and MFA code the client asks for credentials again."),
            ("Slow VPN connection when working remotely",
             "Over the VPN file copies crawl at 200 KB/s and Teams video freezes; without the "
             "VPN the line is fast."),
        ),
        alerts=(
            ("VPN tunnel down: {ci}",
             "Monitoring lost the IPsec tunnel to {ci}; {n} remote users disconnected."),
        ),
        extras=("Client version GlobalProtect 6.2.1.", "Error: {err}."),
        errors=("Gateway vpn-ofb-01: connection failed", "Authentication failed",
                "Portal not responding", "Error 812", "The network connection was interrupted"),
        fixes=("Reinstalled the GlobalProtect client and its virtual adapter.",
               "Turned off power saving on the Wi-Fi adapter; the tunnel stays up.",
               "Fixed the split-tunnel route for the file server subnet.",
               "Restarted the concentrator; root cause unknown, monitoring added.",
               "Renewed the expired machine certificate.",
               "Moved the caller to the nearer gateway; speed back to normal."),
        alert_fixes=("Restarted the IPsec service on the concentrator; the tunnel is up.",),
        workarounds=("Connect through the HQ gateway (vpn-hq-01) until Office B is fixed.",),
        monitored=0.1,
    ),
    _Sub(
        "Network", "Wi-Fi", "Service Desk", "Network", ("Wi-Fi HQ",),
        issues=(
            ("Wi-Fi keeps dropping on the {floor} floor",
             "The laptop loses Wi-Fi for a minute several times an hour on the {floor} floor; "
             "colleagues nearby see the same."),
            ("Cannot connect to CORP Wi-Fi with laptop",
             "Connecting to CORP fails with '{err}'; the phone connects fine."),
            ("Guest Wi-Fi portal not loading",
             "Visitors at {site} reception cannot open the guest Wi-Fi login page."),
            ("Very slow Wi-Fi in meeting room {room}",
             "A speed test in {room} shows 2 Mbit/s down; video calls freeze."),
            ("Wi-Fi asks for certificate after password change",
             "Since the password change the laptop asks to accept a certificate and then "
             "fails with '{err}'."),
        ),
        alerts=(
            ("Access point ap-{ext} offline",
             "The wireless controller reports access point ap-{ext} ({floor} floor) offline."),
        ),
        extras=("Access point near the caller: ap-{ext}.", "{n} people affected."),
        errors=("Can't connect to this network", "802.1X authentication failed",
                "DHCP lease timeout", "Certificate validation failed"),
        fixes=("Rebooted the access point and moved it to a free channel.",
               "Renewed the Wi-Fi certificate on the laptop through Intune.",
               "Fixed the captive portal redirect on the guest controller.",
               "Added a second access point in the room; speed test now 180 Mbit/s.",
               "Pushed the new RADIUS server certificate to the laptop."),
        alert_fixes=("Replaced the failed PoE injector; ap-{ext} is back online.",),
        workarounds=("Use a wired port or the 2.4 GHz network until the access point is "
                     "replaced.",),
        monitored=0.05,
    ),
    _Sub(
        "Network", "LAN", "Network", None, ("Office LAN",),
        issues=(
            ("Network port at desk {room} not working",
             "The wall port at desk {room} gives no link light; other ports work."),
            ("Whole floor lost network connection",
             "All wired devices on the {floor} floor lost connection at the same time."),
            ("No network on the {floor} floor east wing",
             "PCs and phones in the east wing of the {floor} floor have no network."),
            ("Network slow between {site} and HQ",
             "File copies between {site} and HQ run at 1 MB/s instead of the usual 80 MB/s."),
        ),
        alerts=(
            ("Interface down alert on {server}",
             "Monitoring reports '{err}' on {server}."),
            ("Packet loss on uplink from {site}",
             "Packet loss above 10% on the uplink from {site}; {err}."),
        ),
        extras=("Switch log: {err}.",),
        errors=("%LINK-3-UPDOWN: Interface Gi1/0/24 changed state to down",
                "CRC errors on Te1/1/1", "packet loss 12% to 10.20.0.1",
                "spanning tree topology change"),
        fixes=("Patched the desk port to a working switch port.",
               "Power-cycled the access switch after a firmware hang.",
               "Replaced the failed access switch in the east wing rack.",
               "Replaced the faulty SFP on the uplink."),
        alert_fixes=("Replaced the faulty patch cable on the interface; no flaps since.",
                     "The carrier fixed a line fault on the uplink."),
        workarounds=("Routed traffic over the backup link while the uplink is replaced.",),
        servers=("sw-core-01", "sw-acc-3f-02", "sw-acc-2f-01", "rtr-ofb-01"),
        monitored=0.45,
    ),
    _Sub(
        "Network", "DNS", "Network", None, ("DNS",),
        issues=(
            ("Intranet address does not resolve",
             "Browsers show '{err}' for the intranet from {site}."),
            ("DNS resolution slow for internal names",
             "Name lookups take five seconds; the IP address answers at once."),
            ("Cannot reach {server} by name, IP works",
             "{server} answers by IP address but not by name."),
            ("New server name not resolving",
             "The new host {server} was built yesterday but its name does not resolve."),
        ),
        alerts=(
            ("DNS alert: dns-02 not answering",
             "Monitoring reports dns-02 not answering queries for 10 minutes ({err})."),
        ),
        extras=("nslookup output: {err}.",),
        errors=("DNS_PROBE_FINISHED_NXDOMAIN", "Ping request could not find host", "SERVFAIL",
                "request timed out"),
        fixes=("Fixed the stale intranet record and flushed the resolver caches.",
               "Removed the unreachable forwarder from the DNS servers.",
               "Added the missing A record; the name resolves.",
               "Registered the new host in DNS and fixed dynamic updates."),
        alert_fixes=("Restarted the DNS service on dns-02.",),
        workarounds=("Use the IP address until the record replicates.",),
        servers=("app-12", "web-04", "etl-02", "db-11"),
        monitored=0.45,
    ),
    _Sub(
        "Network", "Firewall", "Network", None, ("Internet edge",),
        issues=(
            ("Website needed for work blocked by firewall",
             "The supplier portal shows '{err}' for the caller."),
            ("Supplier cannot reach our SFTP server",
             "The supplier's transfers have failed with 'Connection timed out on port 22' "
             "{when}."),
            ("Application port blocked between {site} and HQ",
             "The warehouse scanners at {site} cannot reach the app server on port 8443."),
            ("Outbound calls to partner API time out",
             "Calls from {server} to the partner API time out after 30 seconds."),
        ),
        alerts=(
            ("Firewall CPU high alert on fw-edge-01",
             "fw-edge-01 data plane CPU above 90% for 15 minutes ({err})."),
        ),
        extras=("Rule hit: {err}.",),
        errors=("blocked by URL filtering category 'unknown'", "deny rule 4081",
                "CPU 95% on data plane", "session end reason: aged-out"),
        fixes=("Recategorised the site and allowed it in the policy.",
               "Added the supplier's new IP range to the SFTP rule.",
               "Opened port 8443 from the warehouse VLAN through change CHG00{chg}.",
               "Fixed the NAT rule for the partner API."),
        alert_fixes=("Applied the vendor hotfix for the data plane CPU bug.",),
        workarounds=("Temporary allow rule added for 7 days.",),
        monitored=0.3,
    ),
    # --- Access -----------------------------------------------------------------------------
    _Sub(
        "Access", "Password reset", "Service Desk", "Identity & Access",
        ("Directory", "Sign-in and MFA"),
        issues=(
            ("Password expired and self-service reset fails",
             "The caller's password expired this morning; the self-service reset page shows "
             "'{err}'."),
            ("Forgot password, cannot log in",
             "The caller forgot the password after holidays and cannot log in to the laptop."),
            ("Password reset not syncing to laptop",
             "The new password works on the web but the laptop still wants the old one."),
            ("Self-service reset says account not registered",
             "The reset page says 'User account not enabled for password reset'."),
            ("New password rejected as not meeting requirements",
             "Every new password is rejected with 'Your password does not meet the complexity "
             "or history requirements'."),
            ("Password reset needed for {app}",
             "The caller needs the {app} password reset before a customer meeting at {time}."),
        ),
        extras=("Identity verified with employee number and manager name.",
                "The caller is working from {site}."),
        errors=("SSPR0029", "Your password does not meet the complexity or history requirements",
                "AADSTS50055: password expired", "User account not enabled for password reset"),
        fixes=("Reset the password after the identity check and re-registered the caller for "
               "self-service reset.",
               "Reset the password after the identity check and set 'change at next log-on'.",
               "Synced the new password to the laptop over VPN (lock, unlock).",
               "Registered the caller for self-service reset and reset the password.",
               "Explained the password rules; the caller set a passphrase that passed.",
               "Reset the {app} password and sent it through the secure channel."),
        workarounds=("Issued a temporary password valid for 24 hours.",),
        apps=("Salesforce", "Workday", "SAP", "Concur", "Jira", "the VPN"),
    ),
    _Sub(
        "Access", "Account locked", "Service Desk", "Identity & Access", ("Directory",),
        issues=(
            ("Account locked out again",
             "The caller's account locks within minutes of being unlocked; the security log "
             "shows {err} from device {asset}."),
            ("Account locks every morning",
             "The account has been locked every morning around 08:00 {when}."),
            ("Locked out after password change",
             "After changing the password yesterday the account keeps locking."),
            ("Cannot unlock account through self-service",
             "The self-service unlock page says the caller is not registered."),
            ("Account disabled after return from leave",
             "The account was disabled while the caller was on leave."),
        ),
        extras=("Lockout source: {asset}.",),
        errors=("Event ID 4740", "The referenced account is currently locked out",
                "AADSTS50053", "Account disabled"),
        fixes=("Removed the stale credentials from the phone's mail app; no more lockouts.",
               "Found an old mapped drive with saved credentials; removed it and unlocked the "
               "account.",
               "Cleared saved credentials in Credential Manager and unlocked the account.",
               "Registered the caller for self-service unlock and unlocked the account.",
               "Re-enabled the account after HR confirmed the return date."),
        workarounds=("Unlocked the account; the cause of the lockouts is still being traced.",),
        asset_prefix="MB",
    ),
    _Sub(
        "Access", "Permissions", "Service Desk", "Identity & Access", ("File shares", "Directory"),
        issues=(
            ("Access denied to shared folder {share}",
             "Opening {share} gives '{err}'; colleagues in the same team have access."),
            ("Need access to shared mailbox {mailbox}",
             "The caller joined the team and needs send-as rights on {mailbox}."),
            ("Cannot open project SharePoint site",
             "SharePoint says 'You need permission to access this site'."),
            ("Missing permissions after team move",
             "Since moving to the new team the caller cannot open the team folders."),
            ("Read-only access to {share} should be write",
             "The caller can open files on {share} but cannot save changes."),
            ("Lost access to {app} after role change",
             "{app} says '{err}' since the caller's role changed."),
        ),
        extras=("Approved by the caller's manager by e-mail.",),
        errors=("Access is denied", "You need permission to access this site", "0x80070005",
                "AADSTS50105"),
        fixes=("Added the caller to the share's AD group; access works after log-off and log-on.",
               "Granted full access and send-as on the shared mailbox.",
               "Added the caller to the site's members group after the owner approved.",
               "Copied the group memberships of the new team after the manager approved.",
               "Changed the caller's access on the share to modify after the owner approved.",
               "Assigned the new role in {app} after the manager approved."),
        workarounds=("The team lead will forward files until the access is approved.",),
    ),
    _Sub(
        "Access", "MFA", "Service Desk", "Identity & Access", ("Sign-in and MFA",),
        issues=(
            ("MFA prompt not arriving on phone",
             "Authenticator push notifications do not arrive on the caller's {model}; sign-in "
             "ends with '{err}'."),
            ("New phone, cannot set up authenticator",
             "The caller replaced the phone and can no longer approve sign-ins."),
            ("Stuck in MFA loop when signing in",
             "Sign-in asks for MFA again and again after approval."),
            ("MFA code rejected as invalid",
             "Six-digit codes from the app on the {model} are rejected as invalid."),
            ("Lost phone, cannot complete MFA",
             "The caller lost the phone with the authenticator app and is travelling."),
        ),
        extras=("Phone time is set automatically.",),
        errors=("AADSTS50076", "AADSTS50074: strong authentication required",
                "We didn't receive a response", "Invalid verification code"),
        fixes=("Re-registered the authenticator; pushes arrive again.",
               "Issued a temporary access pass and registered the new phone.",
               "Cleared the browser session cookies; sign-in completes.",
               "Turned on automatic time on the phone; codes are accepted.",
               "Issued a temporary access pass and removed the lost phone from security info."),
        workarounds=("Temporary access pass issued for 8 hours.",),
        models=("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Google Pixel 8"),
    ),
    # --- Database ---------------------------------------------------------------------------
    _Sub(
        "Database", "Performance", "Database", None, ("Reporting database", "Finance database"),
        issues=(
            ("Reports on {server} extremely slow",
             "Reports that took 20 seconds now take ten minutes on {server} ({ci})."),
            ("Month-end report times out",
             "The month-end report fails with '{err}'."),
            ("Finance dashboard slow since the upgrade",
             "The finance dashboard on {server} takes over a minute to open; {n} users "
             "complain."),
        ),
        alerts=(
            ("Long-running query alert on {server}",
             "Monitoring flags a query running for over 2 hours on {server}: '{err}'."),
            ("Database CPU at 100% on {server}",
             "CPU on {server} has stayed at 100% for 15 minutes."),
            ("Blocking sessions on {server}",
             "More than 40 sessions blocked on {server} by one idle transaction."),
        ),
        extras=("Top wait: {err}.",),
        errors=("canceling statement due to statement timeout", "Query timeout expired",
                "lock wait timeout exceeded", "CPU 98% for 15 minutes"),
        fixes=("Added the missing index on the invoice lines table; report back to 15 s.",
               "Rewrote the report query to use the summary table; it finishes in 2 minutes.",
               "Updated statistics and cleared a bad cached plan after the upgrade."),
        alert_fixes=("Killed the runaway query and told the report owner.",
                     "Found a missing index behind the CPU spike and added it.",
                     "Killed the idle blocking session and fixed the job's transaction scope."),
        workarounds=("Run the reports after 18:00 or against the read replica.",),
        servers=("db-07", "db-03", "db-11", "sql-05"),
        monitored=0.4,
    ),
    _Sub(
        "Database", "Backup", "Database", None, ("Backup", "Reporting database"),
        issues=(
            ("Restore request for dropped table",
             "A table was dropped by mistake on {server}; needs a restore to yesterday 18:00."),
            ("Backup job overran into business hours",
             "The backup job was still running at 09:00 and slowed the ERP."),
            ("Need copy of production database for testing",
             "The project team needs yesterday's backup of {server} restored to the test "
             "server."),
        ),
        alerts=(
            ("Nightly backup failed for {server}",
             "The nightly job reports '{err}' for {server}."),
            ("Transaction log backup failing on {server}",
             "Log backups on {server} have failed three times in a row: {err}."),
        ),
        extras=("Job log: {err}.",),
        errors=("VSS error 0x800423f4", "BACKUP LOG failed: disk full",
                "pg_basebackup: could not connect", "job exceeded window by 2h 40m"),
        fixes=("Restored the table to a side database and copied it back.",
               "Moved the job to 01:00 and enabled compression.",
               "Restored last night's backup to the test server and masked personal data."),
        alert_fixes=("Freed space on the backup target and re-ran the job.",
                     "Fixed the log backup path; backups run again."),
        workarounds=("Took a manual full backup before the business day.",),
        servers=("db-07", "db-03", "db-11"),
        monitored=0.6,
    ),
    _Sub(
        "Database", "Availability", "Database", None, ("Reporting database", "Finance database"),
        issues=(
            ("Application cannot connect to database",
             "The CRM integration fails; its logs show '{err}'."),
            ("Database {server} not reachable",
             "Applications report '{err}' when connecting to {server}."),
        ),
        alerts=(
            ("Replica lag alert on {server}",
             "Replication lag on {server} is above 15 minutes."),
            ("Too many connections on {server}",
             "{server} refuses new connections: '{err}'."),
        ),
        extras=("{n} applications affected.",),
        errors=("FATAL: sorry, too many clients already", "Login timeout expired",
                "connection refused on port 5432", "replication lag 900 s"),
        fixes=("Restarted the connection pooler and raised the pool limit.",
               "Failed back to the primary after the network fix."),
        alert_fixes=("Rebuilt the replica from a fresh base backup.",
                     "Fixed the connection leak in the integration and restarted it."),
        workarounds=("Pointed reporting to the primary temporarily.",),
        servers=("db-07", "db-03", "db-11", "sql-05"),
        monitored=0.6,
    ),
    # --- Infrastructure ---------------------------------------------------------------------
    _Sub(
        "Infrastructure", "Server", "Infrastructure", None, ("Virtualisation", "File shares"),
        issues=(
            ("Scheduled task failed on {server}",
             "The nightly import task on {server} failed with exit code 1."),
            ("Application on {server} not responding",
             "Users of {app} get errors; the service on {server} has stopped."),
            ("Certificate expiring on {server}",
             "Browsers will warn about {server} next week; its certificate expires in 7 days."),
        ),
        alerts=(
            ("Server {server} not responding to ping",
             "Monitoring reports '{err}' on {server}."),
            ("High memory usage alert on {server}",
             "Memory on {server} above 95% for 20 minutes."),
            ("Service stopped on {server}",
             "Monitoring reports '{err}' on {server}."),
        ),
        extras=("First alert at {time}.",),
        errors=("host unreachable", "memory 96% for 20 minutes",
                "service W3SVC stopped unexpectedly", "certificate expires in 7 days",
                "Event ID 7034"),
        fixes=("Fixed the task's service account password; the task ran.",
               "Restarted the service and set it to restart on failure.",
               "Renewed the certificate and bound it in IIS."),
        alert_fixes=("The host was hung; rebooted it and opened a problem for the root cause.",
                     "Added 8 GB of memory to the VM.",
                     "Restarted the service and set it to restart on failure."),
        workarounds=("Restarted the server; a permanent fix is planned.",),
        servers=("app-12", "web-04", "etl-02", "print-01", "fs-02"),
        monitored=0.7,
    ),
    _Sub(
        "Infrastructure", "Storage", "Infrastructure", None, ("File shares", "Backup"),
        issues=(
            ("File share {share} not accessible",
             "{share} returns '{err}' for everyone at {site}."),
            ("Quota exceeded on {share}",
             "Saving to {share} fails: the folder quota is full."),
            ("Restore of deleted folder on {share}",
             "The caller deleted a folder on {share} and needs it restored from yesterday."),
        ),
        alerts=(
            ("Storage latency alert on SAN",
             "SAN latency above 40 ms on the production LUNs ({err})."),
            ("Snapshots failing on storage array",
             "Snapshot policy on the array failed for two nights: {err}."),
        ),
        extras=("Array alert: {err}.",),
        errors=("The specified network name is no longer available", "latency 45 ms on LUN 12",
                "quota exceeded (500 GB)", "snapshot policy failed"),
        fixes=("Failed the path over to the second controller; the share is back.",
               "Raised the quota after the owner approved.",
               "Restored the folder from last night's snapshot."),
        alert_fixes=("Replaced the failed disk; latency back under 5 ms.",
                     "Fixed the snapshot schedule and ran it by hand."),
        workarounds=("Files restored to a temporary folder for the caller.",),
        monitored=0.5,
    ),
    _Sub(
        "Infrastructure", "Virtualisation", "Infrastructure", None, ("Virtualisation",),
        issues=(
            ("VM {server} frozen",
             "VM {server} does not answer on the console; vCenter shows '{err}'."),
            ("New VM needed urgently for {server} migration",
             "The project needs a copy of {server} on the new cluster; the clone fails."),
        ),
        alerts=(
            ("Host esx-11 entered maintenance mode unexpectedly",
             "vCenter reports esx-11 in maintenance mode; its VMs moved to other hosts."),
            ("Datastore almost full alert",
             "Datastore ds-prod-03 above 90% ({err})."),
            ("VM snapshot older than 7 days on {server}",
             "A snapshot from last week's patch run is still open on {server}."),
        ),
        extras=("vCenter alarm: {err}.",),
        errors=("host not responding", "datastore usage 93%", "snapshot consolidation needed",
                "vMotion failed: timeout"),
        fixes=("Reset the hung VM and migrated it off the faulty host.",
               "Cloned the VM after freeing datastore space."),
        alert_fixes=("Replaced the failed host NIC and took the host out of maintenance mode.",
                     "Consolidated old snapshots; the datastore is back to 71%.",
                     "Consolidated the snapshot."),
        workarounds=("Migrated the VM to another host.",),
        servers=("app-12", "web-04", "etl-02", "db-11"),
        monitored=0.7,
    ),
    _Sub(
        "Infrastructure", "Disk space", "Infrastructure", None,
        ("Reporting database", "File shares", "Virtualisation"),
        issues=(
            ("Low disk space on C: drive of {server}",
             "C: on {server} has 1.2 GB free; Windows updates cannot install."),
            ("Application logs filling disk on {server}",
             "The application writes debug logs on {server}; the volume grew 40 GB in a day."),
        ),
        alerts=(
            ("Disk space alert on {server}",
             "Monitoring fired '{err}' on {server}."),
            ("DiskFull: {server} volume above 95%",
             "Alert DiskFull firing for {server}: {err}."),
            ("Log volume filling up on {server}",
             "The log volume on {server} grew 40 GB overnight during the ETL run."),
        ),
        extras=("Alert rule DiskFull, severity critical.",),
        errors=("DiskFull: 96% used on /var/lib/pgsql", "volume D: 97% used (3.1 GB free)",
                "No space left on device", "disk usage above 95% for 10 minutes"),
        fixes=("Removed old update files and extended C: by 20 GB.",
               "Turned off debug logging and compressed old logs."),
        alert_fixes=("Ran the log backup and shrank the transaction log; 60% free.",
                     "Extended the volume by 100 GB.",
                     "Freed space and fixed the stuck replication slot."),
        workarounds=("Cleared old log files by hand; permanent fix pending.",),
        servers=("db-07", "db-03", "app-12", "etl-02", "fs-02"),
        monitored=0.85,
    ),
    # --- Security ---------------------------------------------------------------------------
    _Sub(
        "Security", "Phishing", "Service Desk", "Security Operations", ("Mail security",),
        issues=(
            ("Suspicious e-mail asking to confirm payroll details",
             "The caller received a mail '{err}' from an outside address and forwarded it."),
            ("Clicked link in phishing e-mail",
             "The caller clicked the link in '{err}' and typed the password before noticing "
             "the domain."),
            ("Fake DocuSign e-mail received by several users",
             "{n} users got the same fake DocuSign notification this morning."),
            ("Phishing e-mail impersonating the CEO",
             "A mail signed as the CEO asks finance to pay an urgent invoice."),
            ("Reported message with suspicious attachment",
             "The caller reported a mail with an HTML attachment named Invoice_{ext}.htm."),
        ),
        extras=("Sender domain registered last week.",),
        errors=("Action required: confirm your payroll details", "Invoice overdue - pay today",
                "You have a document to review and sign", "Mailbox storage full"),
        fixes=("Purged the message from all mailboxes and blocked the sender domain.",
               "Reset the caller's password, revoked sessions and checked sign-ins; no misuse "
               "found.",
               "Purged the messages and blocked the look-alike domain.",
               "Confirmed the fraud attempt with finance; sender blocked, no payment made.",
               "Opened the attachment in the sandbox: a credential phishing page; blocked and "
               "purged."),
        workarounds=("Blocked the sender while the investigation runs.",),
    ),
    _Sub(
        "Security", "Malware", "Security Operations", None, ("Endpoint security",),
        issues=(
            ("Suspected ransomware note on file share",
             "A text file named README_RESTORE appeared in {share}."),
            ("Browser redirects to unknown sites",
             "The caller's browser has opened ad pages on its own {when}."),
        ),
        alerts=(
            ("Antivirus alert on laptop {asset}",
             "Defender reported {err} on {asset} and quarantined the file."),
            ("Defender quarantined file on {server}",
             "Defender for Endpoint quarantined {err} on {server}."),
        ),
        extras=("Device isolated from the network.",),
        errors=("Trojan:Win32/Wacatac.B!ml", "Behavior:Win32/Ransom", "PUA:Win32/Presenoker",
                "HackTool:Win32/Mimikatz"),
        fixes=("Isolated the share, restored it from snapshot and found the infected laptop.",
               "Removed the malicious browser extension; full scan clean."),
        alert_fixes=("Full scan clean after quarantine.",
                     "Reimaged the server from the golden image after the review."),
        workarounds=("Device isolated pending investigation.",),
        monitored=0.6,
    ),
    _Sub(
        "Security", "Suspicious sign-in", "Security Operations", None, ("Sign-in and MFA",),
        issues=(
            ("Unknown MFA request approved by mistake",
             "The caller approved an MFA prompt they did not start."),
            ("Mailbox forwarding rule to external address",
             "A rule forwards all mail to an outside address; the caller did not create it."),
        ),
        alerts=(
            ("Impossible travel alert for user account",
             "Sign-ins from two countries 20 minutes apart for the caller's account ({err})."),
            ("Sign-in from unfamiliar location",
             "Entra ID Protection flagged a risky sign-in: {err}."),
        ),
        extras=("Risk level: high.",),
        errors=("atypical travel", "anonymous IP address", "unfamiliar sign-in properties"),
        fixes=("Revoked sessions, reset the password and re-registered MFA.",
               "Removed the forwarding rule and blocked external forwarding."),
        alert_fixes=("Confirmed the caller was travelling and using a hotel VPN; risk dismissed.",
                     "Revoked sessions and reset the password; no further sign-ins."),
        workarounds=("Account blocked from sign-in until the review.",),
        monitored=0.3,
    ),
    _Sub(
        "Security", "Data leak", "Security Operations", None, ("Mail security",),
        issues=(
            ("E-mail with customer data sent to wrong recipient",
             "A spreadsheet with customer records went to an outside address by mistake."),
            ("Confidential file shared with external address",
             "A confidential file on OneDrive was shared with 'anyone with the link'."),
            ("Lost USB stick with project files",
             "The caller lost a USB stick with project drawings at {site}."),
            ("Sensitive data found on public share",
             "Salary data was found in {share}, readable by all staff."),
        ),
        extras=("Data protection officer informed.",),
        errors=("DLP policy match: customer data",),
        fixes=("Recalled the message and got deletion confirmation from the recipient.",
               "Removed the sharing link and reviewed the access logs.",
               "The USB stick was encrypted; recorded the loss and revoked the key.",
               "Moved the files to the HR share and restricted access."),
        workarounds=("Link disabled pending the data protection review.",),
    ),
)

# Popularity rank of our subcategories (1 = most incidents); weights = the ServiceNow category
# size at that rank.
_RANKED: Final = (
    ("Access", "Password reset"), ("Software", "Email"), ("Hardware", "Laptop"),
    ("Network", "VPN"), ("Software", "ERP"), ("Software", "Business application"),
    ("Hardware", "Printer"), ("Access", "Account locked"), ("Software", "Office suite"),
    ("Access", "Permissions"), ("Network", "Wi-Fi"), ("Software", "Operating system"),
    ("Access", "MFA"), ("Hardware", "Desktop"), ("Software", "Collaboration"),
    ("Infrastructure", "Disk space"), ("Hardware", "Monitor"), ("Hardware", "Mobile device"),
    ("Security", "Phishing"), ("Hardware", "Peripheral"), ("Network", "LAN"),
    ("Infrastructure", "Server"), ("Database", "Performance"), ("Infrastructure", "Storage"),
    ("Network", "DNS"), ("Database", "Availability"), ("Network", "Firewall"),
    ("Database", "Backup"), ("Infrastructure", "Virtualisation"), ("Security", "Malware"),
    ("Security", "Suspicious sign-in"), ("Security", "Data leak"),
)

CATEGORIES: Final = tuple(Category(s.category, s.subcategory, s.group) for s in _SUBS)
ESCALATION_GROUPS: Final[Mapping[tuple[str, str], str]] = {
    (s.category, s.subcategory): s.escalate_to for s in _SUBS if s.escalate_to is not None
}

KNOWN_ERRORS: Final = (
    KnownError(
        "Outlook 365 shared calendar crash",
        "Outlook (Microsoft 365 Apps, Current Channel 2408) closes without a message when a "
        "shared or delegated calendar is opened; Event Viewer shows Application Error 1000 in "
        "OLMAPI32.DLL.",
        "Open the shared calendar in Outlook on the web (outlook.office.com), or in desktop "
        "Outlook untick File > Account Settings > Account Settings > Change > More Settings > "
        "Advanced > 'Download shared folders', restart Outlook and reopen the calendar.",
        "Software", "Email",
    ),
    KnownError(
        "GlobalProtect fails to connect after Windows update",
        "After the monthly Windows update the VPN client shows 'Gateway vpn-ofb-01: connection "
        "failed' from home networks; the virtual adapter is missing in Network Connections.",
        "Repair GlobalProtect from Settings > Apps (Modify > Repair) and restart, or connect to "
        "the HQ gateway vpn-hq-01 from the client's gateway list.",
        "Network", "VPN",
    ),
    KnownError(
        "Self-service reset rejects passwords containing the user name",
        "The self-service reset page rejects every new password with 'does not meet the "
        "complexity or history requirements' when it contains part of the user name.",
        "Choose a passphrase without the first or last name; if it still fails, the Service Desk "
        "resets the password after the identity check.",
        "Access", "Password reset",
    ),
    KnownError(
        "Authenticator push not arriving after phone restore",
        "After restoring a phone from backup, Microsoft Authenticator shows the account but "
        "push notifications never arrive; sign-in ends with AADSTS50076.",
        "Issue a temporary access pass, delete the account in the app and re-register it at "
        "mysignins.microsoft.com > Security info.",
        "Access", "MFA",
    ),
    KnownError(
        "HP LaserJet M607 tray 2 jams with recycled paper",
        "The M607 printers jam on every job from tray 2 (13.B2.D1) when loaded with the new "
        "recycled 75 g/m2 paper.",
        "Load tray 1 with 80 g/m2 paper and set tray 2 to 'Heavy' on the panel until the rollers "
        "are replaced.",
        "Hardware", "Printer",
    ),
    KnownError(
        "USB headsets drop audio on WD19S docks",
        "USB headsets connected to the Dell WD19S dock lose audio for a few seconds during calls.",
        "Plug the headset straight into the laptop, or update the dock firmware to 01.00.32.",
        "Hardware", "Peripheral",
    ),
    KnownError(
        "HQ Wi-Fi drops clients roaming between floors on 5 GHz",
        "Laptops lose CORP Wi-Fi for 30-60 seconds when moving between floors at HQ.",
        "Set the Wi-Fi adapter's 'Preferred band' to 2.4 GHz or turn off 802.11r (Fast "
        "roaming) in the adapter's advanced properties.",
        "Network", "Wi-Fi",
    ),
    KnownError(
        "SAP GUI 7.70 crashes when printing to PDF",
        "SAP GUI 7.70 patch 3 closes when printing to the local PDF printer (output device "
        "LOCL).",
        "Print to the spool (output device SPOOL) and download the PDF from SP01.",
        "Software", "ERP",
    ),
    KnownError(
        "db-07 transaction log fills disk during nightly ETL",
        "The nightly ETL on db-07 grows the WAL/log volume until the DiskFull alert fires "
        "around 02:00.",
        "Run the job 'Backup-Log-db07' by hand, then check that the replication slot is not "
        "stuck; free space returns above 40%.",
        "Infrastructure", "Disk space",
    ),
    KnownError(
        "Power BI Excel add-in disabled after Office update",
        "After the Office update the Power BI 'Analyze in Excel' add-in is missing from the "
        "ribbon.",
        "Excel > File > Options > Add-ins > COM Add-ins > Go, tick the Power BI add-in and "
        "restart Excel.",
        "Software", "Office suite",
    ),
    KnownError(
        "Account locks from stale password on mobile mail",
        "The account locks shortly after every unlock; Event ID 4740 names the user's phone as "
        "the source.",
        "Remove the work account from the phone's mail app, unlock the account, then add the "
        "account again with the new password.",
        "Access", "Account locked",
    ),
    KnownError(
        "BitLocker recovery prompt after BIOS update",
        "After the BIOS update laptops ask for the BitLocker recovery key at every start.",
        "Give the caller the recovery key from Entra ID (device > BitLocker keys), then suspend "
        "and resume BitLocker once in an admin prompt (manage-bde -protectors -disable C: -rc 1).",
        "Hardware", "Laptop",
    ),
    KnownError(
        "Mapped drives show a red cross when the VPN connects late",
        "Drive mappings to \\\\fs-02 show a red cross after log-in from home because the login "
        "script runs before the VPN is up.",
        "Run the 'Reconnect drives' shortcut on the desktop after the VPN connects, or open the "
        "drive once in Explorer.",
        "Software", "Operating system",
    ),
    KnownError(
        "Teams screen sharing shows a black screen",
        "Attendees see a black screen when the user shares a window in Teams on laptops with "
        "two graphics adapters.",
        "Share the whole screen instead of a window, or turn off GPU hardware acceleration in "
        "Teams settings and restart Teams.",
        "Software", "Collaboration",
    ),
    KnownError(
        "Month-end reports slow on db-03 during batch window",
        "Finance reports on db-03 take more than ten minutes between 16:00 and 20:00 on the "
        "last three working days of the month.",
        "Run the reports before 16:00 or against the read replica db-03-ro.",
        "Database", "Performance",
    ),
    KnownError(
        "Intranet search empty after index rebuild",
        "Intranet search returns 'No results' for any term for up to a day after the weekly "
        "index rebuild.",
        "Browse from the site navigation or use the A-Z page list until the crawl finishes.",
        "Software", "Business application",
    ),
)

# The issue (title template) each known error describes, and the share of that issue's
# resolutions that cite it (ServiceNow: 96.6% of incidents were linked to knowledge).
_KNOWN_ERROR_ISSUE: Final = {
    "Outlook 365 shared calendar crash": "Outlook crashes when opening shared calendar",
    "GlobalProtect fails to connect after Windows update": "Cannot connect to VPN from home office",
    "Self-service reset rejects passwords containing the user name":
        "New password rejected as not meeting requirements",
    "Authenticator push not arriving after phone restore": "MFA prompt not arriving on phone",
    "HP LaserJet M607 tray 2 jams with recycled paper": "Printer on {floor} floor jams on every job",
    "USB headsets drop audio on WD19S docks": "Headset microphone not working in Teams",
    "HQ Wi-Fi drops clients roaming between floors on 5 GHz":
        "Wi-Fi keeps dropping on the {floor} floor",
    "SAP GUI 7.70 crashes when printing to PDF": "SAP GUI crashes when printing to PDF",
    "db-07 transaction log fills disk during nightly ETL": "Log volume filling up on {server}",
    "Power BI Excel add-in disabled after Office update": "Power BI add-in missing from Excel ribbon",
    "Account locks from stale password on mobile mail": "Account locked out again",
    "BitLocker recovery prompt after BIOS update": "BitLocker recovery key requested on every start",
    "Mapped drives show a red cross when the VPN connects late":
        "Mapped network drives missing after login",
    "Teams screen sharing shows a black screen": "Screen sharing shows black screen in Teams",
    "Month-end reports slow on db-03 during batch window": "Month-end report times out",
    "Intranet search empty after index rebuild": "Intranet search returns no results",
}
_KNOWN_BY_ISSUE: Final = {
    (k.category, k.subcategory, _KNOWN_ERROR_ISSUE[k.title]): k for k in KNOWN_ERRORS
}
_KNOWN_ERROR_SHARE: Final = 0.35

# ---------------------------------------------------------------------------------------------
# Demo targets derived from the measurements and the catalogue
# ---------------------------------------------------------------------------------------------

# Channel mix. The ServiceNow sample is 99.96% phone and BPI has no channel, so this is an
# assumption for a modern desk; monitoring alerts come only where a subcategory is monitored.
_PEOPLE_CHANNELS: Final = (("phone", 0.44), ("email", 0.26), ("self-service", 0.18),
                           ("chat", 0.07), ("walk-in", 0.05))
_CANCELLED_SHARE: Final = 0.01  # assumption: BPI 0.01%, ServiceNow none
_MAJOR_SHARE_OF_P1: Final = 0.25  # BPI "Major" impact is 0.04% of SRs; we flag a quarter of P1s
_MIN_DEMO_OPEN: Final = 60  # default open_share keeps at least this many open rows (small n)
_MAX_ESCALATION: Final = 0.75  # keep some line-2 work solved at line 2
# Which measured time-to-resolve curve each priority draws from.
_HOURS_CURVE: Final = {1: "1-2", 2: "1-2", 3: "3", 4: "4", 5: "4"}
_Key = tuple[str, str]


def _normalise(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def _line(group: str | None) -> int:
    return 0 if group is None else _GROUP_LINE[group]


# Subcategory weights: the ServiceNow category sizes by rank, given to our ranked subcategories.
_DEMO_SUB_WEIGHT: Final[dict[_Key, float]] = dict(
    zip(_RANKED, _normalise(_SN_CATEGORY_RANKS[: len(_RANKED)]), strict=True))


def _escalation() -> tuple[dict[_Key, float], float, float]:
    """Escalation probabilities that reproduce BPI's support-line figures.

    BPI: 60.2% never leave the first line ("push to front"), 7.2% reach the third. Line-1
    subcategories with an escalation group escalate with e1, chosen so that 60.2% of incidents end
    at line 1; line-2 ones with a line-3 group with e2 (capped) towards the 7.2%.
    """
    w = {(s.category, s.subcategory): _DEMO_SUB_WEIGHT[(s.category, s.subcategory)]
         for s in _SUBS}
    line1 = sum(w[(s.category, s.subcategory)] for s in _SUBS if _line(s.group) == 1)
    line1_esc = sum(w[(s.category, s.subcategory)] for s in _SUBS
                    if _line(s.group) == 1 and s.escalate_to)
    e1 = min(_MAX_ESCALATION, max(0.0, (line1 - _BPI_L1_ONLY) / line1_esc))
    line3 = sum(w[(s.category, s.subcategory)] for s in _SUBS if _line(s.group) == 3)
    l1_to_l3 = sum(w[(s.category, s.subcategory)] for s in _SUBS
                   if _line(s.group) == 1 and _line(s.escalate_to) == 3)
    l2_to_l3 = sum(w[(s.category, s.subcategory)] for s in _SUBS
                   if _line(s.group) == 2 and _line(s.escalate_to) == 3)
    e2 = min(_MAX_ESCALATION, max(0.0, (_BPI_REACHED_L3 - line3 - e1 * l1_to_l3) / l2_to_l3))
    probs = {(s.category, s.subcategory): (e1 if _line(s.group) == 1 else e2)
             for s in _SUBS if s.escalate_to}
    return probs, e1, e2


_ESCALATE, _E1, _E2 = _escalation()
_DEMO_ESCALATED_SHARE: Final = sum(_DEMO_SUB_WEIGHT[k] * p for k, p in _ESCALATE.items())

# Impact x urgency: the ServiceNow joint shares plus one pseudo-incident per cell (n = 2,500) so
# that no cell is impossible; priority then follows the base matrix (3 x 3 becomes P5 here).
_CELLS: Final = tuple((i, u) for i in (1, 2, 3) for u in (1, 2, 3))
_DEMO_CELLS: Final[dict[tuple[int, int], float]] = dict(
    zip(_CELLS, _normalise([_SN_IMPACT_X_URGENCY[c] * 2500 + 1 for c in _CELLS]), strict=True))
_DEMO_PRIORITY: Final[dict[int, float]] = {
    p: sum(w for c, w in _DEMO_CELLS.items() if priority_of(*c) == p) for p in range(1, 6)
}


def _open_state() -> dict[str, float]:
    """Average of the two logs' time-in-state shares: a snapshot of open work."""
    sn = _SN_OPEN_TIME_IN_STATE
    sn_new, sn_prog = sn["New"], sn["Active"]
    bpi_total = sum(_BPI_OPEN_TIME.values())
    bpi_new = _BPI_OPEN_TIME["Awaiting Assignment"] / bpi_total
    bpi_prog = (_BPI_OPEN_TIME["In Progress"] + _BPI_OPEN_TIME["Assigned"]) / bpi_total
    return {"new": (sn_new + bpi_new) / 2, "in_progress": (sn_prog + bpi_prog) / 2,
            "on_hold": (2 - sn_new - sn_prog - bpi_new - bpi_prog) / 2}


def _hold_reasons() -> dict[str, float]:
    """Each log's waiting time mapped to our reasons (BPI's bare "Wait" names none), averaged."""
    sn, bw = _SN_OPEN_TIME_IN_STATE, _BPI_WAIT_TIME
    sn_r = {"awaiting_caller": sn["Awaiting User Info"] + sn["Awaiting Evidence"],
            "awaiting_vendor": sn["Awaiting Vendor"], "awaiting_change": 0.0,
            "awaiting_problem": sn["Awaiting Problem"]}
    bpi_r = {"awaiting_caller": bw["Wait - User"] + bw["Wait - Customer"],
             "awaiting_vendor": bw["Wait - Vendor"],
             "awaiting_change": bw["Wait - Implementation"], "awaiting_problem": 0.0}
    sn_t, bpi_t = sum(sn_r.values()), sum(bpi_r.values())
    return {r: (sn_r[r] / sn_t + bpi_r[r] / bpi_t) / 2 for r in HOLD_REASONS}


_DEMO_OPEN_STATE: Final = _open_state()
_DEMO_HOLD: Final = _hold_reasons()

# Resolution codes: the ServiceNow closed_code rank shares (top ten of 14) given to our codes in
# a plausible order; "resolved by problem" (3.3%) and "by change" (1.0%) land near the measured
# problem_id (2.7%) and rfc (1.4%) shares. Subcategories without a known error fold
# "known_error" into "workaround_provided".
_CODE_RANK_ORDER: Final = (
    "solution_provided", "workaround_provided", "user_error", "resolved_by_caller",
    "known_error", "resolved_by_problem", "duplicate", "resolved_by_request",
    "resolved_by_change", "no_resolution",
)
_DEMO_CODES: Final[dict[str, float]] = dict(
    zip(_CODE_RANK_ORDER, _normalise(_SN_CLOSED_CODE_RANKS[:10]), strict=True))


def _demo_profile() -> dict[str, Any]:
    channel = dict.fromkeys(CHANNELS, 0.0)
    group = {g.name: 0.0 for g in GROUPS}
    for s in _SUBS:
        key = (s.category, s.subcategory)
        w = _DEMO_SUB_WEIGHT[key]
        channel["monitoring"] += w * s.monitored
        for c, cw in _PEOPLE_CHANNELS:
            channel[c] += w * (1 - s.monitored) * cw
        e = _ESCALATE.get(key, 0.0)
        group[s.group] += w * (1 - e)
        if s.escalate_to:
            group[s.escalate_to] += w * e
    line = {ln: sum(group[g.name] for g in GROUPS if g.line == ln) for ln in (1, 2, 3)}
    return {
        "subcategory_weight": {f"{c} > {s}": w for (c, s), w in _DEMO_SUB_WEIGHT.items()},
        "impact_x_urgency": {f"{i}x{u}": w for (i, u), w in _DEMO_CELLS.items()},
        "priority": dict(_DEMO_PRIORITY),
        "channel": channel,
        "group": group,
        "final_line": line,  # BPI: 60.2% solved without leaving L1, 7.2% reached L3
        "escalation_probability": {"line1": _E1, "line2_to_line3": _E2},
        "escalated_share": _DEMO_ESCALATED_SHARE,
        "open_state": dict(_DEMO_OPEN_STATE),
        "hold_reason": dict(_DEMO_HOLD),
        "resolution_code": dict(_DEMO_CODES),
        "cancelled_share": _CANCELLED_SHARE,
        "major_share_of_p1": _MAJOR_SHARE_OF_P1,
        "hours_to_resolve_curve": dict(_HOURS_CURVE),
        "min_open_rows_default": _MIN_DEMO_OPEN,
        "reassignment_count": dict(_SN_REASSIGNMENT_COUNT),
        "reopen_count": dict(_SN_REOPEN_COUNT),
        "opened_hour_share": _SN_OPENED_HOUR,
        "opened_weekday_share": _SN_OPENED_WEEKDAY,
        "caller_weight": "1 + 20 / (rank + 1) over CALLERS (top caller ~1%, like ServiceNow)",
    }


PROFILE: Final[dict[str, Any]] = {
    "attribution": (
        "ServiceNow incident event log: Amaral, C. A. L., Fantinato, M., Peres, S. M. (2018), "
        "'Attribute Selection with Filter and Wrapper: An Application on Incident Management "
        "Process', FedCSIS; UCI Machine Learning Repository dataset 498, CC BY 4.0. "
        "BPI Challenge 2013 incidents: Steeman, W. (2013), 4TU.ResearchData, "
        "doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee, CC BY 4.0."
    ),
    "servicenow": _SERVICENOW_PROFILE,
    "bpi2013": _BPI_PROFILE,
    "demo": _demo_profile(),
}

# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoIncident:
    """One generated incident, plain values.

    ``service_index`` (the affected service / CI) is an extra beyond the agreed fields; it has a
    default so that code written against the other fields is unaffected.
    """

    seq: int  # 1..n, in order of opened_at
    title: str
    description: str
    caller_index: int  # index into CALLERS
    channel: str  # one of CHANNELS
    category: str
    subcategory: str
    group: str  # default group of the subcategory, or after escalation a higher-line group
    assignee_index: int | None  # index into AGENTS (a member of `group`), None if unassigned
    impact: int  # 1..3
    urgency: int  # 1..3
    state: str  # one of STATES
    hold_reason: str | None  # one of HOLD_REASONS when state == "on_hold"
    opened_at: datetime  # aware, UTC
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_code: str | None  # one of RESOLUTION_CODES for resolved/closed rows
    resolution_notes: str | None  # for cancelled rows: the reason
    reassignment_count: int
    reopen_count: int
    major: bool
    escalated: bool  # moved from its default group to a higher support line
    service_index: int | None = None  # index into SERVICES: the affected service / CI


_FLOORS: Final = ("ground", "1st", "2nd", "3rd", "4th", "5th", "6th")
_SITES: Final = ("HQ", "Office B", "Office C", "Riverside campus", "Warehouse North",
                 "the distribution centre", "the Lisbon office", "the Leeds office")
_WHEN: Final = ("since this morning", "since 9:15", "since 8:40", "since yesterday afternoon",
                "since the update last night", "since Monday", "since the weekend",
                "since moving desks", "since the password change", "since lunchtime")
_PEOPLE: Final = ("2", "3", "4", "5", "6", "8", "10", "12", "15", "20", "30", "40")
_SHARES: Final = ("\\\\fs-02\\finance", "\\\\fs-02\\projects", "\\\\fs-02\\hr",
                  "\\\\fs-02\\sales", "\\\\fs-02\\logistics", "\\\\fs-02\\public",
                  "\\\\fs-02\\engineering")
_MAILBOXES: Final = ("finance@example.com", "sales-support@example.com", "hr-team@example.com",
                     "accounts-payable@example.com", "reception@example.com",
                     "logistics-planning@example.com")
_OS: Final = ("Windows 11 23H2", "Windows 11 24H2", "Windows 10 22H2", "macOS 14 Sonoma")
_PEOPLE_EXTRAS: Final = (
    "The caller sits at {site}, {floor} floor.",
    "Asset tag {asset}.",
    "The caller can be reached on extension {ext}.",
    "Screenshot attached to the e-mail.",
    "Restarting did not help.",
    "The caller has a customer meeting at {time}.",
    "The caller already tried the steps in the intranet FAQ.",
    "It has been like this {when}.",
)
_ALERT_EXTRAS: Final = (
    "Alert fired at {time} UTC.",
    "Runbook RB-{ext} attached to the rule.",
    "Fired {n} times in the last hour.",
    "Severity critical; on-call paged.",
)
_TITLE_DECOR: Final = ("{t}",) * 12 + ("{t} (again)", "URGENT: {t}", "{t} - urgent",
                                        "{t} - second time this week")
_SOLVED_SUFFIX: Final = ("", "", " Caller confirmed.", " Tested with the caller.",
                         " Checked again the next day: all fine.")
_ALERT_SUFFIX: Final = ("", " Alert cleared.", " Monitoring green since.")
# Apps named in texts -> the service they belong to (when the subcategory lists it).
_APP_SERVICE: Final = {"Salesforce": "CRM", "Workday": "HR portal", "Concur": "Expenses",
                       "the intranet": "Intranet", "Power BI": "BI reporting"}
_CODE_NOTES: Final[Mapping[str, tuple[str, ...]]] = {
    "resolved_by_caller": (
        "Caller reports it works again after a restart; no action from IT.",
        "Caller fixed it with the self-help article and confirmed by e-mail.",
        "Issue cleared by itself; caller confirmed, nothing changed on our side.",
    ),
    "resolved_by_change": (
        "Fixed by change CHG00{chg}, deployed in the evening maintenance window; verified with "
        "the caller.",
        "Permanent fix delivered by change CHG00{chg}; symptoms gone.",
    ),
    "resolved_by_problem": (
        "Root cause removed under problem PRB00{prb}; symptoms gone after the permanent fix.",
        "Closed with problem PRB00{prb}: the root cause has been fixed.",
    ),
    "resolved_by_request": (
        "Not a fault: handled as service request REQ00{req}.",
        "Caller needed new equipment; ordered through request REQ00{req}.",
    ),
    "duplicate": (
        "Duplicate of INC00{dup}; all updates are tracked there.",
        "Same issue already logged as INC00{dup} by a colleague; linked and closed.",
    ),
    "user_error": (
        "User error: caps lock was on. Walked the caller through the sign-in.",
        "User error: wrong network selected. Showed the caller the right one.",
        "User error: the file was opened read-only from the mail preview. Explained how to save "
        "a copy.",
        "User error: an old bookmark pointed to the retired server. Updated the bookmark.",
        "User error: cable was in the phone port instead of the network port.",
    ),
    "no_resolution": (
        "No resolution provided: caller did not answer three contact attempts.",
        "Could not reproduce; caller will log a new incident if it happens again.",
    ),
}
_CANCEL_NOTES: Final = (
    "Cancelled: logged in error, the caller meant to raise a service request.",
    "Cancelled: duplicate of an open incident logged by a colleague.",
    "Cancelled: not an IT incident (building facilities), passed to Facilities.",
    "Cancelled: test incident created during training.",
)
_N_CTX: Final = 256  # filled-in placeholder sets per subcategory (per generate() call)
_TABLE: Final = 4096  # resolution of the inverse-CDF tables


def _cum(weights: Sequence[float]) -> list[float]:
    """Cumulative weights normalised to end at exactly 1.0 (for bisect on random())."""
    total = sum(weights)
    out = [w / total for w in accumulate(weights)]
    out[-1] = 1.0
    return out


def _inverse_cdf_table(knots: Sequence[float], size: int = _TABLE) -> list[float]:
    """Hours at u = (i + 0.5) / size, log-linear between the quantile knots ``_Q_PROBS``."""
    vals = [max(v, 0.01) for v in knots]
    out: list[float] = []
    for i in range(size):
        u = (i + 0.5) / size
        j = min(bisect_right(_Q_PROBS, u), len(_Q_PROBS) - 1)
        p0, p1 = _Q_PROBS[j - 1], _Q_PROBS[j]
        v0, v1 = math.log(vals[j - 1]), math.log(vals[j])
        out.append(math.exp(v0 + (v1 - v0) * (u - p0) / (p1 - p0)))
    return out


_SECONDS_TO_RESOLVE: Final = {
    p: [h * 3600.0 for h in _inverse_cdf_table(_SN_HOURS_TO_RESOLVE[curve])]
    for p, curve in _HOURS_CURVE.items()
}
_CLOSE_DELAY: Final = [h * 3600.0 for h in _inverse_cdf_table(_SN_HOURS_RESOLVED_TO_CLOSED)]


class _TimeTable:
    """Inverse CDF of opened_at over the span: hourly buckets weighted by hour and weekday."""

    def __init__(self, start: float, end: float) -> None:
        first = math.floor(start / 3600.0) * 3600.0
        self.lo: list[float] = []
        self.width: list[float] = []
        weights: list[float] = []
        t = first
        while t < end:
            lo, hi = max(t, start), min(t + 3600.0, end)
            dt = datetime.fromtimestamp(t, UTC)
            w = _SN_OPENED_HOUR[dt.hour] * _SN_OPENED_WEEKDAY[dt.weekday()] * (hi - lo) / 3600
            if hi > lo and w > 0:
                self.lo.append(lo)
                self.width.append(hi - lo)
                weights.append(w)
            t += 3600.0
        if not weights:  # zero-length span: everything at ``end``
            self.lo, self.width, weights = [end], [0.0], [1.0]
        self.cum = _cum(weights)
        self.prev = [0.0, *self.cum[:-1]]
        self.span = [max(c - p, 1e-300) for c, p in zip(self.cum, self.prev, strict=True)]

    def at(self, u: float) -> float:
        """Timestamp for u in [0, 1]; monotone in u."""
        i = min(bisect_right(self.cum, u), len(self.cum) - 1)
        frac = (u - self.prev[i]) / self.span[i]
        return self.lo[i] + min(max(frac, 0.0), 1.0) * self.width[i]


def _ctx_pool(rng: random.Random, sub: _Sub) -> list[tuple[int, dict[str, str]]]:
    """Placeholder values for one subcategory's templates, with the service each one names."""
    pool: list[tuple[int, dict[str, str]]] = []
    for _ in range(_N_CTX):
        app = rng.choice(sub.apps)
        service = _APP_SERVICE.get(app)
        if service not in sub.services:
            service = rng.choice(sub.services)
        svc = _SERVICE_INDEX[service]
        floor = rng.randrange(len(_FLOORS))
        ctx = {
            "asset": f"{sub.asset_prefix}-{rng.randrange(10000, 99999)}",
            "model": rng.choice(sub.models),
            "floor": _FLOORS[floor],
            "site": rng.choice(_SITES),
            "room": f"{max(floor, 1)}.{rng.randrange(1, 40):02d}",
            "err": rng.choice(sub.errors),
            "n": rng.choice(_PEOPLE),
            "when": rng.choice(_WHEN),
            "ci": SERVICES[svc].ci,
            "server": rng.choice(sub.servers),
            "app": app,
            "share": rng.choice(_SHARES),
            "mailbox": rng.choice(_MAILBOXES),
            "os": rng.choice(_OS),
            "ext": str(rng.randrange(2000, 7999)),
            "time": f"{rng.randrange(8, 18)}:{rng.choice(('00', '15', '30', '45'))}",
            "chg": str(rng.randrange(10000, 99999)),
            "prb": str(rng.randrange(1000, 9999)),
            "req": str(rng.randrange(100000, 999999)),
            "dup": str(rng.randrange(10000, 99999)),
        }
        pool.append((svc, ctx))
    return pool


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class _IssueTables(NamedTuple):
    """One issue, ready for the hot loop."""

    titles: tuple[str, ...]  # title variants
    descriptions: tuple[str, ...]  # 1-3 sentence variants
    service: int  # index into SERVICES, or -1: take the placeholder set's service
    codes: list[str]  # resolution codes possible for it
    code_cum: list[float]
    notes: list[tuple[str, ...]]  # resolution note variants per code


def _issue_tables(sub: _Sub, alerts: bool) -> tuple[_IssueTables, ...]:
    """Texts and resolution-code tables for each issue (or alert) of a subcategory.

    Solution notes are the issue's own fix; "workaround provided" uses the subcategory's
    workarounds; "known error" is only possible on the issue a known error describes, where a
    third of the incidents are solved by it; elsewhere its weight goes to "workaround provided".
    """
    pairs = sub.alerts if alerts else sub.issues
    fixes = sub.alert_fixes if alerts else sub.fixes
    extras = sub.extras + (_ALERT_EXTRAS if alerts else _PEOPLE_EXTRAS)
    suffixes = _ALERT_SUFFIX if alerts else _SOLVED_SUFFIX
    out: list[_IssueTables] = []
    for issue, fix in zip(pairs, fixes, strict=True):
        title, main = issue[0], issue[1]
        service = _SERVICE_INDEX[issue[2]] if len(issue) > 2 else -1
        titles = (title,) if alerts else tuple(d.format(t=title) for d in _TITLE_DECOR)
        usable = [e for e in extras if "{err}" not in e or "{err}" not in main]
        descs = [main, main]  # a bare description is as common as one with one extra
        for i, a in enumerate(usable):
            descs.append(f"{main} {a}")
            b = usable[(i * 7 + 3) % len(usable)]
            if b != a:
                descs.append(f"{main} {a} {b}")
        notes = dict(_CODE_NOTES)
        notes["solution_provided"] = tuple(fix + suffix for suffix in suffixes)
        workarounds = list(sub.workarounds)
        weights = dict(_DEMO_CODES)
        known = _KNOWN_BY_ISSUE.get((sub.category, sub.subcategory, title))
        if known is None:
            weights["workaround_provided"] += weights.pop("known_error")
        else:
            weights = {c: w * (1 - _KNOWN_ERROR_SHARE) for c, w in weights.items()}
            weights["known_error"] = _KNOWN_ERROR_SHARE
            notes["known_error"] = (
                f'Matched known error "{_braces(known.title)}". Applied the documented '
                f"workaround: {_braces(known.workaround)}",
            )
            workarounds.append(_braces(known.workaround))
        notes["workaround_provided"] = tuple(f"Workaround: {w} Permanent fix to follow."
                                             for w in workarounds)
        codes = list(weights)
        out.append(_IssueTables(titles, tuple(descs), service, codes,
                                _cum([weights[c] for c in codes]), [notes[c] for c in codes]))
    return tuple(out)


class _SubTables(NamedTuple):
    """Everything the hot loop needs for one subcategory, precomputed per generate() call."""

    sub: _Sub
    ctxs: list[tuple[int, dict[str, str]]]
    channels: list[str]
    channel_cum: list[float]
    people: tuple[_IssueTables, ...]
    alerts: tuple[_IssueTables, ...]
    escalate: float
    home: tuple[list[int], list[float]]
    higher: tuple[list[int], list[float]]


def _sub_tables(rng: random.Random) -> list[_SubTables]:
    # Members who take work (not supervisors or admins), with a mild workload skew.
    members: dict[str, tuple[list[int], list[float]]] = {}
    for g in GROUPS:
        idx = [i for i, a in enumerate(AGENTS)
               if a.group == g.name and a.role in ("agent", "specialist")]
        members[g.name] = (idx, _cum([1.0 / (1 + 0.3 * k) for k in range(len(idx))]))
    people_channels = dict(_PEOPLE_CHANNELS)
    out: list[_SubTables] = []
    for s in _SUBS:
        channel_w = [s.monitored if c == "monitoring" else
                     (1 - s.monitored) * people_channels.get(c, 0.0) for c in CHANNELS]
        people = _issue_tables(s, alerts=False)
        out.append(_SubTables(
            sub=s,
            ctxs=_ctx_pool(rng, s),
            channels=[c for c, w in zip(CHANNELS, channel_w, strict=True) if w > 0],
            channel_cum=_cum([w for w in channel_w if w > 0]),
            people=people,
            alerts=_issue_tables(s, alerts=True) or people,
            escalate=_ESCALATE.get((s.category, s.subcategory), 0.0),
            home=members[s.group],
            higher=members[s.escalate_to] if s.escalate_to else members[s.group],
        ))
    return out


def _open_rule(rng: random.Random, times: _TimeTable, now: float, goal: float | None,
               floor: float) -> tuple[float, float]:
    """Choose (c, lag) so that the share of open rows is ``goal`` (None: natural, >= floor).

    An incident is open while its age is below ``c`` times its drawn time-to-resolve (c = 1 is
    the natural behaviour) or below ``lag`` times an Exp(1) draw (a backlog of recent work left
    open, for small demo queues). Calibrated on a private sample of (age, duration) pairs.
    """
    m = 4000
    prios = sorted(_DEMO_PRIORITY)
    prio_cum = _cum([_DEMO_PRIORITY[p] for p in prios])
    ages = [now - times.at(rng.random()) for _ in range(m)]
    durs = [_SECONDS_TO_RESOLVE[prios[bisect_right(prio_cum, rng.random())]]
            [int(rng.random() * _TABLE)] for _ in range(m)]
    exps = [rng.expovariate(1.0) for _ in range(m)]
    natural = sum(a < d for a, d in zip(ages, durs, strict=True)) / m
    target = max(natural if goal is None else goal, floor)
    if target > natural:
        def share(lag: float) -> float:
            return sum(a < d or a < lag * e
                       for a, d, e in zip(ages, durs, exps, strict=True)) / m
        hi = 3600.0
        while share(hi) < target and hi < 1e12:
            hi *= 2
        lo = 0.0
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if share(mid) < target else (lo, mid)
        return 1.0, hi
    if target < natural:
        lo, hi = 0.0, 1.0
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if sum(a < mid * d for a, d in zip(ages, durs, strict=True)) / m \
                < target else (lo, mid)
        return lo, 0.0
    return 1.0, 0.0


def generate(n: int, *, seed: int = 1, now: datetime, span_days: int = 365,
             open_share: float | None = None) -> Iterator[DemoIncident]:
    """Yield ``n`` demo incidents, ``seq`` 1..n in order of ``opened_at``.

    Deterministic for given arguments. ``opened_at`` spreads over the ``span_days`` before
    ``now`` with the measured hour-of-day and weekday peaks. An incident is still open when
    ``now`` comes before the end of its drawn time-to-resolve, so recent incidents are mostly
    open and old ones resolved or closed; resolved ones close after the measured auto-close delay.
    ``open_share`` (0..1, the share of all rows left new / in progress / on hold) overrides that.
    By default the natural share is kept, but at least ``_MIN_DEMO_OPEN`` rows (at most 30%) stay
    open so that a small demo queue is not empty.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if open_share is not None and not 0.0 <= open_share <= 1.0:
        raise ValueError("open_share must be within 0..1")
    if n <= 0:
        return
    rng = random.Random(seed)
    now_ts = now.timestamp()
    times = _TimeTable(now_ts - span_days * 86400.0, now_ts)
    tables = _sub_tables(rng)
    kept = 1.0 - _CANCELLED_SHARE
    goal = None if open_share is None else min(1.0, open_share / kept)
    floor = 0.0 if open_share is not None else min(0.3, _MIN_DEMO_OPEN / n) / kept
    c_scale, lag = _open_rule(random.Random(seed * 1_000_003 + 7), times, now_ts, goal, floor)

    sub_cum = _cum([_DEMO_SUB_WEIGHT[(s.category, s.subcategory)] for s in _SUBS])
    cells = list(_DEMO_CELLS)
    cell_cum = _cum([_DEMO_CELLS[c] for c in cells])
    cell_prio = [priority_of(i, u) for i, u in cells]
    cell_dur = [_SECONDS_TO_RESOLVE[p] for p in cell_prio]
    caller_cum = _cum([1.0 + 20.0 / (i + 1) for i in range(len(CALLERS))])
    open_states = list(_DEMO_OPEN_STATE)
    open_cum = _cum([_DEMO_OPEN_STATE[s] for s in open_states])
    hold_reasons = list(_DEMO_HOLD)
    hold_cum = _cum([_DEMO_HOLD[r] for r in hold_reasons])
    # Reassignments: escalated rows draw from the measured counts >= 1; the others are 0 often
    # enough that the overall share of 0 matches the log.
    reassign_vals = [k for k in _SN_REASSIGNMENT_COUNT if k > 0]
    reassign_cum = _cum([_SN_REASSIGNMENT_COUNT[k] for k in reassign_vals])
    p_zero = min(1.0, _SN_REASSIGNMENT_COUNT[0] / (1.0 - _DEMO_ESCALATED_SHARE))
    reopen_vals = [k for k in _SN_REOPEN_COUNT if k > 0]
    reopen_cum = _cum([_SN_REOPEN_COUNT[k] for k in reopen_vals])
    p_no_reopen = _SN_REOPEN_COUNT[0]

    rand = rng.random
    expo = rng.expovariate
    fromts = datetime.fromtimestamp
    utc = UTC
    new_obj = object.__new__
    set_attr = object.__setattr__
    cls = DemoIncident
    t_cum, t_prev, t_span, t_lo, t_width = times.cum, times.prev, times.span, times.lo, times.width
    t_last = len(t_cum) - 1
    close_delay = _CLOSE_DELAY
    table = _TABLE
    n_ctx = _N_CTX
    cancel = _CANCELLED_SHARE
    major_p = _MAJOR_SHARE_OF_P1
    x = 0.0
    for k in range(n):
        # Sorted uniforms: the smallest of the n - k uniforms still to place above x.
        x = 1.0 - (1.0 - x) * rand() ** (1.0 / (n - k))
        b = bisect_right(t_cum, x)  # inline of times.at(x)
        if b > t_last:
            b = t_last
        frac = (x - t_prev[b]) / t_span[b]
        opened = t_lo[b] + (frac if frac < 1.0 else 1.0) * t_width[b]
        age = now_ts - opened
        t = tables[bisect_right(sub_cum, rand())]
        s = t.sub
        svc, ctx = t.ctxs[int(rand() * n_ctx)]
        channel = t.channels[bisect_right(t.channel_cum, rand())]
        issues = t.alerts if channel == "monitoring" else t.people
        issue = issues[int(rand() * len(issues))]
        if issue.service >= 0:
            svc = issue.service
        cell = bisect_right(cell_cum, rand())
        impact, urgency = cells[cell]
        escalated = rand() < t.escalate
        if escalated:
            group = s.escalate_to
            pool, pool_cum = t.higher
        else:
            group = s.group
            pool, pool_cum = t.home
        duration = cell_dur[cell][int(rand() * table)]
        if escalated or rand() >= p_zero:
            reassign = reassign_vals[bisect_right(reassign_cum, rand())]
        else:
            reassign = 0
        reopen = 0 if rand() < p_no_reopen else reopen_vals[bisect_right(reopen_cum, rand())]
        assignee: int | None = pool[bisect_right(pool_cum, rand())]
        hold: str | None = None
        resolved_at: datetime | None = None
        closed_at: datetime | None = None
        code: str | None = None
        note: str | None = None
        if rand() < cancel:
            state = "cancelled"
            gap = 600.0 + rand() * 7200.0
            closed_at = fromts(int(opened + (gap if gap < age else age * rand())), utc)
            note = _CANCEL_NOTES[int(rand() * len(_CANCEL_NOTES))]
            if rand() < 0.5:
                assignee = None
            reopen = 0
        elif age < c_scale * duration or (lag > 0.0 and age < lag * expo(1.0)):
            state = open_states[bisect_right(open_cum, rand())]
            if state == "new":
                assignee = None
                reopen = 0
                if not escalated:
                    reassign = 0
            elif state == "on_hold":
                hold = hold_reasons[bisect_right(hold_cum, rand())]
        else:
            if age < duration:  # only when open_share squeezed the open set (c < 1)
                duration *= c_scale
            resolved = opened + duration
            resolved_at = fromts(int(resolved), utc)
            closes = resolved + close_delay[int(rand() * table)]
            if closes <= now_ts:
                state = "closed"
                closed_at = fromts(int(closes), utc)
            else:
                state = "resolved"
            ci = bisect_right(issue.code_cum, rand())
            code = issue.codes[ci]
            texts = issue.notes[ci]
            note = texts[int(rand() * len(texts))].format_map(ctx)
        # Build the frozen instance without its generated __init__ (23 object.__setattr__ calls):
        # one dict handed over in a single call is several times faster, and the result is an
        # ordinary DemoIncident (eq, hash, repr, pickle, dataclasses.replace all work).
        row = new_obj(cls)
        set_attr(row, "__dict__", {
            "seq": k + 1,
            "title": issue.titles[int(rand() * len(issue.titles))].format_map(ctx),
            "description": issue.descriptions[int(rand() * len(issue.descriptions))]
            .format_map(ctx),
            "caller_index": bisect_right(caller_cum, rand()),
            "channel": channel,
            "category": s.category,
            "subcategory": s.subcategory,
            "group": group,
            "assignee_index": assignee,
            "impact": impact,
            "urgency": urgency,
            "state": state,
            "hold_reason": hold,
            "opened_at": fromts(int(opened), utc),
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "resolution_code": code,
            "resolution_notes": note,
            "reassignment_count": reassign,
            "reopen_count": reopen,
            "major": impact == 1 and urgency == 1 and rand() < major_p,
            "escalated": escalated,
            "service_index": svc,
        })
        yield row
