"""Realistic demo data for Incident Desk: a catalogue, measured distributions, a fast generator.

Everything here is plain Python (standard library only, no database code). ``generate`` yields
plain ``DemoIncident`` rows; whoever fills a database maps them to models (``app.demo.loader``).

Where the tables and numbers come from
--------------------------------------
The tables are data files of this package, read once at import:

* ``data/measured.json``: figures measured on two real, anonymised incident logs, written and
  checked by ``tools/analyse_logs.py`` (``--write``, ``--check``; its docstring explains each
  measure). ``PROFILE["servicenow"]`` and ``PROFILE["bpi2013"]`` are that file as it is.
* ``data/catalogue.json``: groups and their people, services, the caller name pools, known errors.
* ``data/subcategories.json``: the category tree with routing, the texts people and alerts
  report, fixes and workarounds, and each subcategory's popularity rank.
* ``data/texts.json``: the placeholder values and the resolution and cancellation notes.

Both logs are published under CC BY 4.0 and must keep their attribution wherever data or figures
derived from them ship:

* ServiceNow incident event log (10% sample: 2,500 incidents, 17,667 rows, 2016): Amaral, C. A. L.,
  Fantinato, M., Peres, S. M. (2018), "Attribute Selection with Filter and Wrapper: An Application
  on Incident Management Process", FedCSIS. UCI Machine Learning Repository, dataset 498,
  CC BY 4.0.
* BPI Challenge 2013, Volvo IT Belgium incidents (7,554 incidents, 65,533 rows, 2010-2012):
  Steeman, W. (2013), BPI Challenge 2013, incidents. 4TU.ResearchData,
  doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee, CC BY 4.0.

``PROFILE["demo"]`` holds the targets the generator actually draws from, derived from the measured
figures and the catalogue; each entry says how. Where the logs are silent or degenerate the demo
uses a stated assumption, in the code below (channels: the ServiceNow sample is 99.96% phone;
cancellations: the logs have almost none). The names, texts and catalogue are invented; the logs
contain no free text.
"""

from __future__ import annotations

import heapq
import json
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
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


def _data(name: str) -> Any:
    """One of this package's data files (``data/NAME``), parsed."""
    return json.loads(resources.files("app.demo").joinpath("data", name).read_text("utf-8"))


_MEASURED: Final[dict[str, Any]] = _data("measured.json")
_CATALOGUE: Final[dict[str, Any]] = _data("catalogue.json")
_SUBCATEGORIES: Final[dict[str, Any]] = _data("subcategories.json")
_TEXTS: Final[dict[str, Any]] = _data("texts.json")


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
# Measured figures (data/measured.json, written by tools/analyse_logs.py)
# ---------------------------------------------------------------------------------------------

_SN: Final[dict[str, Any]] = _MEASURED["servicenow"]
_BPI: Final[dict[str, Any]] = _MEASURED["bpi2013"]


def _int_keys(shares: Mapping[str, float]) -> dict[int, float]:
    return {int(k): v for k, v in shares.items()}


