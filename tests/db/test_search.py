"""Full-text search on both engines: ranking, stemming, safe queries, journal, known errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from seed import add_journal, add_known_error, incident_values, insert_incidents, seed_people
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from app.db.search import (
    SNIPPET_END,
    SNIPPET_START,
    fts5_query,
    matching_ids_clause,
    search_incidents,
    search_known_errors,
    similar,
    terms,
    tsquery_text,
)
from app.domain.lifecycle import State

FILLER = "the usual support ticket text for the desk"


@pytest.fixture
def engine_with_data(engine: Engine) -> Engine:
    with engine.begin() as c:
        seed_people(c)
        insert_incidents(
            c,
            [
                incident_values(1, title="Outlook crash at startup", description=FILLER),
                incident_values(2, title="Laptop is slow", description="outlook " + FILLER),
                incident_values(3, title="Printer jam on floor two", description=FILLER),
                incident_values(
                    4,
                    title="VPN disconnects",
                    description="tunnel drops " + FILLER,
                    state=State.CLOSED,
                ),
                incident_values(5, title="Monitor flickers", description="cable " + FILLER),
                incident_values(6, title="Quasar flux capacitor", description=FILLER),
                incident_values(
                    7, title="Quasar flux capacitor", description=FILLER, state=State.CLOSED
                ),
                incident_values(
                    8, title="Badge reader offline", description=FILLER, state=State.RESOLVED
                ),
            ],
        )
        add_journal(c, 3, "outlook also misbehaves " + FILLER)
        add_known_error(
            c,
            1,
            "VPN tunnel drops after sleep",
            "the vpn client disconnects",
            "Restart the VPN service, then reconnect",
        )
        add_known_error(
            c,
            2,
            "Outlook crashes with add-in X",
            "outlook crashes at startup",
            "Start Outlook with /safe and disable add-in X",
        )
    return engine


@pytest.fixture
def conn(engine_with_data: Engine) -> Iterator[Connection]:
    with engine_with_data.connect() as c:
        yield c


def ids(hits: list) -> list[int]:  # type: ignore[type-arg]
    return [h.id for h in hits]


def test_terms_make_safe_queries() -> None:
    assert terms('"foo" OR (bar*') == ["foo", "bar"]
    assert terms("NEAR(a b) AND c:d ^e -f") == ["b", "c", "d", "e", "f"]  # 'a' is a stop word
    assert terms("Crash crash CRASH") == ["crash"]
    assert terms("") == terms("   ") == terms("*:^()\"'-") == terms("the and of") == []
    assert terms("snake_case v1.2 Größe") == ["snake", "case", "v1", "2", "größe"]
    assert len(terms(" ".join(f"w{i}" for i in range(100)))) == 16
    assert fts5_query(["a", "b"]) == '"a" "b"'
    assert fts5_query(["a", "b"], "any") == '"a" OR "b"'
    assert tsquery_text(["a", "b"], "any") == "a or b"
    assert matching_ids_clause("sqlite", "?!") is None
    with pytest.raises(ValueError, match="mode"):
        matching_ids_clause("sqlite", "x", mode="some")  # type: ignore[arg-type]


def test_title_match_beats_description_beats_journal(conn: Connection) -> None:
    hits = search_incidents(conn, "outlook")
    assert ids(hits) == [1, 2, 3]
    assert hits[0].rank > hits[1].rank > hits[2].rank
    assert all(h.kind == "incident" for h in hits)
    assert hits[0].number == "INC0000001" and hits[0].title == "Outlook crash at startup"
    assert hits[0].state == "new"
    assert SNIPPET_START in hits[0].snippet and SNIPPET_END in hits[0].snippet
    assert "outlook" in hits[0].snippet.lower()


def test_stemming(conn: Connection) -> None:
    assert ids(search_incidents(conn, "crashes")) == [1]
    assert ids(search_incidents(conn, "disconnected")) == [4]
    assert ids(search_incidents(conn, "flickering monitors")) == [5]


def test_all_words_by_default_any_word_on_request(conn: Connection) -> None:
    assert ids(search_incidents(conn, "outlook crash")) == [1]
    assert set(ids(search_incidents(conn, "outlook jam", mode="any"))) == {1, 2, 3}
    assert search_incidents(conn, "outlook flickers") == []


@pytest.mark.parametrize(
    "query",
    [
        '"foo" OR (bar*',
        "outlook)",
        '"outlook',
        "NEAR(outlook crash, 2)",
        "outlook AND NOT crash",
        "col:outlook ^crash -jam +x",
        "'; DROP TABLE incidents; --",
        "outlook\x00crash",
        "!!! *** ???",
        "",
        "   ",
        "the of and",
        "é" * 500,
    ],
)
def test_hostile_input_never_errors(conn: Connection, query: str) -> None:
    for mode in ("all", "any"):
        hits = search_incidents(conn, query, mode=mode)  # type: ignore[arg-type]
        assert isinstance(hits, list)
    search_known_errors(conn, query)
    similar(conn, query)
    assert conn.execute(text("SELECT count(*) FROM incidents")).scalar_one() == 8


def test_empty_input_gives_nothing(conn: Connection) -> None:
    assert search_incidents(conn, "") == []
    assert search_incidents(conn, "(*)") == []
    assert search_known_errors(conn, "  ") == []
    assert similar(conn, "") == []
    assert search_incidents(conn, "outlook", limit=0) == []


def test_journal_is_searchable_after_insert(engine_with_data: Engine) -> None:
    with engine_with_data.connect() as c:
        assert search_incidents(c, "zeppelin") == []
    with engine_with_data.begin() as c:
        add_journal(c, 5, "replaced the zeppelin adapter")
        add_journal(c, 5, "and the gyroscope")
    with engine_with_data.connect() as c:
        assert ids(search_incidents(c, "zeppelin")) == [5]
        assert ids(search_incidents(c, "gyroscope zeppelin")) == [5]
        assert ids(search_incidents(c, "flickers")) == [5]  # title still there


def test_title_update_is_searchable(engine_with_data: Engine) -> None:
    with engine_with_data.begin() as c:
        c.execute(text("UPDATE incidents SET title = 'Keyboard sticky keys' WHERE id = 8"))
    with engine_with_data.connect() as c:
        assert ids(search_incidents(c, "sticky")) == [8]
        assert search_incidents(c, "badge") == []


def test_filters_and_limit(conn: Connection) -> None:
    assert ids(search_incidents(conn, "outlook", exclude_id=1)) == [2, 3]
    assert ids(search_incidents(conn, "outlook", limit=2)) == [1, 2]
    assert ids(search_incidents(conn, "vpn")) == [4]
    assert search_incidents(conn, "vpn", active_only=True) == []


def test_open_first_at_equal_rank(conn: Connection) -> None:
    hits = search_incidents(conn, "quasar flux")
    assert ids(hits) == [6, 7]  # 7 is closed
    assert hits[0].rank == pytest.approx(hits[1].rank)


def test_known_errors(conn: Connection) -> None:
    hits = search_known_errors(conn, "vpn disconnects")
    assert [h.id for h in hits] == [1]
    hit = hits[0]
    assert hit.kind == "known_error"
    assert hit.workaround == "Restart the VPN service, then reconnect"
    assert hit.title == "VPN tunnel drops after sleep"
    assert hit.number.startswith("KE")
    assert ids(search_known_errors(conn, "outlook crash")) == [2]


def test_similar_returns_known_errors_then_incidents(conn: Connection) -> None:
    hits = similar(conn, "Outlook keeps crashing when it starts", limit=10)
    kinds = [h.kind for h in hits]
    assert kinds[0] == "known_error" and hits[0].id == 2
    assert "incident" in kinds
    assert kinds == sorted(kinds, key=lambda k: k != "known_error")  # known errors first
    incident_ids = [h.id for h in hits if h.kind == "incident"]
    assert incident_ids[0] == 1 and set(incident_ids) >= {1, 2, 3}
    # the incident being written is left out, closed ones are in
    assert 1 not in [
        h.id for h in similar(conn, "outlook crash", exclude_id=1) if h.kind == "incident"
    ]
    assert 4 in [h.id for h in similar(conn, "vpn tunnel") if h.kind == "incident"]
    assert len(similar(conn, "outlook crash vpn tunnel printer", limit=3)) == 3


def test_recent_window(conn: Connection) -> None:
    # ids 1..8: the three newest are 6, 7, 8
    assert ids(search_incidents(conn, "outlook", recent=3)) == []
    assert ids(search_incidents(conn, "quasar", recent=3)) == [6, 7]
    assert ids(search_incidents(conn, "outlook", recent=None)) == [1, 2, 3]
    assert [h.id for h in similar(conn, "outlook crash", recent=3) if h.kind == "incident"] == []
    assert [h.kind for h in similar(conn, "outlook crash", recent=3)] == ["known_error"]


def test_the_queue_search_matches_a_half_typed_last_word(conn) -> None:  # type: ignore[no-untyped-def]
    """What the search box sends while the agent types: the last word is a prefix, the
    others whole words; a finished word (text ending with a space) is a whole word."""
    from datetime import UTC, datetime

    from app.db.queue import count
    from app.domain.records import QueueFilter

    now = datetime.now(UTC)

    def n(text: str) -> int:
        return count(conn, QueueFilter(active_only=False, text=text), now)

    assert n("flux capacitor") == 2
    assert n("flux capac") == 2
    assert n("flux capac ") == 0  # a finished word that matches nothing
    assert n("quasar flu") == 2
    assert n("quasar fl") == 0  # too short to be a prefix
    # two letters are too short to be a prefix: they must match a whole word
    assert n("fl") == 0
