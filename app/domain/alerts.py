"""Monitoring alerts as the desk reads them: the two payloads it accepts (Prometheus
Alertmanager's webhook, version 4, and the desk's own generic alert), the rules that map an
alert's labels to category, service, group, impact and urgency, and the levels an alert gets
when no rule matches. Plain values and functions; the services store and dedupe.

The generic alert (``POST /alerts``), one object or ``{"alerts": [ ... ]}``::

    {
      "title": "Disk almost full on db1",      required (or labels.alertname)
      "status": "firing",                      "firing" (default) or "resolved"
      "fingerprint": "db1-disk",               optional: default, a hash of the labels
      "severity": "critical",                  optional: copied to labels.severity
      "labels": {"host": "db1"},               optional: text values
      "description": "95% used on /var",       optional
      "source": "nagios"                       optional: who sent it
    }
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain import inbound
from app.domain.errors import ValidationError

FIRING = "firing"
RESOLVED = "resolved"
MAX_FINGERPRINT = 200
MAX_RULE_NAME = 120


@dataclass(frozen=True)
class Alert:
    """One alert, whichever payload it came in."""

    fingerprint: str
    status: str  # FIRING or RESOLVED
    title: str
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    source: str = "generic"
    starts_at: str | None = None
    ends_at: str | None = None
    url: str | None = None

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "") or self.title


def default_levels(labels: Mapping[str, str]) -> tuple[int, int]:
    """(impact, urgency) from the `severity` label: critical 1/1, warning 2/2, else 3/3."""
    severity = labels.get("severity", "").strip().lower()
    if severity == "critical":
        return 1, 1
    if severity == "warning":
        return 2, 2
    return 3, 3


# -- the payloads ---------------------------------------------------------------------------


def _need(obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in obj or obj[key] is None:
        raise ValidationError(f"{where}: the field {key!r} is missing", field=key)
    value = obj[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ValidationError(
            f"{where}: {key!r} must be {_json_kind(names)}, not {_json_kind(type(value).__name__)}",
            field=key,
        )
    return value


def _json_kind(py: str) -> str:
    words = {
        "str": "text",
        "dict": "an object",
        "list": "a list",
        "int": "a number",
        "float": "a number",
        "bool": "true or false",
        "NoneType": "null",
    }
    return " or ".join(words.get(p, p) for p in py.split(" or "))


def _labels(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError(f"{where}: 'labels' must be an object", field="labels")
    out: dict[str, str] = {}
    for k, v in raw.items():
        if not isinstance(v, str | int | float | bool):
            raise ValidationError(f"{where}: the label {k!r} must be text", field="labels")
        out[str(k)] = str(v)
    return out


def _status(raw: Any, where: str) -> str:
    status = str(raw).strip().lower()
    if status not in (FIRING, RESOLVED):
        raise ValidationError(
            f"{where}: status {raw!r} is neither 'firing' nor 'resolved'", field="status"
        )
    return status


def _fingerprint(raw: Any, where: str) -> str:
    text = str(raw).strip()
    if not text:
        raise ValidationError(f"{where}: the fingerprint is empty", field="fingerprint")
    if len(text) > MAX_FINGERPRINT:
        raise ValidationError(
            f"{where}: the fingerprint has {len(text)} characters; at most {MAX_FINGERPRINT}",
            field="fingerprint",
        )
    return text


def labels_fingerprint(labels: Mapping[str, str], title: str) -> str:
    """A stable fingerprint of an alert that brings none: its labels (else its title)."""
    key = json.dumps(dict(sorted(labels.items())) or {"title": title}, ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def parse_alertmanager(payload: Any) -> list[Alert]:
    """The alerts of an Alertmanager webhook (payload version 4)."""
    payload = inbound.scrubbed(payload)
    if not isinstance(payload, dict):
        raise ValidationError("The body must be a JSON object (Alertmanager's webhook)")
    version = _need(payload, "version", "payload", (str, int))
    if str(version) != "4":
        raise ValidationError(
            f"payload: version {version!r} is not supported; Alertmanager's webhook version 4 is",
            field="version",
        )
    alerts = _need(payload, "alerts", "payload", list)
    common = payload.get("commonLabels") or {}
    out: list[Alert] = []
    for i, raw in enumerate(alerts):
        where = f"alerts[{i}]"
        if not isinstance(raw, dict):
            raise ValidationError(f"{where} must be an object")
        status = _status(_need(raw, "status", where, str), where)
        labels = _labels(_need(raw, "labels", where, dict), where)
        for k, v in _labels(common, "commonLabels").items():
            labels.setdefault(k, v)
        annotations = _labels(raw.get("annotations") or {}, where)
        fingerprint = _fingerprint(_need(raw, "fingerprint", where, str), where)
        title = annotations.get("summary") or labels.get("alertname") or ""
        if not title.strip():
            raise ValidationError(
                f"{where}: neither annotations.summary nor labels.alertname: no title",
                field="summary",
            )
        description = annotations.get("description", "")
        out.append(
            Alert(
                fingerprint=fingerprint,
                status=status,
                title=title.strip(),
                description=description.strip(),
                labels=labels,
                source="alertmanager",
                starts_at=_text_or_none(raw.get("startsAt")),
                ends_at=_text_or_none(raw.get("endsAt")),
                url=_text_or_none(raw.get("generatorURL")),
            )
        )
    return out


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text.startswith("0001-01-01") else text


def parse_generic(payload: Any) -> list[Alert]:
    """The desk's generic alert: one object, or {"alerts": [objects]} (module docstring)."""
    payload = inbound.scrubbed(payload)
    if isinstance(payload, dict) and "alerts" in payload:
        items = _need(payload, "alerts", "payload", list)
        wheres = [f"alerts[{i}]" for i in range(len(items))]
    elif isinstance(payload, dict):
        items, wheres = [payload], ["alert"]
    else:
        raise ValidationError('The body must be a JSON object (an alert, or {"alerts": [...]})')
    out: list[Alert] = []
    for raw, where in zip(items, wheres, strict=True):
        if not isinstance(raw, dict):
            raise ValidationError(f"{where} must be an object")
        labels = _labels(raw.get("labels"), where)
        if raw.get("severity") is not None:
            labels["severity"] = str(raw["severity"])
        title = raw.get("title")
        if title is None:
            title = labels.get("alertname")
        if title is None:
            raise ValidationError(f"{where}: the field 'title' is missing", field="title")
        if not isinstance(title, str) or not title.strip():
            raise ValidationError(f"{where}: 'title' must be non-empty text", field="title")
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise ValidationError(f"{where}: 'description' must be text", field="description")
        fp_raw = raw.get("fingerprint")
        fingerprint = (
            _fingerprint(fp_raw, where)
            if fp_raw is not None
            else labels_fingerprint(labels, title.strip())
        )
        out.append(
            Alert(
                fingerprint=fingerprint,
                status=_status(raw.get("status", FIRING), where),
                title=title.strip(),
                description=description.strip(),
                labels=labels,
                source=str(raw.get("source") or "generic")[:40],
            )
        )
    return out