# ServiceNow sample, last row of each of the 2,500 incidents (all of them ended Closed).
_SN_IMPACT_X_URGENCY: Final = {
    (i, u): _SN["impact_x_urgency"].get(f"{i}x{u}", 0.0) for i in (1, 2, 3) for u in (1, 2, 3)
}
# Hours from opened_at to resolved_at, quantiles per priority. P1 alone is 27 incidents (median
# 265 h, noisy), so the demo draws P1 and P2 from the pooled "1-2" curve (91 incidents).
# The instance maps impact 3 x urgency 3 to P4 (no P5 seen), so the demo's P5 uses the P4 curve.
_Q_KEYS: Final = ("min", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "max")
_Q_PROBS: Final = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
_SN_HOURS_TO_RESOLVE: Final[dict[str, tuple[float, ...]]] = {
    k: tuple(q[key] for key in _Q_KEYS) for k, q in _SN["hours_to_resolve"].items()
}
# Resolved -> Closed: the instance auto-closes after 5 days (120 h); a third wait longer.
_SN_HOURS_RESOLVED_TO_CLOSED: Final = tuple(_SN["hours_resolved_to_closed"][key] for key in _Q_KEYS)
_SN_REASSIGNMENT_COUNT: Final = _int_keys(_SN["reassignment_count"])
_SN_REOPEN_COUNT: Final = _int_keys(_SN["reopen_count"])
# Share of time an open incident spends in each state (time-weighted over all rows).
_SN_OPEN_TIME_IN_STATE: Final[dict[str, float]] = _SN["open_time_in_state"]
# opened_at hour of day (0..23) and weekday (Mon..Sun, incidents per calendar date).
_SN_OPENED_HOUR: Final = tuple(_SN["opened_hour_share"])
_SN_OPENED_WEEKDAY: Final = tuple(_SN["opened_weekday_share"])
# Anonymised closed_code values by rank (14 codes; top ten kept for our ten codes).
_SN_CLOSED_CODE_RANKS: Final = tuple(_SN["closed_code_rank_shares"])
# 34 anonymised categories by size: the skew that weights our 32 subcategories.
_SN_CATEGORY_RANKS: Final = tuple(_SN["category"]["rank_shares"])
# BPI 2013: share of waiting time by sub status ("Wait" alone names no reason).
_BPI_WAIT_TIME: Final[dict[str, float]] = _BPI["wait_time_share"]
_BPI_OPEN_TIME: Final[dict[str, float]] = _BPI["open_time_in_substatus"]
_BPI_L1_ONLY: Final[float] = _BPI["l1_only_share"]
_BPI_REACHED_L3: Final[float] = _BPI["reached_l3_share"]


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


GROUPS: Final = tuple(Group(g["name"], g["line"], g["supervisor"]) for g in _CATALOGUE["groups"])
_GROUP_LINE: Final = {g.name: g.line for g in GROUPS}


def _agents() -> tuple[Agent, ...]:
    out: list[Agent] = []
    for group in _CATALOGUE["groups"]:
        for i, name in enumerate(group["members"]):
            role = "supervisor" if i == 0 else ("agent" if group["line"] == 1 else "specialist")
            out.append(Agent(_username(name), name, role, group["name"]))
    for admin in _CATALOGUE["admins"]:
        out.append(
            Agent(_username(admin["full_name"]), admin["full_name"], "admin", admin["group"])
        )
    return tuple(out)


def _username(full_name: str) -> str:
    first, last = full_name.split(" ", 1)
    return f"{first}.{last.replace(' ', '')}".lower()


AGENTS: Final = _agents()
SERVICES: Final = tuple(Service(s["name"], s["ci"], s["group"]) for s in _CATALOGUE["services"])
_SERVICE_INDEX: Final = {s.name: i for i, s in enumerate(SERVICES)}


def _callers() -> tuple[Caller, ...]:
    spec = _CATALOGUE["callers"]
    rng = random.Random(spec["seed"])
    first_caller = spec["first"]
    pairs = [(f, last) for f in spec["first_names"] for last in spec["last_names"]]
    pairs.remove(tuple(first_caller["name"].split(" ", 1)))
    rng.shuffle(pairs)
    depts = [d["name"] for d in spec["departments"]]
    dept_weights = [d["weight"] for d in spec["departments"]]
    out = [Caller(first_caller["name"], first_caller["department"], _email(first_caller["name"]))]
    for first, last in pairs[: spec["count"] - 1]:
        dept = rng.choices(depts, dept_weights)[0]
        out.append(Caller(f"{first} {last}", dept, _email(f"{first} {last}")))
    return tuple(out)


def _email(name: str) -> str:
    first, last = name.split(" ", 1)
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    return f"{local}@example.com"


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


_SUB_TUPLES: Final = (
    "services",
    "extras",
    "errors",
    "fixes",
    "workarounds",
    "alert_fixes",
    "models",
    "servers",
    "apps",
)


def _sub(raw: Mapping[str, Any]) -> _Sub:
    d = {**_SUBCATEGORIES["defaults"], **raw}
    d.pop("rank")
    for key in _SUB_TUPLES:
        d[key] = tuple(d[key])
    d["issues"] = tuple(tuple(i) for i in d["issues"])
    d["alerts"] = tuple(tuple(a) for a in d["alerts"])
    return _Sub(**d)


