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
    "impact_x_urgency": _SN_IMPACT_X_URGENCY,
    "matrix_seen": {(1, 1): 1, (1, 2): 2, (2, 1): 2, (2, 2): 3, (2, 3): 4, (3, 1): 3, (3, 2): 4,
                    (3, 3): 4},
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
    "hours_to_resolve": {k: dict(zip(_Q_KEYS, v)) for k, v in _SN_HOURS_TO_RESOLVE.items()},
    "hours_resolved_to_closed": dict(zip(_Q_KEYS, _SN_HOURS_RESOLVED_TO_CLOSED)),
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
    category: str
    subcategory: str
    group: str
    escalate_to: str | None
    services: tuple[str, ...]
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    extras: tuple[str, ...]
    errors: tuple[str, ...]
    fixes: tuple[str, ...]
    workarounds: tuple[str, ...]
    asset_prefix: str = "LT"
    models: tuple[str, ...] = ("Dell Latitude 5440", "Lenovo ThinkPad T14", "HP EliteBook 840 G10")
    servers: tuple[str, ...] = ("app-12", "fs-02", "web-04")
    apps: tuple[str, ...] = ("Salesforce", "Workday", "Concur", "Jira", "Power BI")
    monitored: float = 0.0  # share of this subcategory's incidents raised by monitoring


