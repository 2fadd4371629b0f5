"""The escalation rules' vocabulary: which thresholds a late sweep passed, what a rule says,
what a bad rule is told."""

from __future__ import annotations

import pytest

from app.domain.errors import ValidationError
from app.domain.escalation import EscalationRule, RuleAction, check_rule, thresholds_passed
from app.services.escalation_rules import parse_tell, tell_kind


@pytest.mark.parametrize(
    ("announced", "reached", "passed"),
    [
        (0, 0, ()),
        (0, 50, (50,)),
        (0, 100, (50, 75, 100)),
        (50, 75, (75,)),
        (75, 100, (100,)),
        (100, 100, ()),
    ],
)
def test_a_sweep_fires_every_threshold_passed_since_the_last(
    announced: int, reached: int, passed: tuple[int, ...]
) -> None:
    assert thresholds_passed(announced, reached) == passed


def test_a_rule_says_what_it_does() -> None:
    assert EscalationRule("resolution", 75, RuleAction.ESCALATE_FUNCTIONAL).describe("Network") == (
        "At 75% of the resolution target: escalate to the next line's group (Network)"
    )
    assert EscalationRule("response", 100, RuleAction.NOTIFY_SUPERVISOR).describe() == (
        "At breach of the response target: notify the group's supervisor"
    )


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("elapsed", 50, "flag"), "clock", "Unknown clock 'elapsed': use response or resolution"),
        (
            ("response", 60, "flag"),
            "threshold",
            "A rule fires at 50, 75 or 100 percent of a target, not 60",
        ),
        (
            ("response", 50, "page"),
            "action",
            "Unknown rule action 'page': use one of notify_assignee, "
            "notify_group, notify_supervisor, escalate_functional, escalate_hierarchical, flag",
        ),
        (
            ("response", 50, "flag", 3),
            "group",
            "Only a functional escalation goes to a group; 'raise a flag' takes none",
        ),
    ],
)
def test_a_bad_rule_is_refused_in_words(args: tuple, field: str, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as err:
        check_rule(*args)
    assert (err.value.field, str(err.value)) == (field, message)


def test_every_notification_kind_fits_the_change_log_and_reads_back() -> None:
    for action in (
        RuleAction.NOTIFY_ASSIGNEE,
        RuleAction.NOTIFY_GROUP,
        RuleAction.NOTIFY_SUPERVISOR,
    ):
        for clock in ("response", "resolution"):
            for threshold in (50, 75, 100):
                kind = tell_kind(action, clock, threshold)
                assert len(kind) <= 30
                assert parse_tell(kind) == (kind.split("_")[1], clock, threshold)
    assert parse_tell("sla_75") is None and parse_tell("tell_boss_response_75") is None
    assert parse_tell("tell_group_response_60") is None