_SUBS: Final = tuple(_sub(s) for s in _SUBCATEGORIES["subcategories"])
# Popularity rank of our subcategories (1 = most incidents); weights = the ServiceNow category
# size at that rank.
_RANKED: Final = tuple(
    (s["category"], s["subcategory"])
    for s in sorted(_SUBCATEGORIES["subcategories"], key=lambda s: s["rank"])
)

CATEGORIES: Final = tuple(Category(s.category, s.subcategory, s.group) for s in _SUBS)
ESCALATION_GROUPS: Final[Mapping[tuple[str, str], str]] = {
    (s.category, s.subcategory): s.escalate_to for s in _SUBS if s.escalate_to is not None
}
KNOWN_ERRORS: Final = tuple(
    KnownError(k["title"], k["symptom"], k["workaround"], k["category"], k["subcategory"])
    for k in _CATALOGUE["known_errors"]
)
# The issue (title template) each known error describes, and the share of that issue's
# resolutions that cite it (ServiceNow: 96.6% of incidents were linked to knowledge).
_KNOWN_ERROR_ISSUE: Final = {k["title"]: k["issue"] for k in _CATALOGUE["known_errors"]}
_KNOWN_BY_ISSUE: Final = {
    (k.category, k.subcategory, _KNOWN_ERROR_ISSUE[k.title]): k for k in KNOWN_ERRORS
}
_KNOWN_ERROR_SHARE: Final = 0.35


# ---------------------------------------------------------------------------------------------
# Demo targets derived from the measurements and the catalogue
# ---------------------------------------------------------------------------------------------

# Channel mix. The ServiceNow sample is 99.96% phone and BPI has no channel, so this is an
# assumption for a modern desk; monitoring alerts come only where a subcategory is monitored.
_PEOPLE_CHANNELS: Final = (
    ("phone", 0.44),
    ("email", 0.26),
    ("self-service", 0.18),
    ("chat", 0.07),
    ("walk-in", 0.05),
)
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
    zip(_RANKED, _normalise(_SN_CATEGORY_RANKS[: len(_RANKED)]), strict=True)
)


def _escalation() -> tuple[dict[_Key, float], float, float]:
    """Escalation probabilities that reproduce BPI's support-line figures.

    BPI: 60.2% never leave the first line ("push to front"), 7.2% reach the third. Line-1
    subcategories with an escalation group escalate with e1, chosen so that 60.2% of incidents end
    at line 1; line-2 ones with a line-3 group with e2 (capped) towards the 7.2%.
    """
    w = {(s.category, s.subcategory): _DEMO_SUB_WEIGHT[(s.category, s.subcategory)] for s in _SUBS}
    line1 = sum(w[(s.category, s.subcategory)] for s in _SUBS if _line(s.group) == 1)
    line1_esc = sum(
        w[(s.category, s.subcategory)] for s in _SUBS if _line(s.group) == 1 and s.escalate_to
    )
    e1 = min(_MAX_ESCALATION, max(0.0, (line1 - _BPI_L1_ONLY) / line1_esc))
    line3 = sum(w[(s.category, s.subcategory)] for s in _SUBS if _line(s.group) == 3)
    l1_to_l3 = sum(
        w[(s.category, s.subcategory)]
        for s in _SUBS
        if _line(s.group) == 1 and _line(s.escalate_to) == 3
    )
    l2_to_l3 = sum(
        w[(s.category, s.subcategory)]
        for s in _SUBS
        if _line(s.group) == 2 and _line(s.escalate_to) == 3
    )
    e2 = min(_MAX_ESCALATION, max(0.0, (_BPI_REACHED_L3 - line3 - e1 * l1_to_l3) / l2_to_l3))
    probs = {
        (s.category, s.subcategory): (e1 if _line(s.group) == 1 else e2)
        for s in _SUBS
        if s.escalate_to
    }
    return probs, e1, e2


_ESCALATE, _E1, _E2 = _escalation()
_DEMO_ESCALATED_SHARE: Final = sum(_DEMO_SUB_WEIGHT[k] * p for k, p in _ESCALATE.items())