_SUBS: Final = (
    # --- Hardware ---------------------------------------------------------------------------
    _Sub(
        "Hardware", "Laptop", "Desktop Support", "Infrastructure", ("Workplace devices",),
        titles=(
            "Laptop does not boot past the logo screen",
            "Laptop {asset} very slow after the latest update",
            "Laptop battery drains in under an hour",
            "BitLocker recovery key requested on every start",
            "Laptop overheats and shuts down during video calls",
            "Cracked screen on {model} {asset}",
            "Docking station not detected by laptop",
            "Laptop keyboard keys not responding",
        ),
        descriptions=(
            "The caller's {model} ({asset}) hangs on the manufacturer logo and restarts. A hard "
            "reset changed nothing.",
            "Laptop {asset} takes more than ten minutes to reach the desktop {when}. Task Manager "
            "shows the disk at 100%.",
            "After the BIOS update the laptop asks for the BitLocker recovery key at every start.",
            "Battery health is reported at 41% on the {model}; it powers off a few minutes after "
            "being unplugged.",
            "The fan runs constantly and the {model} switches itself off during Teams calls.",
            "Screen of {asset} cracked after a fall; the lower half shows coloured lines.",
        ),
        extras=("The caller travels tomorrow and needs a working laptop.",
                "Vendor diagnostics (F12) report {err}."),
        errors=("0xc000000e", "INACCESSIBLE_BOOT_DEVICE", "CRITICAL_PROCESS_DIED",
                "POST error 2000-0151", "battery status: replace soon"),
        fixes=("Reseated the SSD and ran vendor diagnostics; the laptop boots normally.",
               "Updated BIOS and chipset drivers; battery calibrated.",
               "Battery replaced under warranty; vendor case closed.",
               "Swapped the laptop for a new {model} and restored the profile from OneDrive.",
               "Cleaned the fan and replaced the thermal pad; no shutdown under load."),
        workarounds=("Gave the caller a loan laptop from the Service Desk pool.",),
        asset_prefix="LT",
        models=("Dell Latitude 5440", "Lenovo ThinkPad T14 Gen 4", "HP EliteBook 840 G10",
                "Dell Latitude 7440", "MacBook Pro 14"),
    ),
    _Sub(
        "Hardware", "Desktop", "Desktop Support", "Infrastructure", ("Workplace devices",),
        titles=(
            "PC {asset} will not power on",
            "Desktop PC blue screens several times a day",
            "Workstation very slow to log in",
            "Shared PC at {site} freezes when users switch",
            "PC fan extremely loud at desk {room}",
            "Desktop cannot see the second monitor after desk move",
        ),
        descriptions=(
            "Desktop {asset} ({model}) shows no lights when the power button is pressed. The "
            "caller checked the cable and the socket.",
            "The PC restarts with a blue screen (stop code {err}) several times a day, mostly "
            "when large spreadsheets are opened.",
            "Logging in takes about eight minutes; 'Preparing Windows' stays on screen most of "
            "that time.",
            "Shift staff share the PC at {site}; it freezes for a minute each time a new user "
            "logs in.",
        ),
        extras=("The PC is at desk {room}.", "Event log shows {err} just before each restart."),
        errors=("MEMORY_MANAGEMENT", "IRQL_NOT_LESS_OR_EQUAL", "0x0000009F",
                "WHEA_UNCORRECTABLE_ERROR"),
        fixes=("Replaced the power supply; the PC starts normally.",
               "Ran memory diagnostics and replaced one faulty RAM module.",
               "Removed stale profiles and the old antivirus agent; log-in now under a minute.",
               "Reimaged the workstation with the current standard build."),
        workarounds=("Moved the caller to a hot desk until the repair.",),
        asset_prefix="DT",
        models=("Dell OptiPlex 7010", "HP EliteDesk 800 G9", "Lenovo ThinkCentre M90q"),
    ),
    _Sub(
        "Hardware", "Printer", "Desktop Support", "Infrastructure", ("Print service",),
        titles=(
            "Printer on {floor} floor jams on every job",
            "Cannot print to the {model} at {site}",
            "Print jobs stuck in queue on print-01",
            "Scanner does not send scans to e-mail",
            "Printer prints blank pages",
            "Toner warning although cartridge was just replaced",
            "Badge release printing not working on {floor} floor",
        ),
        descriptions=(
            "The {model} ({asset}) on the {floor} floor jams on every job from tray 2. The "
            "display shows {err}.",
            "Jobs sent to the printer stay in the queue on print-01 with 'Error - Printing' and "
            "never come out.",
            "Scan to e-mail on the {model} fails with {err}; scanning to USB still works.",
            "Staff at {site} cannot release print jobs with their badge since the card reader was "
            "replaced.",
            "Every job comes out as blank pages on the {model} by the lifts, {floor} floor.",
        ),
        extras=("About {n} people on the floor use this printer.",
                "The printer's asset tag is {asset}."),
        errors=("13.B2.D1 paper jam", "49.4C02 firmware error", "SMTP 550 5.7.60",
                "E000007-0001", "59.F0 motor error", "scan failed: authentication error 0x4012"),
        fixes=("Replaced the worn pick-up roller in tray 2; twenty test pages without a jam.",
               "Restarted the spooler on print-01 and cleared the stuck jobs.",
               "Updated the scan-to-email SMTP settings to the new relay; scans arrive.",
               "Reinstalled the universal print driver 7.1 on the caller's laptop.",
               "Replaced the fuser unit; print quality back to normal."),
        workarounds=("Redirected the caller to the printer by the lifts until the engineer "
                     "visits.",),
        asset_prefix="PR",
        models=("HP LaserJet M607", "Canon iR-ADV C5535", "Ricoh IM C3000",
                "Kyocera TASKalfa 3253ci"),
    ),
    _Sub(
        "Hardware", "Monitor", "Desktop Support", None, ("Workplace devices",),
        titles=(
            "Second monitor not detected",
            "Monitor flickers when laptop is docked",
            "External screen stays black after sleep",
            "Dead pixels on monitor at desk {room}",
            "Monitor resolution wrong after Windows update",
        ),
        descriptions=(
            "The {model} ({asset}) is not detected through the docking station; it works when "
            "plugged straight into the laptop.",
            "The screen flickers every few seconds when the laptop is docked at desk {room}.",
            "After sleep the external screen stays black until the cable is plugged in again.",
            "A line of dead pixels runs down the middle of the {model} at the caller's desk.",
        ),
        extras=("The monitor shows '{err}'.",),
        errors=("No DP signal from your device", "Code 43 on the display adapter",
                "Input not supported", "Cable not connected"),
        fixes=("Replaced the DisplayPort cable; the monitor is stable.",
               "Updated the dock firmware and the graphics driver.",
               "Swapped the monitor for a new {model} from stock.",
               "Reset display scaling and resolution; the caller confirmed."),
        workarounds=("Connect the screen straight to the laptop's HDMI port until the new dock "
                     "arrives.",),
        asset_prefix="MN",
        models=("Dell P2422H", "Dell U2723QE", "LG 27UL500", "HP E24 G5"),
    ),
    _Sub(
        "Hardware", "Mobile device", "Desktop Support", "Identity & Access", ("Mobile devices",),
        titles=(
            "Company phone not receiving e-mail",
            "Cannot enrol new {model} in Intune",
            "Mobile phone screen broken",
            "Work profile apps disappeared from Android phone",
            "Teams notifications not showing on phone",
            "Lost company phone {asset}",
        ),
        descriptions=(
            "The caller's {model} ({asset}) stopped syncing mail {when}; Outlook mobile says "
            "'Your mailbox is temporarily unavailable'.",
            "Enrolment in Company Portal stops at 'Setting up your device' with error {err}.",
            "The caller lost company phone {asset} while travelling and needs a remote wipe and "
            "a replacement.",
            "The work profile on the {model} vanished after an OS update; no Outlook or Teams.",
        ),
        extras=("Phone number ends in {ext}.",),
        errors=("0x87D1FDE8", "0x80180014", "80180002", "Company Portal error 3400"),
        fixes=("Removed and re-added the account in Outlook mobile; mail syncs again.",
               "Deleted the stale device record in Intune and re-enrolled the phone.",
               "Issued a replacement {model} and restored apps from Company Portal.",
               "Remote wipe sent, device marked lost and the SIM blocked with the carrier."),
        workarounds=("Use Outlook on the web in the phone's browser until re-enrolment.",),
        asset_prefix="MB",
        models=("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Samsung Galaxy A54",
                "Google Pixel 8"),
    ),
    _Sub(
        "Hardware", "Peripheral", "Desktop Support", None, ("Workplace devices",),
        titles=(
            "Headset microphone not working in Teams",
            "Wireless keyboard and mouse lag",
            "Docking station USB ports dead",
            "Webcam not detected by laptop {asset}",
            "Replacement needed for broken headset",
        ),
        descriptions=(
            "The {model} is detected but colleagues cannot hear the caller in Teams; the "
            "microphone level stays at zero.",
            "Keyboard and mouse lag by a second at the caller's desk on the {floor} floor.",
            "None of the USB ports on the dock work {when}; the network cable through the dock "
            "still works.",
            "The webcam on {asset} is missing from Device Manager; Teams says 'No camera found'.",
        ),
        extras=("Device Manager shows '{err}'.",),
        errors=("Code 10: device cannot start", "USB device descriptor request failed",
                "Code 28: drivers not installed"),
        fixes=("Updated the dock firmware and USB driver; all ports work.",
               "Set the headset as default communication device in Teams and Windows.",
               "Replaced the {model} from stock.",
               "Re-enabled the camera in BIOS; the BIOS update had switched it off."),
        workarounds=("Use the laptop's built-in microphone and camera until the replacement "
                     "arrives.",),
        models=("Jabra Evolve2 65 headset", "Logitech MK850 set", "Dell WD19S dock",
                "Poly Voyager Focus 2 headset"),
    ),
    # --- Software ---------------------------------------------------------------------------
    _Sub(
        "Software", "Email", "Messaging", None, ("Email",),
        titles=(
            "Outlook crashes when opening shared calendar",
            "Cannot send e-mail to external addresses",
            "Shared mailbox {mailbox} not showing in Outlook",
            "Outlook stuck on 'Trying to connect'",
            "Mailbox full warning although items were deleted",
            "E-mails to customers bounce back",
            "Out-of-office replies not sent",
            "Outlook search returns no results",
        ),
        descriptions=(
            "Outlook closes without a message when the caller opens the shared calendar of "
            "{mailbox}. Event Viewer shows Application Error 1000 for OUTLOOK.EXE.",
            "Messages to external recipients bounce with '{err}'. Internal mail works.",
            "The shared mailbox {mailbox} disappeared from the folder pane {when}; the admin "
            "centre still shows full access.",
            "Outlook stays on 'Trying to connect...' {when}; Outlook on the web works.",
            "Quota warning at 49.5 GB even after emptying Deleted Items.",
            "Search in Outlook finds nothing older than last week; indexing status says "
            "'Outlook is currently indexing your items'.",
        ),
        extras=("Outlook build 2408 (Current Channel).", "The bounce message says '{err}'."),
        errors=("550 5.7.1 Unable to relay", "554 5.7.9 Message not accepted for policy reasons",
                "0x8004010F", "0x800CCC0E", "550 5.1.10 RESOLVER.ADR.RecipientNotFound",
                "Application Error 1000 in OLMAPI32.DLL"),
        fixes=("Rebuilt the Outlook profile and OST file; the calendar opens.",
               "Removed the stale mail contact that caused the relay error.",
               "Re-added the shared mailbox through automapping after fixing the permission.",
               "Enabled the archive mailbox; old items moved automatically.",
               "Rebuilt the Windows search index for Outlook."),
        workarounds=("Use Outlook on the web (outlook.office.com) until the fix.",),
        monitored=0.02,
    ),
    _Sub(
        "Software", "Office suite", "Desktop Support", "Applications", ("Office apps",),
        titles=(
            "Excel freezes when opening large workbook",
            "Word documents open read-only",
            "Office asks to activate again",
            "PowerPoint crashes when inserting video",
            "Power BI add-in missing from Excel ribbon",
            "OneDrive not syncing documents",
        ),
        descriptions=(
            "Excel stops responding for several minutes when the caller opens the monthly report "
            "from {share}.",
            "Every Word document from SharePoint opens read-only with 'Upload blocked'.",
            "Office shows 'Product deactivated' and error {err} {when}.",
            "OneDrive shows a red cross and {n} files waiting to sync.",
            "PowerPoint closes when an MP4 is inserted; no error is shown.",
        ),
        extras=("Error code {err}.", "The file is about 80 MB with many pivot tables."),
        errors=("0xC004F074", "0x80070005", "30088-4", "CAA50021", "0x8004de40"),
        fixes=("Ran Office Quick Repair and cleared the Office cache.",
               "Signed the caller out of all Office apps and back in; the licence activated.",
               "Reset OneDrive (onedrive.exe /reset); sync completed.",
               "Re-enabled the add-in under COM Add-ins; it was disabled after a crash."),
        workarounds=("Open the file in the web version of the app while the desktop app is "
                     "repaired.",),
    ),
    _Sub(
        "Software", "Operating system", "Desktop Support", "Infrastructure",
        ("Workplace devices",),
        titles=(
            "Windows update fails repeatedly",
            "Laptop stuck in restart loop after update",
            "Start menu and taskbar not responding",
            "User profile loads as temporary profile",
            "Mapped network drives missing after login",
            "Clock on laptop wrong by one hour",
        ),
        descriptions=(
            "Windows Update fails with {err} and retries every night on {asset}.",
            "After the cumulative update the laptop restarts in a loop and never reaches the "
            "login screen.",
            "The caller gets 'We can't sign in to your account' and a temporary profile; files "
            "on the desktop are missing.",
            "Mapped drives to {share} show a red cross after login and do not reconnect.",
            "Start menu does not open and the taskbar is frozen {when}.",
        ),
        extras=("Running {os}.", "Error {err} in the event log."),
        errors=("0x800f0922", "0x80070002", "0x8024402c", "0xc1900101", "Event ID 1511"),
        fixes=("Reset Windows Update components and installed the update manually.",
               "Rolled back the update from recovery mode; update paused for 7 days.",
               "Fixed the profile registry key and restored the profile.",
               "Re-created the drive mappings through the login script."),
        workarounds=("Map the drive by hand with 'net use' after the VPN connects.",),
    ),
    _Sub(
        "Software", "Business application", "Service Desk", "Applications",
        ("CRM", "HR portal", "Intranet"),
        titles=(
            "Cannot log in to {app}",
            "{app} very slow since this morning",
            "Error when submitting expense report",
            "Report export to PDF fails in {app}",
            "{app} shows blank page after login",
            "Approvals missing in {app}",
            "Intranet search returns no results",
        ),
        descriptions=(
            "{app} returns '{err}' right after the single sign-on page.",
            "Pages in {app} take over 30 seconds to load for the caller and {n} colleagues at "
            "{site}.",
            "Submitting an expense report fails with '{err}'; the report stays in draft.",
            "The caller's manager approvals are missing from the {app} inbox {when}.",
            "Intranet search returns 'No results' for any term, including page titles.",
        ),
        extras=("Browser: Edge 126.", "Happens in Chrome and Edge alike."),
        errors=("HTTP 500 Internal Server Error", "AADSTS50105: user not assigned to a role",
                "Session expired (401)", "503 Service Unavailable", "Request timed out after "
                "120 s"),
        fixes=("Assigned the caller to the application role in Entra ID; log-in works.",
               "Vendor restarted the application pool; performance back to normal.",
               "Cleared the browser cache and cookies for the site.",
               "Fixed the approval routing after the manager change in Workday."),
        workarounds=("Use the mobile app until the web site is fixed.",),
        apps=("Salesforce", "Workday", "Concur", "Jira", "Confluence", "Power BI", "DocuSign",
              "the intranet", "the contract database", "the timesheet app"),
    ),
    _Sub(
        "Software", "ERP", "Applications", "ERP Support", ("ERP",),
        titles=(
            "SAP GUI crashes when printing to PDF",
            "Cannot post invoice in SAP ({app})",
            "SAP authorisation missing for transaction {app}",
            "SAP month-end report runs for hours",
            "Purchase order stuck in approval workflow",
            "SAP Fiori app shows 'Application could not be started'",
        ),
        descriptions=(
            "SAP GUI 7.70 closes when the caller prints an invoice to PDF from {app}.",
            "Posting in {app} stops with message '{err}'.",
            "The caller gets '{err}' for transaction {app} since the role change.",
            "The month-end report has run for three hours and blocks the finance close.",
            "Purchase order 45000{ext} has been waiting in the approval workflow {when}.",
        ),
        extras=("Company code 1000, plant {ext}.", "Short dump in ST22: {err}."),
        errors=("TSV_TNEW_PAGE_ALLOC_FAILED", "Message no. M8 321", "You are not authorized to "
                "use transaction", "Balance in transaction currency", "DBSQL_SQL_ERROR"),
        fixes=("Added the missing authorisation object to the caller's role.",
               "Reprocessed the stuck workflow item in SWIA; PO approved.",
               "Corrected the tax code on the invoice; posting succeeded.",
               "Applied SAP Note 3012345 for the GUI print crash."),
        workarounds=("Print through the spool list (SP01) instead of direct PDF.",),
        apps=("MIRO", "ME21N", "FB60", "VA01", "MM03", "F110", "ME23N"),
    ),
    _Sub(
        "Software", "Collaboration", "Service Desk", "Messaging", ("Collaboration",),
        titles=(
            "Teams meeting audio drops every few minutes",
            "Cannot join Teams meetings from the browser",
            "Teams channel files not loading",
            "Screen sharing shows black screen in Teams",
            "Meeting room {room} display not joining Teams calls",
        ),
        descriptions=(
            "Audio drops for 5-10 seconds every few minutes in Teams meetings, with and without "
            "the headset.",
            "Joining from Edge stops at 'We're having trouble connecting you'.",
            "The Files tab of the team channel stays on a spinning wheel {when}.",
            "Attendees only see a black screen when the caller shares a window.",
            "The Teams room in {room} shows '{err}' and does not join scheduled meetings.",
        ),
        extras=("{n} people were in the meeting.",),
        errors=("caa20002", "Sign-in error 0xCAA70004", "Device not registered",
                "Meeting join failed (code 4c7)"),
        fixes=("Cleared the Teams cache and updated the client.",
               "Turned off GPU hardware acceleration in Teams; sharing works.",
               "Re-registered the room account and restarted the room console."),
        workarounds=("Join from the Teams mobile app until the client is fixed.",),
    ),
    # --- Network ----------------------------------------------------------------------------
    _Sub(
        "Network", "VPN", "Service Desk", "Network", ("VPN", "Remote access HQ"),
        titles=(
            "Cannot connect to VPN from home office",
            "VPN disconnects every few minutes",
            "VPN connected but no access to file shares",
            "VPN down for the whole office at {site}",
            "VPN client asks for credentials in a loop",
            "Slow VPN connection when working remotely",
        ),
        descriptions=(
            "GlobalProtect shows '{err}' when the caller connects from home; home internet "
            "works fine.",
            "The VPN tunnel drops every 5-10 minutes and reconnects, cutting Teams calls.",
            "The VPN says connected but {share} and the intranet cannot be reached.",
            "Nobody at {site} reaches internal systems; the VPN concentrator ({ci}) is "
            "unreachable from the site.",
            "After entering the password and MFA code the client asks for credentials again.",
        ),
        extras=("Client version GlobalProtect 6.2.1.", "Error: {err}."),
        errors=("Gateway vpn-ofb-01: connection failed", "Authentication failed",
                "Portal not responding", "Error 812", "The network connection was interrupted"),
        fixes=("Reinstalled the GlobalProtect client and its virtual adapter.",
               "Restarted the concentrator; root cause unknown, monitoring added.",
               "Fixed the split-tunnel route for the file server subnet.",
               "Renewed the expired machine certificate."),
        workarounds=("Connect through the HQ gateway (vpn-hq-01) until Office B is fixed.",),
        monitored=0.1,
    ),
    _Sub(
        "Network", "Wi-Fi", "Service Desk", "Network", ("Wi-Fi HQ",),
        titles=(
            "Wi-Fi keeps dropping on the {floor} floor",
            "Cannot connect to CORP Wi-Fi with laptop",
            "Guest Wi-Fi portal not loading",
            "Very slow Wi-Fi in meeting room {room}",
            "Wi-Fi asks for certificate after password change",
        ),
        descriptions=(
            "The laptop loses Wi-Fi for a minute several times an hour on the {floor} floor; "
            "colleagues nearby see the same.",
            "Connecting to CORP fails with '{err}'; the phone connects fine.",
            "Visitors at {site} reception cannot open the guest Wi-Fi login page.",
            "Speed test in {room} shows 2 Mbit/s down; video calls freeze.",
        ),
        extras=("Access point near the caller: ap-{ext}.", "{n} people affected."),
        errors=("Can't connect to this network", "802.1X authentication failed",
                "DHCP lease timeout", "Certificate validation failed"),
        fixes=("Rebooted access point ap-{ext} and moved it to a free channel.",
               "Renewed the Wi-Fi certificate on the laptop through Intune.",
               "Fixed the captive portal redirect on the guest controller."),
        workarounds=("Use a wired port or the 2.4 GHz network until the access point is "
                     "replaced.",),
        monitored=0.05,
    ),
    _Sub(
        "Network", "LAN", "Network", None, ("Office LAN",),
        titles=(
            "Network port at desk {room} not working",
            "Whole floor lost network connection",
            "No network on the {floor} floor east wing",
            "Network slow between {site} and HQ",
            "Interface down alert on {server}",
        ),
        descriptions=(
            "The wall port at desk {room} gives no link light; other ports work.",
            "All wired devices on the {floor} floor lost connection at the same time.",
            "Monitoring reports '{err}' on {server}.",
            "File copies between {site} and HQ run at 1 MB/s instead of the usual 80 MB/s.",
        ),
        extras=("Switch log: {err}.",),
        errors=("%LINK-3-UPDOWN: Interface Gi1/0/24 changed state to down",
                "CRC errors on Te1/1/1", "packet loss 12% to 10.20.0.1",
                "spanning tree topology change"),
        fixes=("Patched the desk port to a working switch port.",
               "Replaced the faulty SFP on the uplink.",
               "Power-cycled the access switch after the firmware hang."),
        workarounds=("Routed traffic over the backup link while the uplink is replaced.",),
        servers=("sw-core-01", "sw-acc-3f-02", "sw-acc-2f-01", "rtr-ofb-01"),
        monitored=0.45,
    ),
    _Sub(
        "Network", "DNS", "Network", None, ("DNS",),
        titles=(
            "Intranet address does not resolve",
            "DNS resolution slow for internal names",
            "DNS alert: dns-02 not answering",
            "Cannot reach {server} by name, IP works",
            "New server name not resolving",
        ),
        descriptions=(
            "Browsers show '{err}' for the intranet from {site}.",
            "Name lookups take five seconds; the IP address answers at once.",
            "Monitoring reports dns-02 not answering queries for 10 minutes.",
            "{server} answers by IP address but not by name.",
        ),
        extras=("nslookup output: {err}.",),
        errors=("DNS_PROBE_FINISHED_NXDOMAIN", "Ping request could not find host", "SERVFAIL",
                "request timed out (dns-02)"),
        fixes=("Added the missing A record and flushed the resolver caches.",
               "Restarted the DNS service on dns-02.",
               "Fixed the conditional forwarder for the partner domain."),
        workarounds=("Use the IP address until the record replicates.",),
        monitored=0.45,
    ),
    _Sub(
        "Network", "Firewall", "Network", None, ("Internet edge",),
        titles=(
            "Website needed for work blocked by firewall",
            "Supplier cannot reach our SFTP server",
            "Firewall CPU high alert on fw-edge-01",
            "Application port blocked between {site} and HQ",
            "Outbound calls to partner API time out",
        ),
        descriptions=(
            "The supplier portal shows '{err}' for the caller.",
            "The supplier's transfers fail with 'Connection timed out on port 22' {when}.",
            "fw-edge-01 data plane CPU above 90% for 15 minutes.",
            "Calls from {server} to the partner API time out after 30 seconds.",
        ),
        extras=("Rule hit: {err}.",),
        errors=("blocked by URL filtering category 'unknown'", "deny rule 4081",
                "CPU 95% on data plane", "session end reason: aged-out"),
        fixes=("Recategorised the site and allowed it in the policy.",
               "Added the supplier's new IP range to the SFTP rule.",
               "Applied the vendor hotfix for the data plane CPU bug."),
        workarounds=("Temporary allow rule added for 7 days.",),
        monitored=0.3,
    ),
    # --- Access -----------------------------------------------------------------------------
    _Sub(
        "Access", "Password reset", "Service Desk", "Identity & Access",
        ("Directory", "Sign-in and MFA"),
        titles=(
            "Password expired and self-service reset fails",
            "Forgot password, cannot log in",
            "Password reset not syncing to laptop",
            "Self-service reset says account not registered",
            "New password rejected as not meeting requirements",
            "Password reset needed for {app}",
        ),
        descriptions=(
            "The caller's password expired {when}; the self-service reset page shows '{err}'.",
            "The caller forgot the password after holidays and is locked out of the laptop.",
            "The new password works on the web but the laptop still wants the old one.",
            "Every new password is rejected with '{err}'.",
            "The caller needs the {app} password reset before a customer meeting at {time}.",
        ),
        extras=("Identity verified with employee number and manager name.",
                "Caller is working from {site}."),
        errors=("SSPR0029", "Your password does not meet the complexity or history requirements",
                "AADSTS50055: password expired", "User account not enabled for password reset"),
        fixes=("Reset the password after identity check and set 'change at next log-on'.",
               "Registered the caller for self-service reset and reset the password.",
               "Synced the new password to the laptop over VPN (lock, unlock)."),
        workarounds=("Issued a temporary password valid for 24 hours.",),
        apps=("Salesforce", "Workday", "SAP", "Concur", "Jira", "the VPN"),
    ),
    _Sub(
        "Access", "Account locked", "Service Desk", "Identity & Access", ("Directory",),
        titles=(
            "Account locked out again",
            "Account locks every morning",
            "Locked out after password change",
            "Cannot unlock account through self-service",
            "Account disabled after return from leave",
        ),
        descriptions=(
            "The caller's account locks within minutes of being unlocked; security log shows "
            "{err} from a device called {asset}.",
            "The account is locked every morning around 08:00.",
            "After changing the password yesterday the account keeps locking.",
            "The account was disabled while the caller was on leave.",
        ),
        extras=("Lockout source: {asset}.",),
        errors=("Event ID 4740", "The referenced account is currently locked out",
                "AADSTS50053", "Account disabled"),
        fixes=("Removed the stale credentials from the phone's mail app; no more lockouts.",
               "Unlocked the account and cleared saved credentials in Credential Manager.",
               "Re-enabled the account after HR confirmed the return date."),
        workarounds=("Unlocked the account; the caller will use the web mail only until the "
                     "phone is fixed.",),
        asset_prefix="MB",
    ),
    _Sub(
        "Access", "Permissions", "Service Desk", "Identity & Access", ("File shares", "Directory"),
        titles=(
            "Access denied to shared folder {share}",
            "Need access to shared mailbox {mailbox}",
            "Cannot open project SharePoint site",
            "Missing permissions after team move",
            "Read-only access to {share} should be write",
            "Lost access to {app} after role change",
        ),
        descriptions=(
            "Opening {share} gives '{err}'; colleagues in the same team have access.",
            "The caller joined the team and needs send-as rights on {mailbox}.",
            "SharePoint says 'You need permission to access this site'.",
            "Since moving to the new team the caller cannot open the team folders.",
        ),
        extras=("Approved by the caller's manager by e-mail.",),
        errors=("Access is denied", "You need permission to access this site", "0x80070005",
                "AADSTS50105"),
        fixes=("Added the caller to the share's AD group; access works after log-off and "
               "log-on.",
               "Granted full access and send-as on the shared mailbox.",
               "Added the caller to the site's members group after owner approval."),
        workarounds=("The team lead will forward files until the access is approved.",),
    ),
    _Sub(
        "Access", "MFA", "Service Desk", "Identity & Access", ("Sign-in and MFA",),
        titles=(
            "MFA prompt not arriving on phone",
            "New phone, cannot set up authenticator",
            "Stuck in MFA loop when signing in",
            "MFA code rejected as invalid",
            "Lost phone, cannot complete MFA",
        ),
        descriptions=(
            "Authenticator push notifications do not arrive on the caller's {model}; sign-in "
            "ends with '{err}'.",
            "The caller replaced the phone and can no longer approve sign-ins.",
            "Sign-in asks for MFA again and again after approval.",
            "Six-digit codes from the app are rejected as invalid.",
        ),
        extras=("Phone time is set automatically.",),
        errors=("AADSTS50076", "AADSTS50074: strong authentication required",
                "We didn't receive a response", "Invalid verification code"),
        fixes=("Issued a temporary access pass and re-registered the authenticator.",
               "Removed the old device from the security info and added the new phone.",
               "Cleared the browser session cookies; sign-in completes."),
        workarounds=("Temporary access pass issued for 8 hours.",),
        models=("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Google Pixel 8"),
    ),
    # --- Database ---------------------------------------------------------------------------
    _Sub(
        "Database", "Performance", "Database", None, ("Reporting database", "Finance database"),
        titles=(
            "Reports on {server} extremely slow",
            "Long-running query alert on {server}",
            "Month-end report times out",
            "Database CPU at 100% on {server}",
            "Blocking sessions on {server}",
        ),
        descriptions=(
            "Reports that took 20 seconds now take ten minutes on {server} ({ci}).",
            "Monitoring flags a query running for over 2 hours on {server}: '{err}'.",
            "The month-end report fails with '{err}'.",
            "CPU on {server} stays at 100% {when}; {n} users complain.",
        ),
        extras=("Top wait: {err}.",),
        errors=("canceling statement due to statement timeout", "Query timeout expired",
                "lock wait timeout exceeded", "CPU 98% for 15 minutes"),
        fixes=("Added the missing index on the invoice lines table; report back to 15 s.",
               "Updated statistics and cleared a bad cached plan.",
               "Killed the blocking session and fixed the job's transaction scope."),
        workarounds=("Run the reports after 18:00 or against the read replica.",),
        servers=("db-07", "db-03", "db-11", "sql-05"),
        monitored=0.4,
    ),
    _Sub(
        "Database", "Backup", "Database", None, ("Backup", "Reporting database"),
        titles=(
            "Nightly backup failed for {server}",
            "Backup job overran into business hours",
            "Restore request for dropped table",
            "Transaction log backup failing on {server}",
        ),
        descriptions=(
            "The nightly job reports '{err}' for {server}.",
            "The backup job was still running at 09:00 and slowed the ERP.",
            "A table was dropped by mistake on {server}; needs a restore to yesterday 18:00.",
        ),
        extras=("Job log: {err}.",),
        errors=("VSS error 0x800423f4", "BACKUP LOG failed: disk full",
                "pg_basebackup: could not connect", "job exceeded window by 2h 40m"),
        fixes=("Freed space on the backup target and re-ran the job.",
               "Restored the table to a side database and copied it back.",
               "Moved the job to 01:00 and enabled compression."),
        workarounds=("Took a manual full backup before the business day.",),
        servers=("db-07", "db-03", "db-11"),
        monitored=0.6,
    ),
    _Sub(
        "Database", "Availability", "Database", None, ("Reporting database", "Finance database"),
        titles=(
            "Database {server} not reachable",
            "Application cannot connect to database",
            "Replica lag alert on {server}",
            "Too many connections on {server}",
        ),
        descriptions=(
            "Applications report '{err}' when connecting to {server}.",
            "Replication lag on {server} is above 15 minutes.",
            "The CRM integration fails; logs show '{err}'.",
        ),
        extras=("{n} applications affected.",),
        errors=("FATAL: sorry, too many clients already", "Login timeout expired",
                "connection refused on port 5432", "replication lag 900 s"),
        fixes=("Restarted the connection pooler and raised the pool limit.",
               "Failed back to the primary after the network fix.",
               "Rebuilt the replica from a fresh base backup."),
        workarounds=("Pointed reporting to the primary temporarily.",),
        servers=("db-07", "db-03", "db-11", "sql-05"),
        monitored=0.6,
    ),
    # --- Infrastructure ---------------------------------------------------------------------
    _Sub(
        "Infrastructure", "Server", "Infrastructure", None, ("Virtualisation", "File shares"),
        titles=(
            "Server {server} not responding to ping",
            "High memory usage alert on {server}",
            "Scheduled task failed on {server}",
            "Service stopped on {server}",
            "Certificate expiring on {server}",
        ),
        descriptions=(
            "Monitoring reports '{err}' on {server}.",
            "The nightly import task on {server} failed with exit code 1.",
            "Users of {app} get errors; the service on {server} has stopped.",
        ),
        extras=("Alert first seen {when}.",),
        errors=("host unreachable", "memory 96% for 20 minutes",
                "service W3SVC stopped unexpectedly", "certificate expires in 7 days",
                "Event ID 7034"),
        fixes=("Restarted the service and set it to restart on failure.",
               "Renewed the certificate and bound it in IIS.",
               "Added 8 GB of memory to the VM.",
               "Fixed the task's service account password."),
        workarounds=("Restarted the server; a permanent fix is planned.",),
        servers=("app-12", "web-04", "etl-02", "print-01", "fs-02"),
        monitored=0.7,
    ),
    _Sub(
        "Infrastructure", "Storage", "Infrastructure", None, ("File shares", "Backup"),
        titles=(
            "File share {share} not accessible",
            "Storage latency alert on SAN",
            "Quota exceeded on {share}",
            "Restore of deleted folder on {share}",
        ),
        descriptions=(
            "{share} returns '{err}' for everyone at {site}.",
            "SAN latency above 40 ms on the production LUNs.",
            "The caller deleted a folder on {share} and needs it restored from yesterday.",
        ),
        extras=("Array alert: {err}.",),
        errors=("The specified network name is no longer available", "latency 45 ms on LUN 12",
                "quota exceeded (500 GB)", "snapshot policy failed"),
        fixes=("Restored the folder from last night's snapshot.",
               "Raised the quota after the owner's approval.",
               "Failed the path over to the second controller."),
        workarounds=("Files restored to a temporary folder for the caller.",),
        monitored=0.5,
    ),
    _Sub(
        "Infrastructure", "Virtualisation", "Infrastructure", None, ("Virtualisation",),
        titles=(
            "VM {server} frozen",
            "Host esx-11 entered maintenance mode unexpectedly",
            "Datastore almost full alert",
            "VM snapshot older than 7 days on {server}",
        ),
        descriptions=(
            "VM {server} does not answer on the console; vCenter shows '{err}'.",
            "Datastore ds-prod-03 above 90%.",
            "A snapshot from a patch run last week is still open on {server}.",
        ),
        extras=("vCenter alarm: {err}.",),
        errors=("host not responding", "datastore usage 93%", "snapshot consolidation needed",
                "vMotion failed: timeout"),
        fixes=("Consolidated the snapshot; datastore back to 71%.",
               "Reset the hung VM and migrated it off the faulty host.",
               "Replaced the failed host NIC."),
        workarounds=("Migrated the VM to another host.",),
        servers=("app-12", "web-04", "etl-02", "db-11"),
        monitored=0.7,
    ),
    _Sub(
        "Infrastructure", "Disk space", "Infrastructure", None,
        ("Reporting database", "File shares", "Virtualisation"),
        titles=(
            "Disk space alert on {server}",
            "DiskFull: {server} volume above 95%",
            "Log volume filling up on {server}",
            "Low disk space on C: drive of {server}",
            "Temp folder filling disk on {server}",
        ),
        descriptions=(
            "Monitoring fired '{err}' on {server}.",
            "The log volume on {server} grew 40 GB overnight during the ETL run.",
            "C: on {server} has 1.2 GB free; Windows updates cannot install.",
        ),
        extras=("Alert rule DiskFull, severity critical.", "Seen {n} times since {time}."),
        errors=("DiskFull: 96% used on /var/lib/pgsql", "volume D: 97% used (3.1 GB free)",
                "No space left on device", "disk usage above 95% for 10 minutes"),
        fixes=("Ran the log backup and shrank the transaction log; 60% free.",
               "Extended the volume by 100 GB.",
               "Removed old temp files and set up a cleanup task."),
        workarounds=("Cleared old log files by hand; permanent fix pending.",),
        servers=("db-07", "db-03", "app-12", "etl-02", "fs-02"),
        monitored=0.85,
    ),
    # --- Security ---------------------------------------------------------------------------
    _Sub(
        "Security", "Phishing", "Service Desk", "Security Operations", ("Mail security",),
        titles=(
            "Suspicious e-mail asking to confirm payroll details",
            "Clicked link in phishing e-mail",
            "Fake DocuSign e-mail received by several users",
            "Phishing e-mail impersonating the CEO",
            "Reported message with suspicious attachment",
        ),
        descriptions=(
            "The caller received a mail '{err}' from an outside address and forwarded it.",
            "The caller clicked the link and typed the password before noticing the domain.",
            "{n} users got the same fake DocuSign notification {when}.",
            "A mail signed as the CEO asks finance to pay an urgent invoice.",
        ),
        extras=("Sender domain registered last week.",),
        errors=("Action required: confirm your payroll details", "Invoice overdue - pay today",
                "You have a document to review and sign", "Mailbox storage full"),
        fixes=("Purged the message from all mailboxes and blocked the sender domain.",
               "Reset the caller's password, revoked sessions and checked sign-ins."),
        workarounds=("Blocked the sender while the investigation runs.",),
    ),
    _Sub(
        "Security", "Malware", "Security Operations", None, ("Endpoint security",),
        titles=(
            "Antivirus alert on laptop {asset}",
            "Defender quarantined file on {server}",
            "Suspected ransomware note on file share",
            "Browser redirects to unknown sites",
        ),
        descriptions=(
            "Defender reported {err} on {asset} and quarantined the file.",
            "A text file named README_RESTORE appeared in {share}.",
            "The caller's browser opens ad pages on its own {when}.",
        ),
        extras=("Device isolated from the network.",),
        errors=("Trojan:Win32/Wacatac.B!ml", "Behavior:Win32/Ransom", "PUA:Win32/Presenoker",
                "HackTool:Win32/Mimikatz"),
        fixes=("Full scan clean after quarantine; the browser extension removed.",
               "Reimaged the laptop and reset the user's credentials."),
        workarounds=("Device isolated pending investigation.",),
        monitored=0.6,
    ),
    _Sub(
        "Security", "Suspicious sign-in", "Security Operations", None, ("Sign-in and MFA",),
        titles=(
            "Impossible travel alert for user account",
            "Unknown MFA request approved by mistake",
            "Sign-in from unfamiliar location",
            "Mailbox forwarding rule to external address",
        ),
        descriptions=(
            "Sign-ins from two countries 20 minutes apart for the caller's account.",
            "The caller approved an MFA prompt they did not start.",
            "A rule forwards all mail to an outside address; the caller did not create it.",
        ),
        extras=("Risk level: high.",),
        errors=("atypical travel", "anonymous IP address", "unfamiliar sign-in properties"),
        fixes=("Revoked sessions, reset the password and re-registered MFA.",
               "Removed the forwarding rule and blocked external forwarding."),
        workarounds=("Account blocked from sign-in until the review.",),
        monitored=0.3,
    ),
    _Sub(
        "Security", "Data leak", "Security Operations", None, ("Mail security",),
        titles=(
            "E-mail with customer data sent to wrong recipient",
            "Confidential file shared with external address",
            "Lost USB stick with project files",
            "Sensitive data found on public share",
        ),
        descriptions=(
            "A spreadsheet with {n} customer records went to an outside address by mistake.",
            "A confidential file on OneDrive was shared with 'anyone with the link'.",
            "The caller lost a USB stick with project drawings at {site}.",
        ),
        extras=("Data protection officer informed.",),
        errors=("DLP policy match: customer data",),
        fixes=("Recalled the message and got deletion confirmation from the recipient.",
               "Removed the sharing link and reviewed access logs."),
        workarounds=("Link disabled pending the data protection review.",),
    ),
)

