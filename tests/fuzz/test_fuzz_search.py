"""Search text, generated from words and full-text syntax (quotes, `*`, `NEAR(`, `OR`, `&`,
`!`, `:*`, brackets, NUL, stop words, words of other scripts), on SQLite's FTS5 and
PostgreSQL's text search: the search box, the queue's text filter (the last word half typed)
and the similar-incidents panel answer with hits or none, never a database error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from app.domain.records import QueueFilter
from app.services import incidents as inc
from app.services import problems, queries
from app.services.context import Desk
from tests.fuzz.conftest import cases
from tests.fuzz.strategies import NASTY, SYNTAX, WORDS

QUERIES = st.one_of(
    NASTY,
    st.lists(st.one_of(WORDS, SYNTAX), min_size=1, max_size=10).map(" ".join),
    st.lists(st.one_of(WORDS, SYNTAX), min_size=1, max_size=10).map("".join),
)
TITLES = [
    "Printer on floor 3 jams",
    "VPN drops every 10 minutes",
    "Outlook mail full: disk db1 at 95%",
    "Straße café 日本語 İstanbul über ﬁle",
    'Quotes "and" stars * NEAR(x) OR & ! :*',
]


@pytest.fixture
def searchable(desk: Desk) -> Iterator[Desk]:
    admin = desk.actor("dev")
    for title in TITLES:
        inc.log_incident(desk, admin, inc.NewIncident(title=title, description=title.lower()))
    problems.add_known_error(desk, admin, "VPN drops", "vpn tunnel drops", "Reconnect the VPN")
    yield desk


@cases(ci=60, long=3000)
@given(text=QUERIES)
@example(text='"printer" OR (vpn*')
@example(text="NEAR(printer vpn, 3) AND NOT mail")
@example(text="vpn & !mail | disk:* <-> 'x'")
@example(text="the and or not near")  # stop words and keywords only
@example(text="² ٣ Ⅻ ǅ")  # digits and letters of other scripts
@example(text="printer\x00vpn")
@example(text="x" * 61 + " outl")
def test_any_search_text_answers_with_hits_or_none(searchable: Desk, text: str) -> None:
    desk = searchable
    hits = queries.search(desk, text)
    event(f"search: {'hits' if hits else 'no hit'}")
    assert all(h.number and h.rank == h.rank for h in hits)  # a number, a rank that is no NaN
    similar = queries.similar(desk, text)
    event(f"similar: {'hits' if similar else 'no hit'}")
    for typed in (text, text + " "):  # the last word half typed, or finished
        page = queries.queue_page(desk, QueueFilter(text=typed, active_only=False))
        assert queries.queue_count(desk, QueueFilter(text=typed, active_only=False)) >= len(
            page.rows
        )