# Impact x urgency: the ServiceNow joint shares plus one pseudo-incident per cell (n = 2,500) so
# that no cell is impossible; priority then follows the base matrix (3 x 3 becomes P5 here).
_CELLS: Final = tuple((i, u) for i in (1, 2, 3) for u in (1, 2, 3))
_DEMO_CELLS: Final[dict[tuple[int, int], float]] = dict(
    zip(_CELLS, _normalise([_SN_IMPACT_X_URGENCY[c] * 2500 + 1 for c in _CELLS]), strict=True)
)
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
    return {
        "new": (sn_new + bpi_new) / 2,
        "in_progress": (sn_prog + bpi_prog) / 2,
        "on_hold": (2 - sn_new - sn_prog - bpi_new - bpi_prog) / 2,
    }


def _hold_reasons() -> dict[str, float]:
    """Each log's waiting time mapped to our reasons (BPI's bare "Wait" names none), averaged."""
    sn, bw = _SN_OPEN_TIME_IN_STATE, _BPI_WAIT_TIME
    sn_r = {
        "awaiting_caller": sn["Awaiting User Info"] + sn["Awaiting Evidence"],
        "awaiting_vendor": sn["Awaiting Vendor"],
        "awaiting_change": 0.0,
        "awaiting_problem": sn["Awaiting Problem"],
    }
    bpi_r = {
        "awaiting_caller": bw["Wait - User"] + bw["Wait - Customer"],
        "awaiting_vendor": bw["Wait - Vendor"],
        "awaiting_change": bw["Wait - Implementation"],
        "awaiting_problem": 0.0,
    }
    sn_t, bpi_t = sum(sn_r.values()), sum(bpi_r.values())
    return {r: (sn_r[r] / sn_t + bpi_r[r] / bpi_t) / 2 for r in HOLD_REASONS}


_DEMO_OPEN_STATE: Final = _open_state()
_DEMO_HOLD: Final = _hold_reasons()

# Resolution codes: the ServiceNow closed_code rank shares (top ten of 14) given to our codes in
# a plausible order; "resolved by problem" (3.3%) and "by change" (1.0%) land near the measured
# problem_id (2.7%) and rfc (1.4%) shares. Subcategories without a known error fold
# "known_error" into "workaround_provided".
_CODE_RANK_ORDER: Final = (
    "solution_provided",
    "workaround_provided",
    "user_error",
    "resolved_by_caller",
    "known_error",
    "resolved_by_problem",
    "duplicate",
    "resolved_by_request",
    "resolved_by_change",
    "no_resolution",
)
_DEMO_CODES: Final[dict[str, float]] = dict(
    zip(_CODE_RANK_ORDER, _normalise(_SN_CLOSED_CODE_RANKS[:10]), strict=True)
)


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
    "attribution": _MEASURED["attribution"],
    "servicenow": _SN,
    "bpi2013": _BPI,
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