# Popularity rank of our subcategories (1 = most incidents); weights = the ServiceNow category
# size at that rank.
_RANKED: Final = (
    ("Access", "Password reset"), ("Software", "Email"), ("Hardware", "Laptop"),
    ("Network", "VPN"), ("Software", "Business application"), ("Hardware", "Printer"),
    ("Access", "Account locked"), ("Software", "Office suite"), ("Access", "Permissions"),
    ("Network", "Wi-Fi"), ("Software", "Operating system"), ("Access", "MFA"),
    ("Hardware", "Desktop"), ("Software", "Collaboration"), ("Infrastructure", "Disk space"),
    ("Hardware", "Monitor"), ("Software", "ERP"), ("Hardware", "Mobile device"),
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


def _normalise(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def _derive() -> dict[str, Any]:
    sub_weights = _normalise(_SN_CATEGORY_RANKS[: len(_RANKED)])
    weight_of = dict(zip(_RANKED, sub_weights))
    weights = [weight_of[(s.category, s.subcategory)] for s in _SUBS]

    # Escalation: BPI says 60.2% never leave the first line ("push to front") and 7.2% reach the
    # third. Line-1 subcategories with an escalation group escalate with e1, line-2 ones with a
    # line-3 group with e2, solved so the generated shares meet both.
    s1 = sum(w for w, s in zip(weights, _SUBS) if _GROUP_LINE[s.group] == 1)
    s1_esc = sum(w for w, s in zip(weights, _SUBS)
                 if _GROUP_LINE[s.group] == 1 and s.escalate_to is not None)
    e1 = min(0.9, max(0.0, (s1 - _BPI_L1_ONLY) / s1_esc))
    s3 = sum(w for w, s in zip(weights, _SUBS) if _GROUP_LINE[s.group] == 3)
    l1_to_l3 = sum(w for w, s in zip(weights, _SUBS) if _GROUP_LINE[s.group] == 1
                   and s.escalate_to is not None and _GROUP_LINE[s.escalate_to] == 3)
    s2_esc3 = sum(w for w, s in zip(weights, _SUBS) if _GROUP_LINE[s.group] == 2
                  and s.escalate_to is not None and _GROUP_LINE[s.escalate_to] == 3)
    e2 = 0.0
    if s2_esc3 > 0:
        e2 = min(0.9, max(0.0, (_BPI_REACHED_L3 - s3 - e1 * l1_to_l3) / s2_esc3))
    escalate = [(e1 if _GROUP_LINE[s.group] == 1 else e2) if s.escalate_to else 0.0
                for s in _SUBS]
    escalated_share = sum(w * e for w, e in zip(weights, escalate))
    final_line1 = s1 - e1 * s1_esc

    # Impact x urgency: the ServiceNow joint shares with one pseudo-incident per cell (n = 2,500),
    # so no cell is impossible; priority through the base matrix (so 3 x 3 becomes P5).
    cells = [(i, u) for i in (1, 2, 3) for u in (1, 2, 3)]
    cell_w = _normalise([_SN_IMPACT_X_URGENCY[c] * 2500 + 1 for c in cells])
    priority: dict[int, float] = {p: 0.0 for p in range(1, 6)}
    for (i, u), w in zip(cells, cell_w):
        priority[priority_of(i, u)] += w

    channel = {c: 0.0 for c in CHANNELS}
    for w, s in zip(weights, _SUBS):
        channel["monitoring"] += w * s.monitored
        for c, cw in _PEOPLE_CHANNELS:
            channel[c] += w * (1 - s.monitored) * cw

    # Open states: average of the two logs' time-in-state shares (a snapshot of open work).
    sn_new = _SN_OPEN_TIME_IN_STATE["New"]
    sn_prog = _SN_OPEN_TIME_IN_STATE["Active"]
    sn_hold = 1 - sn_new - sn_prog
    bpi_open = sum(_BPI_OPEN_TIME.values())
    bpi_new = _BPI_OPEN_TIME["Awaiting Assignment"] / bpi_open
    bpi_prog = (_BPI_OPEN_TIME["In Progress"] + _BPI_OPEN_TIME["Assigned"]) / bpi_open
    bpi_hold = 1 - bpi_new - bpi_prog
    open_state = {"new": (sn_new + bpi_new) / 2, "in_progress": (sn_prog + bpi_prog) / 2,
                  "on_hold": (sn_hold + bpi_hold) / 2}

    # Hold reasons: each log's waiting time mapped to our reasons (BPI's bare "Wait" names none),
    # normalised per log, then averaged.
    sn = _SN_OPEN_TIME_IN_STATE
    sn_r = {"awaiting_caller": sn["Awaiting User Info"] + sn["Awaiting Evidence"],
            "awaiting_vendor": sn["Awaiting Vendor"], "awaiting_change": 0.0,
            "awaiting_problem": sn["Awaiting Problem"]}
    bw = _BPI_WAIT_TIME
    bpi_r = {"awaiting_caller": bw["Wait - User"] + bw["Wait - Customer"],
             "awaiting_vendor": bw["Wait - Vendor"], "awaiting_change": bw["Wait - Implementation"],
             "awaiting_problem": 0.0}
    sn_t, bpi_t = sum(sn_r.values()), sum(bpi_r.values())
    hold = {r: (sn_r[r] / sn_t + bpi_r[r] / bpi_t) / 2 for r in HOLD_REASONS}

    # Resolution codes: the ServiceNow closed_code rank shares (top ten) given to our codes in a
    # plausible order; "resolved by problem" and "by change" land near the measured problem_id
    # (2.7%) and rfc (1.4%) shares.
    code_order = ("solution_provided", "workaround_provided", "user_error", "resolved_by_caller",
                  "known_error", "resolved_by_problem", "duplicate", "resolved_by_request",
                  "resolved_by_change", "no_resolution")
    code_w = _normalise(_SN_CLOSED_CODE_RANKS[:10])
    codes = {c: code_w[code_order.index(c)] for c in RESOLUTION_CODES}

    line_share = {1: 0.0, 2: 0.0, 3: 0.0}
    group_share = {g.name: 0.0 for g in GROUPS}
    for w, e, s in zip(weights, escalate, _SUBS):
        group_share[s.group] += w * (1 - e)
        if s.escalate_to:
            group_share[s.escalate_to] += w * e
    for g in GROUPS:
        line_share[g.line] += group_share[g.name]

    return {
        "subcategory_weight": {f"{s.category} > {s.subcategory}": round(w, 5)
                               for s, w in zip(_SUBS, weights)},
        "impact_x_urgency": {c: w for c, w in zip(cells, cell_w)},
        "priority": priority,
        "channel": channel,
        "escalation_probability": {"line1": e1, "line2_to_line3": e2},
        "escalated_share": escalated_share,
        "final_line_share": line_share,
        "solved_at_line1_share": final_line1,
        "group_share": group_share,
        "open_state": open_state,
        "hold_reason": hold,
        "resolution_code": codes,
        "cancelled_share": _CANCELLED_SHARE,
        "major_share_of_p1": _MAJOR_SHARE_OF_P1,
        "hours_to_resolve_curve": {1: "1-2", 2: "1-2", 3: "3", 4: "4", 5: "4"},
        "min_open_rows_default": _MIN_DEMO_OPEN,
        "reassignment_count": _SN_REASSIGNMENT_COUNT,
        "reopen_count": _SN_REOPEN_COUNT,
        "opened_hour_share": _SN_OPENED_HOUR,
        "opened_weekday_share": _SN_OPENED_WEEKDAY,
    }


_DEMO: Final = _derive()

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
    "demo": _DEMO,
}

# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoIncident:
    """One generated incident, plain values."""

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
_WHEN: Final = ("since this morning", "since 9:15", "since yesterday afternoon",
                "since the update last night", "since Monday", "after a restart",
                "for about an hour", "on and off all week", "since moving desks",
                "since the password change")
_PEOPLE: Final = ("2", "3", "4", "5", "6", "8", "10", "12", "15", "20", "30", "40")
_SHARES: Final = ("\\\\fs-02\\finance", "\\\\fs-02\\projects", "\\\\fs-02\\hr",
                  "\\\\fs-02\\sales", "\\\\fs-02\\logistics", "\\\\fs-02\\public",
                  "\\\\fs-02\\engineering")
_MAILBOXES: Final = ("finance@example.com", "sales-support@example.com", "hr-team@example.com",
                     "accounts-payable@example.com", "reception@example.com",
                     "logistics-planning@example.com")
_OS: Final = ("Windows 11 23H2", "Windows 11 24H2", "Windows 10 22H2", "macOS 14 Sonoma")
_GENERIC_EXTRAS: Final = (
    "The caller sits at {site}, {floor} floor.",
    "Asset tag {asset}.",
    "Error shown: {err}.",
    "About {n} colleagues report the same.",
    "The caller can be reached on extension {ext}.",
    "Screenshot attached to the e-mail.",
    "Restarting did not help.",
    "The caller has a customer meeting at {time}.",
    "The caller already tried the steps in the intranet FAQ.",
    "Happens {when}.",
)
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
_TABLE: Final = 4096  # resolution for inverse-CDF tables


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


_HOURS_BY_PRIORITY: Final = {
    p: [h * 3600.0 for h in _inverse_cdf_table(_SN_HOURS_TO_RESOLVE[curve])]
    for p, curve in _DEMO["hours_to_resolve_curve"].items()
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

    def at(self, u: float) -> float:
        """Timestamp for u in [0, 1]; monotone in u."""
        i = bisect_right(self.cum, u)
        if i >= len(self.cum):
            i = len(self.cum) - 1
        span = self.cum[i] - self.prev[i]
        frac = (u - self.prev[i]) / span if span > 0 else 0.0
        return self.lo[i] + min(max(frac, 0.0), 1.0) * self.width[i]


def _ctx_pool(rng: random.Random, sub: _Sub) -> list[tuple[int, dict[str, str]]]:
    """Placeholder values for one subcategory's templates, with the service each one names."""
    pool: list[tuple[int, dict[str, str]]] = []
    for _ in range(_N_CTX):
        svc = _SERVICE_INDEX[rng.choice(sub.services)]
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
            "app": rng.choice(sub.apps),
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


def _description_templates(sub: _Sub) -> list[str]:
    """Main sentence, optionally followed by one or two extra sentences (1-3 sentences)."""
    extras = list(sub.extras) + list(_GENERIC_EXTRAS)
    out: list[str] = []
    for main in sub.descriptions:
        out.append(main)
        out.append(main)  # a bare description is as common as one with one extra
        for i, a in enumerate(extras):
            out.append(f"{main} {a}")
            b = extras[(i * 7 + 3) % len(extras)]
            if b != a:
                out.append(f"{main} {a} {b}")
    return out


def _note_templates(sub: _Sub, known: KnownError | None) -> dict[str, tuple[str, ...]]:
    notes = dict(_CODE_NOTES)
    notes["solution_provided"] = sub.fixes
    workarounds = list(sub.workarounds)
    if known is not None:
        workarounds.append(known.workaround)
        notes["known_error"] = (
            f'Matched known error "{_braces(known.title)}". Applied the documented workaround: '
            f"{_braces(known.workaround)}",
        )
    notes["workaround_provided"] = tuple(f"Workaround: {w} Permanent fix to follow."
                                         for w in workarounds)
    return notes


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _open_threshold(rng: random.Random, times: _TimeTable, now: float,
                    prio_cum: Sequence[float], prios: Sequence[int],
                    target: float | None, min_share: float) -> tuple[float, float, float]:
    """Choose (c, lag, natural share) so the open share hits ``target``.

    An incident is open when its age is below ``c`` times its drawn time-to-resolve (natural
    behaviour: c = 1) or below ``lag`` times an Exp(1) draw (a backlog of recent work kept open,
    for small demo queues). Calibrated on a private sample of (age, duration) pairs.
    """
    m = 4000
    ages: list[float] = []
    durs: list[float] = []
    exps: list[float] = []
    for _ in range(m):
        ages.append(now - times.at(rng.random()))
        p = prios[bisect_right(prio_cum, rng.random())]
        durs.append(_HOURS_BY_PRIORITY[p][int(rng.random() * _TABLE)])
        exps.append(rng.expovariate(1.0))
    natural = sum(a < d for a, d in zip(ages, durs)) / m
    goal = natural if target is None else target
    goal = max(goal, min_share)
    if abs(goal - natural) < 1e-9:
        return 1.0, 0.0, natural
    if goal > natural:
        lo, hi = 0.0, 1.0
        while sum(a < d or a < hi * e for a, d, e in zip(ages, durs, exps)) / m < goal:
            hi *= 2
            if hi > 1e12:
                break
        for _ in range(50):
            mid = (lo + hi) / 2
            share = sum(a < d or a < mid * e for a, d, e in zip(ages, durs, exps)) / m
            lo, hi = (mid, hi) if share < goal else (lo, mid)
        return 1.0, hi, natural
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        share = sum(a < mid * d for a, d in zip(ages, durs)) / m
        lo, hi = (mid, hi) if share < goal else (lo, mid)
    return lo, 0.0, natural


def generate(n: int, *, seed: int = 1, now: datetime, span_days: int = 365,
             open_share: float | None = None) -> Iterator[DemoIncident]:
    """Yield ``n`` demo incidents, ``seq`` 1..n in order of ``opened_at``.

    Deterministic for a given (n, seed, now, span_days, open_share). ``opened_at`` spreads over
    the ``span_days`` before ``now`` with the measured hour-of-day and weekday peaks. An incident
    is still open when ``now`` comes before the end of its drawn time-to-resolve, so recent
    incidents are mostly open and old ones resolved/closed; resolved ones close after the measured
    auto-close delay. ``open_share`` (0..1, share of all rows left new/in progress/on hold)
    overrides that; by default the natural share is kept but at least ``_MIN_DEMO_OPEN`` rows
    (capped at 30%) stay open so a small demo queue is not empty.
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

    # Choice tables.
    demo = _DEMO
    sub_cum = _cum([demo["subcategory_weight"][f"{s.category} > {s.subcategory}"]
                    for s in _SUBS])
    cells = list(demo["impact_x_urgency"])
    cell_cum = _cum(list(demo["impact_x_urgency"].values()))
    cell_prio = [priority_of(i, u) for i, u in cells]
    prios = sorted(demo["priority"])
    prio_cum = _cum([demo["priority"][p] for p in prios])
    caller_cum = _cum([1.0 + 20.0 / (i + 1) for i in range(len(CALLERS))])
    open_states = list(demo["open_state"])
    open_cum = _cum(list(demo["open_state"].values()))
    hold_reasons = list(demo["hold_reason"])
    hold_cum = _cum(list(demo["hold_reason"].values()))
    reassign_vals = [k for k in _SN_REASSIGNMENT_COUNT if k > 0]
    reassign_cum = _cum([_SN_REASSIGNMENT_COUNT[k] for k in reassign_vals])
    p_zero = _SN_REASSIGNMENT_COUNT[0] / max(1e-9, 1.0 - demo["escalated_share"])
    reopen_vals = list(_SN_REOPEN_COUNT)
    reopen_cum = _cum(list(_SN_REOPEN_COUNT.values()))
    e1 = demo["escalation_probability"]["line1"]
    e2 = demo["escalation_probability"]["line2_to_line3"]

    # Members who take work (not supervisors or admins), with a mild workload skew.
    members: dict[str, tuple[list[int], list[float]]] = {}
    for g in GROUPS:
        idx = [i for i, a in enumerate(AGENTS) if a.group == g.name
               and a.role in ("agent", "specialist")]
        members[g.name] = (idx, _cum([1.0 / (1 + 0.3 * k) for k in range(len(idx))]))

    known_by_sub = {(k.category, k.subcategory): k for k in KNOWN_ERRORS}
    per_sub = []
    for s in _SUBS:
        known = known_by_sub.get((s.category, s.subcategory))
        notes = _note_templates(s, known)
        code_w = dict(demo["resolution_code"])
        if known is None:  # no known error to match: those would have been workarounds
            code_w["workaround_provided"] += code_w.pop("known_error")
        codes = list(code_w)
        channel_w = [s.monitored if c == "monitoring" else
                     (1 - s.monitored) * dict(_PEOPLE_CHANNELS).get(c, 0.0) for c in CHANNELS]
        esc = (e1 if _GROUP_LINE[s.group] == 1 else e2) if s.escalate_to else 0.0
        per_sub.append((
            s, s.titles, _description_templates(s), _ctx_pool(rng, s),
            codes, _cum([code_w[c] for c in codes]), [notes[c] for c in codes],
            [c for c, w in zip(CHANNELS, channel_w) if w > 0],
            _cum([w for w in channel_w if w > 0]),
            esc, members[s.group], members[s.escalate_to] if s.escalate_to else members[s.group],
        ))

    min_share = 0.0
    if open_share is None:
        min_share = min(0.3, _MIN_DEMO_OPEN / n)
    target = None if open_share is None else open_share / (1.0 - _CANCELLED_SHARE)
    c_scale, lag, _natural = _open_threshold(
        random.Random(seed * 1_000_003 + 7), times, now_ts, prio_cum, prios, target,
        min_share / (1.0 - _CANCELLED_SHARE))

    rand = rng.random
    expo = rng.expovariate
    fromts = datetime.fromtimestamp
    new_obj = object.__new__
    set_dict = object.__setattr__
    hours = _HOURS_BY_PRIORITY
    close_delay = _CLOSE_DELAY
    table = _TABLE
    n_ctx = _N_CTX
    cancel = _CANCELLED_SHARE
    major_p = _MAJOR_SHARE_OF_P1
    x = 0.0
    for k in range(n):
        # Sorted uniforms: the minimum of the n - k uniforms still to place above x.
        x = 1.0 - (1.0 - x) * rand() ** (1.0 / (n - k))
        opened = times.at(x)
        age = now_ts - opened
        (s, titles, descs, ctxs, codes, code_cum, notes, chans, chan_cum, esc, home,
         higher) = per_sub[bisect_right(sub_cum, rand())]
        svc, ctx = ctxs[int(rand() * n_ctx)]
        cell = bisect_right(cell_cum, rand())
        impact, urgency = cells[cell]
        prio = cell_prio[cell]
        escalated = esc > 0.0 and rand() < esc
        group = s.escalate_to if escalated else s.group
        pool, pool_cum = higher if escalated else home
        duration = hours[prio][int(rand() * table)]
        channel = chans[bisect_right(chan_cum, rand())]
        caller = bisect_right(caller_cum, rand())
        if escalated or rand() >= p_zero:
            reassign = reassign_vals[bisect_right(reassign_cum, rand())]
        else:
            reassign = 0
        reopen = reopen_vals[bisect_right(reopen_cum, rand())]
        assignee: int | None = pool[bisect_right(pool_cum, rand())]
        hold: str | None = None
        resolved_at: datetime | None = None
        closed_at: datetime | None = None
        code: str | None = None
        note: str | None = None
        if rand() < cancel:
            state = "cancelled"
            gap = 600.0 + rand() * 7200.0
            closed_at = fromts(int(opened + (gap if gap < age else age * rand())), UTC)
            note = _CANCEL_NOTES[int(rand() * len(_CANCEL_NOTES))]
            assignee = None if rand() < 0.5 else assignee
            reassign = reopen = 0
        elif age < c_scale * duration or (lag > 0.0 and age < lag * expo(1.0)):
            state = open_states[bisect_right(open_cum, rand())]
            if state == "new":
                assignee = None
                if not escalated:
                    reassign = 0
                reopen = 0
            elif state == "on_hold":
                hold = hold_reasons[bisect_right(hold_cum, rand())]
        else:
            if age < duration:  # only when open_share squeezed the open set (c < 1)
                duration = c_scale * duration
            resolved = opened + duration
            resolved_at = fromts(int(resolved), UTC)
            closes = resolved + close_delay[int(rand() * table)]
            if closes <= now_ts:
                state = "closed"
                closed_at = fromts(int(closes), UTC)
            else:
                state = "resolved"
            ci = bisect_right(code_cum, rand())
            code = codes[ci]
            texts = notes[ci]
            note = texts[int(rand() * len(texts))].format_map(ctx)
        yield_obj = new_obj(DemoIncident)
        set_dict(yield_obj, "__dict__", {
            "seq": k + 1,
            "title": titles[int(rand() * len(titles))].format_map(ctx),
            "description": descs[int(rand() * len(descs))].format_map(ctx),
            "caller_index": caller,
            "channel": channel,
            "category": s.category,
            "subcategory": s.subcategory,
            "group": group,
            "assignee_index": assignee,
            "impact": impact,
            "urgency": urgency,
            "state": state,
            "hold_reason": hold,
            "opened_at": fromts(int(opened), UTC),
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "resolution_code": code,
            "resolution_notes": note,
            "reassignment_count": reassign,
            "reopen_count": reopen,
            "major": prio == 1 and rand() < major_p,
            "escalated": escalated,
            "service_index": svc,
        })
        yield yield_obj