# -- rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRule:
    """Labels to match (each a regular expression matched whole, as Alertmanager's `=~`) and
    what an incident from a matching alert gets. Names, not ids: the rule reads in words."""

    name: str
    matchers: Mapping[str, str]
    category: str | None = None  # "Software > Email"
    service: str | None = None
    group: str | None = None
    impact: int | None = None
    urgency: int | None = None
    # a resolved alert resolves the incident with this code; None: it only adds a note
    resolve_code: str | None = None
    position: int = 0
    id: int | None = None

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, pattern in self.matchers.items():
            if re.fullmatch(pattern, labels.get(key, "")) is None:
                return False
        return True


def check_rule(rule: AlertRule) -> AlertRule:
    """The rule, or a ValidationError naming what is wrong with it."""
    name = " ".join(rule.name.split())
    if not name:
        raise ValidationError("A rule needs a name", field="name")
    if len(name) > MAX_RULE_NAME:
        raise ValidationError(f"The rule name has {len(name)} characters; at most {MAX_RULE_NAME}")
    if not rule.matchers:
        raise ValidationError(f"Rule {name!r}: give at least one label to match", field="matchers")
    for key, pattern in rule.matchers.items():
        if not key.strip():
            raise ValidationError(
                f"Rule {name!r}: a matcher without a label name", field="matchers"
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValidationError(
                f"Rule {name!r}: {key}=~{pattern!r} is not a regular expression ({exc})",
                field="matchers",
            ) from None
    for what, level in (("impact", rule.impact), ("urgency", rule.urgency)):
        if level is not None and (not isinstance(level, int) or level < 1):
            raise ValidationError(f"Rule {name!r}: {what} must be a level 1, 2, 3...", field=what)
    return AlertRule(
        name=name,
        matchers=dict(rule.matchers),
        category=rule.category or None,
        service=rule.service or None,
        group=rule.group or None,
        impact=rule.impact,
        urgency=rule.urgency,
        resolve_code=rule.resolve_code or None,
        position=rule.position,
        id=rule.id,
    )


def first_match(rules: Sequence[AlertRule], labels: Mapping[str, str]) -> AlertRule | None:
    """The first rule (by position, then id) whose matchers all match."""
    for rule in sorted(rules, key=lambda r: (r.position, r.id or 0)):
        if rule.matches(labels):
            return rule
    return None


_RULE_KEYS = {"name", "match", "category", "service", "group", "impact", "urgency", "resolve_code"}


def rules_from_json(data: Any, where: str = "rules file") -> list[AlertRule]:
    """Rules from the file format: {"rules": [{"name", "match": {label: regex}, "category",
    "service", "group", "impact", "urgency", "resolve_code"}]}; their order is their position."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ValidationError(f'{where}: expected an object with a list "rules"')
    out: list[AlertRule] = []
    for i, raw in enumerate(data["rules"]):
        at = f"{where}: rules[{i}]"
        if not isinstance(raw, dict):
            raise ValidationError(f"{at} must be an object")
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            raise ValidationError(
                f"{at}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_RULE_KEYS))})"
            )
        match = raw.get("match")
        if not isinstance(match, dict) or not all(isinstance(v, str) for v in match.values()):
            raise ValidationError(f'{at}: "match" must be an object of label: regex')
        name = raw.get("name")
        if not isinstance(name, str):
            raise ValidationError(f'{at}: "name" must be text')
        levels: dict[str, int | None] = {}
        for key in ("impact", "urgency"):
            value = raw.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationError(f'{at}: "{key}" must be a whole number')
            levels[key] = value
        texts: dict[str, str | None] = {}
        for key in ("category", "service", "group", "resolve_code"):
            value = raw.get(key)
            if value is not None and not isinstance(value, str):
                raise ValidationError(f'{at}: "{key}" must be text')
            texts[key] = value
        out.append(
            check_rule(
                AlertRule(
                    name=name,
                    matchers=match,
                    category=texts["category"],
                    service=texts["service"],
                    group=texts["group"],
                    impact=levels["impact"],
                    urgency=levels["urgency"],
                    resolve_code=texts["resolve_code"],
                    position=i,
                )
            )
        )
    names = [r.name.lower() for r in out]
    for n in names:
        if names.count(n) > 1:
            raise ValidationError(f"{where}: two rules are named {n!r}")
    return out


def rules_to_json(rules: Sequence[AlertRule]) -> dict[str, Any]:
    """The file format of `rules_from_json`, in rule order."""
    items: list[dict[str, Any]] = []
    for r in sorted(rules, key=lambda r: (r.position, r.id or 0)):
        item: dict[str, Any] = {"name": r.name, "match": dict(r.matchers)}
        for key in ("category", "service", "group", "impact", "urgency", "resolve_code"):
            value = getattr(r, key)
            if value is not None:
                item[key] = value
        items.append(item)
    return {"rules": items}