# Placeholder values and notes (data/texts.json).
_FLOORS: Final = tuple(_TEXTS["floors"])
_SITES: Final = tuple(_TEXTS["sites"])
_WHEN: Final = tuple(_TEXTS["when"])
_PEOPLE: Final = tuple(_TEXTS["people"])
_SHARES: Final = tuple(_TEXTS["shares"])
_MAILBOXES: Final = tuple(_TEXTS["mailboxes"])
_OS: Final = tuple(_TEXTS["os"])
_PEOPLE_EXTRAS: Final = tuple(_TEXTS["people_extras"])
_ALERT_EXTRAS: Final = tuple(_TEXTS["alert_extras"])
_TITLE_DECOR: Final = tuple(_TEXTS["title_decor"])
_SOLVED_SUFFIX: Final = tuple(_TEXTS["solved_suffix"])
_ALERT_SUFFIX: Final = tuple(_TEXTS["alert_suffix"])
# Apps named in texts -> the service they belong to (when the subcategory lists it).
_APP_SERVICE: Final[dict[str, str]] = _TEXTS["app_service"]
_CODE_NOTES: Final[Mapping[str, tuple[str, ...]]] = {
    code: tuple(notes) for code, notes in _TEXTS["code_notes"].items()
}
_CANCEL_NOTES: Final = tuple(_TEXTS["cancel_notes"])
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
    """Inverse CDF of opened_at over the span: hourly buckets weighted by hour and weekday, and
    by ``keep(age)`` when given (the share of incidents opened that long ago that are kept)."""

    def __init__(
        self, start: float, end: float, keep: Callable[[float], float] | None = None
    ) -> None:
        first = math.floor(start / 3600.0) * 3600.0
        self.lo: list[float] = []
        self.width: list[float] = []
        weights: list[float] = []
        t = first
        while t < end:
            lo, hi = max(t, start), min(t + 3600.0, end)
            dt = datetime.fromtimestamp(t, UTC)
            w = _SN_OPENED_HOUR[dt.hour] * _SN_OPENED_WEEKDAY[dt.weekday()] * (hi - lo) / 3600
            if keep is not None and w > 0:
                w *= keep(end - (lo + hi) / 2)
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
        notes["workaround_provided"] = tuple(
            f"Workaround: {w} Permanent fix to follow." for w in workarounds
        )
        codes = list(weights)
        out.append(
            _IssueTables(
                titles,
                tuple(descs),
                service,
                codes,
                _cum([weights[c] for c in codes]),
                [notes[c] for c in codes],
            )
        )
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
        idx = [
            i
            for i, a in enumerate(AGENTS)
            if a.group == g.name and a.role in ("agent", "specialist")
        ]
        members[g.name] = (idx, _cum([1.0 / (1 + 0.3 * k) for k in range(len(idx))]))
    people_channels = dict(_PEOPLE_CHANNELS)
    out: list[_SubTables] = []
    for s in _SUBS:
        channel_w = [
            s.monitored if c == "monitoring" else (1 - s.monitored) * people_channels.get(c, 0.0)
            for c in CHANNELS
        ]
        people = _issue_tables(s, alerts=False)
        out.append(
            _SubTables(
                sub=s,
                ctxs=_ctx_pool(rng, s),
                channels=[c for c, w in zip(CHANNELS, channel_w, strict=True) if w > 0],
                channel_cum=_cum([w for w in channel_w if w > 0]),
                people=people,
                alerts=_issue_tables(s, alerts=True) or people,
                escalate=_ESCALATE.get((s.category, s.subcategory), 0.0),
                home=members[s.group],
                higher=members[s.escalate_to] if s.escalate_to else members[s.group],
            )
        )
    return out


def _natural_open_share(rng: random.Random, times: _TimeTable, now: float) -> float:
    """The share of rows still open if each stayed open for its drawn time-to-resolve (what the
    measured curves give a desk that has run for the span). Estimated on a private sample."""
    m = 4000
    prios = sorted(_DEMO_PRIORITY)
    prio_cum = _cum([_DEMO_PRIORITY[p] for p in prios])
    ages = [now - times.at(rng.random()) for _ in range(m)]
    durs = [
        _SECONDS_TO_RESOLVE[prios[bisect_right(prio_cum, rng.random())]][int(rng.random() * _TABLE)]
        for _ in range(m)
    ]
    return sum(a < d for a, d in zip(ages, durs, strict=True)) / m


def _resolved_by(age: float) -> float:
    """The share of incidents opened `age` seconds ago that are resolved by now (the measured
    curves mixed by priority)."""
    total = 0.0
    for p, w in _DEMO_PRIORITY.items():
        total += w * bisect_right(_SECONDS_TO_RESOLVE[p], age) / _TABLE
    return total


# The open incidents: a live desk this morning. An open incident is one caught at a uniform
# moment of its life; its life is a resolution time drawn from the measured curve of its
# priority, in units of its resolution target, where the target sits at the curve's
# _SLA_ATTAINMENT quantile: a desk that resolves 85% of its incidents within target (an
# assumption: the ServiceNow log's own made_sla is 34%, a desk in trouble, and the demo shows one
# at work). The elapsed share of the target is then mostly below 50%, a few incidents are past
# 75% and a few breached, with the measured long tail; it is measured in business time of the
# incident's own calendar by the caller (``open_since``), so the shares hold at any hour and day.
_SLA_ATTAINMENT: Final = 0.85
_TARGET_QUANTILE: Final = {
    p: table[int(_SLA_ATTAINMENT * _TABLE)] for p, table in _SECONDS_TO_RESOLVE.items()
}
# A live desk takes an incident far past its target off the queue (escalation, a problem
# record): none of the demo's open incidents has used more than three times its target.
_MAX_USED: Final = 3.0
# Without a calendar (``open_since`` not given): the default policy's resolution targets in
# hours (4 h, 8 h, 2 / 3 / 10 business days of 9 hours) on a 24x7 clock.
_NOMINAL_TARGET_H: Final = {1: 4.0, 2: 8.0, 3: 18.0, 4: 27.0, 5: 90.0}

