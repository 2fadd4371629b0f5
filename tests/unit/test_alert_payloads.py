"""The alert payloads, the default levels and the rules, as plain values."""

from __future__ import annotations

import pytest

from app.domain.alerts import (
    AlertRule,
    default_levels,
    first_match,
    labels_fingerprint,
    parse_alertmanager,
    parse_generic,
    rules_from_json,
    rules_to_json,
)
from app.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("severity", "levels"),
    [
        ("critical", (1, 1)),
        ("CRITICAL", (1, 1)),
        ("warning", (2, 2)),
        ("info", (3, 3)),
        (None, (3, 3)),
    ],
)
def test_default_levels_from_severity(severity: str | None, levels: tuple[int, int]) -> None:
    assert default_levels({"severity": severity} if severity else {}) == levels


def test_alertmanager_payload() -> None:
    [a] = parse_alertmanager(
        {
            "version": "4",
            "status": "firing",
            "commonLabels": {"env": "prod"},
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "Down", "severity": "critical"},
                    "annotations": {},
                    "fingerprint": "f1",
                    "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                }
            ],
        }
    )
    assert (a.title, a.fingerprint, a.status, a.ends_at) == ("Down", "f1", "firing", None)
    assert a.labels == {"alertname": "Down", "severity": "critical", "env": "prod"}


def test_generic_fingerprint_is_stable_and_label_order_free() -> None:
    one = parse_generic({"title": "t", "labels": {"a": "1", "b": "2"}})[0]
    two = parse_generic({"alerts": [{"title": "t", "labels": {"b": "2", "a": "1"}}]})[0]
    assert one.fingerprint == two.fingerprint == labels_fingerprint({"a": "1", "b": "2"}, "t")
    assert (
        parse_generic({"title": "t"})[0].fingerprint != parse_generic({"title": "u"})[0].fingerprint
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"alerts": "x"}, "payload: 'alerts' must be a list, not text"),
        ({"title": "t", "labels": {"a": [1]}}, "alert: the label 'a' must be text"),
        (
            {"title": "t", "fingerprint": "x" * 201},
            "the fingerprint has 201 characters; at most 200",
        ),
        ({"title": " "}, "'title' must be non-empty text"),
    ],
)
def test_generic_refusals_name_the_field(payload: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_generic(payload)


def test_rules_first_match_by_position_and_whole_regex() -> None:
    rules = [
        AlertRule("late", {"team": "db"}, position=2),
        AlertRule("early", {"team": "d.*"}, position=1),
    ]
    assert first_match(rules, {"team": "db"}).name == "early"  # type: ignore[union-attr]
    assert first_match(rules, {"team": "xdb"}) is None  # matched whole, as Alertmanager's =~
    assert first_match(rules, {}) is None


def test_rules_file_round_trip_and_refusals() -> None:
    data = {
        "rules": [
            {"name": "a", "match": {"x": "1"}, "group": "G", "impact": 1},
            {"name": "b", "match": {"y": "2"}, "resolve_code": "duplicate"},
        ]
    }
    assert rules_to_json(rules_from_json(data)) == data
    with pytest.raises(ValidationError, match="two rules are named 'a'"):
        rules_from_json({"rules": [data["rules"][0], data["rules"][0]]})
    with pytest.raises(ValidationError, match=r"rules\[0\]: \"impact\" must be a whole number"):
        rules_from_json({"rules": [{"name": "a", "match": {"x": "1"}, "impact": "high"}]})
    with pytest.raises(ValidationError, match="give at least one label to match"):
        rules_from_json({"rules": [{"name": "a", "match": {}}]})