OpenSince = Callable[[int, float], float]


def generate(
    n: int,
    *,
    seed: int = 1,
    now: datetime,
    span_days: int = 365,
    open_share: float | None = None,
    open_since: OpenSince | None = None,
) -> Iterator[DemoIncident]:
    """Yield ``n`` demo incidents, ``seq`` 1..n in order of ``opened_at``.

    Deterministic for given arguments. Resolved, closed and cancelled incidents spread over the
    ``span_days`` before ``now`` with the measured hour-of-day and weekday peaks, thinned near
    ``now`` by the share the measured curves resolve by then; each took a measured
    time-to-resolve (recent ones the short times the curve allows at their age) and closes after
    the measured auto-close delay.

    The open ones (new / in progress / on hold) are as many as the measured curves leave open
    over the span (at least ``_MIN_DEMO_OPEN`` rows, at most 30%, so that a small demo queue is
    not empty), or ``open_share`` of all rows. Their ages make a live desk (see
    ``_SLA_ATTAINMENT``): ``open_since(priority, share)`` gives the POSIX time at which an
    incident of that priority that has used ``share`` of its resolution target by ``now`` was
    opened (the loader answers on the policy's business calendars); without it, the default
    targets on a 24x7 clock.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if open_share is not None and not 0.0 <= open_share <= 1.0:
        raise ValueError("open_share must be within 0..1")
    if n <= 0:
        return
    rng = random.Random(seed)
    now_ts = now.timestamp()
    start = now_ts - span_days * 86400.0
    if open_share is None:
        natural = _natural_open_share(
            random.Random(seed * 1_000_003 + 7), _TimeTable(start, now_ts), now_ts
        )
        share = max(natural, min(0.3, _MIN_DEMO_OPEN / n))
    else:
        share = open_share
    n_open = min(n, round(share * n))
    times = _TimeTable(start, now_ts, keep=_resolved_by)
    tables = _sub_tables(rng)

    def nominal(priority: int, used: float) -> float:
        return now_ts - used * _NOMINAL_TARGET_H[priority] * 3600.0

    since = open_since or nominal

    sub_cum = _cum([_DEMO_SUB_WEIGHT[(s.category, s.subcategory)] for s in _SUBS])
    cells = list(_DEMO_CELLS)
    cell_cum = _cum([_DEMO_CELLS[c] for c in cells])
    cell_prio = [priority_of(i, u) for i, u in cells]
    cell_dur = [_SECONDS_TO_RESOLVE[p] for p in cell_prio]
    cell_target = [_TARGET_QUANTILE[p] for p in cell_prio]
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
    fromts = datetime.fromtimestamp
    utc = UTC
    t_cum, t_prev, t_span, t_lo, t_width = times.cum, times.prev, times.span, times.lo, times.width
    t_last = len(t_cum) - 1
    close_delay = _CLOSE_DELAY
    table = _TABLE
    n_ctx = _N_CTX
    cancel = _CANCELLED_SHARE
    major_p = _MAJOR_SHARE_OF_P1

    def common() -> dict[str, Any]:
        """Everything but the times, the state and what depends on them."""
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
        if escalated or rand() >= p_zero:
            reassign = reassign_vals[bisect_right(reassign_cum, rand())]
        else:
            reassign = 0
        reopen = 0 if rand() < p_no_reopen else reopen_vals[bisect_right(reopen_cum, rand())]
        return {
            "issue": issue,
            "ctx": ctx,
            "cell": cell,
            "title": issue.titles[int(rand() * len(issue.titles))].format_map(ctx),
            "description": issue.descriptions[int(rand() * len(issue.descriptions))].format_map(
                ctx
            ),
            "caller_index": bisect_right(caller_cum, rand()),
            "channel": channel,
            "category": s.category,
            "subcategory": s.subcategory,
            "group": group,
            "assignee_index": pool[bisect_right(pool_cum, rand())],
            "impact": impact,
            "urgency": urgency,
            "state": "closed",
            "hold_reason": None,
            "resolved_at": None,
            "closed_at": None,
            "resolution_code": None,
            "resolution_notes": None,
            "reassignment_count": reassign,
            "reopen_count": reopen,
            "major": impact == 1 and urgency == 1 and rand() < major_p,
            "escalated": escalated,
            "service_index": svc,
        }

    def history() -> Iterator[tuple[float, dict[str, Any]]]:
        x = 0.0
        m = n - n_open
        for k in range(m):
            # Sorted uniforms: the smallest of the m - k uniforms still to place above x.
            x = 1.0 - (1.0 - x) * rand() ** (1.0 / (m - k))
            b = bisect_right(t_cum, x)  # inline of times.at(x)
            if b > t_last:
                b = t_last
            frac = (x - t_prev[b]) / t_span[b]
            opened = t_lo[b] + (frac if frac < 1.0 else 1.0) * t_width[b]
            age = now_ts - opened
            d = common()
            cell = d.pop("cell")
            issue = d.pop("issue")
            ctx = d.pop("ctx")
            if rand() < cancel:
                d["state"] = "cancelled"
                gap = 600.0 + rand() * 7200.0
                d["closed_at"] = fromts(int(opened + (gap if gap < age else age * rand())), utc)
                d["resolution_notes"] = _CANCEL_NOTES[int(rand() * len(_CANCEL_NOTES))]
                if rand() < 0.5:
                    d["assignee_index"] = None
                d["reopen_count"] = 0
            else:
                durations = cell_dur[cell]
                duration = durations[int(rand() * table)]
                if duration > age:  # resolved by now: one of the times the curve allows
                    duration = (
                        durations[int(rand() * bisect_right(durations, age))]
                        if durations[0] <= age
                        else age * rand()
                    )
                resolved = opened + duration
                d["resolved_at"] = fromts(int(resolved), utc)
                closes = resolved + close_delay[int(rand() * table)]
                if closes <= now_ts:
                    d["closed_at"] = fromts(int(closes), utc)
                else:
                    d["state"] = "resolved"
                ci = bisect_right(issue.code_cum, rand())
                d["resolution_code"] = issue.codes[ci]
                texts = issue.notes[ci]
                d["resolution_notes"] = texts[int(rand() * len(texts))].format_map(ctx)
            d["opened_at"] = fromts(int(opened), utc)
            yield opened, d

    def still_open() -> list[tuple[float, dict[str, Any]]]:
        out: list[tuple[float, dict[str, Any]]] = []
        for _ in range(n_open):
            d = common()
            cell = d.pop("cell")
            del d["issue"], d["ctx"]
            used = rand() * cell_dur[cell][int(rand() * table)] / cell_target[cell]
            if used > _MAX_USED:
                used = _MAX_USED
            opened = min(now_ts, max(start, since(cell_prio[cell], used)))
            state = open_states[bisect_right(open_cum, rand())]
            d["state"] = state
            if state == "new":
                d["assignee_index"] = None
                d["reopen_count"] = 0
                if not d["escalated"]:
                    d["reassignment_count"] = 0
            elif state == "on_hold":
                d["hold_reason"] = hold_reasons[bisect_right(hold_cum, rand())]
            d["opened_at"] = fromts(int(opened), utc)
            out.append((opened, d))
        out.sort(key=lambda item: item[0])
        return out

    new_obj = object.__new__
    set_attr = object.__setattr__
    cls = DemoIncident
    rows = heapq.merge(history(), still_open(), key=lambda item: item[0])
    for seq, (_opened, d) in enumerate(rows, 1):
        d["seq"] = seq
        # Build the frozen instance without its generated __init__ (23 object.__setattr__
        # calls): one dict handed over in a single call is several times faster, and the
        # result is an ordinary DemoIncident (eq, hash, repr, pickle, dataclasses.replace).
        row = new_obj(cls)
        set_attr(row, "__dict__", d)
        yield row
