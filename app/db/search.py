"""Full-text search over incidents and known errors, one API for SQLite (FTS5) and PostgreSQL.

The user's text never reaches a query parser as typed: it is cut into words (letters and digits),
lower-cased, stripped of English stop words and of the FTS keywords (AND, OR, NOT, NEAR), and the
words are re-assembled as quoted FTS5 strings or a websearch query of plain words. So any input,
``"foo" OR (bar*`` included, is a safe query; input with no words gives no hits and no error.

``mode="all"`` (the search box) wants every word; ``mode="any"`` (similar incidents) wants any
word and ranks by how many match and where.

Ranking: SQLite ``bm25`` with column weights title 10, description 4, journal 1; PostgreSQL
``ts_rank_cd`` over the weighted document (title A = 1.0, description B = 0.4, journal C = 0.2).
``SearchHit.rank`` is "higher is better" on both (SQLite's bm25 is negated); ranks of the two
engines are not comparable with each other.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy import ColumnElement, bindparam, column, func, literal_column, select, table
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection

from app.domain.records import SearchHit
from app.models import Base

__all__ = [
    "MAX_TERMS",
    "SIMILAR_RECENT",
    "SNIPPET_END",
    "SNIPPET_START",
    "Mode",
    "fts5_query",
    "matching_ids_clause",
    "search_incidents",
    "search_known_errors",
    "similar",
    "terms",
    "tsquery_text",
]

Mode = Literal["all", "any"]

MAX_TERMS = 16  # a pasted description searches by its first 16 distinct words
MAX_TERM_LEN = 60
SNIPPET_START = "«"  # marks a matching word in SearchHit.snippet
SNIPPET_END = "»"
_SNIPPET_WORDS = 12

_WORD = re.compile(r"[^\W_]+")
_KEYWORDS = frozenset({"and", "or", "not", "near"})
# PostgreSQL's English stop words (the snowball list), so both engines ignore the same words
_STOP_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the and
    but if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once here
    there when where why how all any both each few more most other some such no nor not only own
    same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def terms(text: str) -> list[str]:
    """The searchable words of `text`: lower-case, distinct, in order, at most MAX_TERMS."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word in _KEYWORDS or word in STOP_WORDS or len(word) > MAX_TERM_LEN:
            continue
        seen.setdefault(word, None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


MIN_PREFIX = 3  # a shorter half-typed word would match too much to be useful


def fts5_query(words: list[str], mode: Mode = "all", prefix_last: bool = False) -> str:
    """An FTS5 MATCH expression of quoted words ('"a" "b"' or '"a" OR "b"'); with
    `prefix_last` the last word also matches as a prefix ('"a" "outlo"*'), for typing."""
    glue = " OR " if mode == "any" else " "
    quoted = [f'"{w}"' for w in words]
    if prefix_last and len(words[-1]) >= MIN_PREFIX:
        quoted[-1] += "*"
    return glue.join(quoted)


def tsquery_prefix(words: list[str]) -> str:
    """Input for to_tsquery: every word, the last one also as a prefix ('a & outlo:*').
    Safe: `terms` keeps letters and digits only."""
    parts = list(words)
    if len(parts[-1]) >= MIN_PREFIX:
        parts[-1] += ":*"
    return " & ".join(parts)


def tsquery_text(words: list[str], mode: Mode = "all") -> str:
    """Input for websearch_to_tsquery: plain words, joined by ' or ' for mode="any"."""
    return (" or " if mode == "any" else " ").join(words)


def _check_mode(mode: str) -> None:
    if mode not in ("all", "any"):
        raise ValueError(f"search mode must be 'all' or 'any', not {mode!r}")


# lightweight handles on the per-engine search objects (not in the models' metadata)
_incident_fts = table("incident_fts", column("rowid"))
_incident_search = table("incident_search", column("incident_id"), column("doc"))
_incidents_id = Base.metadata.tables["incidents"].c.id


def matching_ids_clause(
    dialect_name: str,
    text: str,
    mode: Mode = "all",
    id_column: Any = None,
    *,
    prefix_last: bool = False,
) -> ColumnElement[bool] | None:
    """``incidents.id IN (ids whose document matches text)``; None when text has no words
    (the caller then does not narrow by text). With `prefix_last` (mode "all"), the last word
    matches as a prefix too: what a search box needs while the word is being typed."""
    _check_mode(mode)
    words = terms(text)
    if not words:
        return None
    target = _incidents_id if id_column is None else id_column
    if dialect_name == "sqlite":
        expr = fts5_query(words, mode, prefix_last and mode == "all")
        match = literal_column("incident_fts").op("MATCH")(bindparam(None, expr))
        return target.in_(select(_incident_fts.c.rowid).where(match))
    if dialect_name == "postgresql":
        query: ColumnElement[Any]
        if prefix_last and mode == "all":
            query = func.to_tsquery(
                literal_column("'english'::regconfig"), bindparam(None, tsquery_prefix(words))
            )
        else:
            query = _websearch(bindparam(None, tsquery_text(words, mode)))
        ids = select(_incident_search.c.incident_id).where(_incident_search.c.doc.op("@@")(query))
        return target.in_(ids)
    raise ValueError(f"no full-text search for {dialect_name!r}")


def _websearch(arg: Any) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(literal_column("'english'::regconfig"), arg)


# --- incidents -------------------------------------------------------------------------------

# Rank the matches on the search table alone, then join the top `limit` to incidents and cut
# snippets for those only (FTS5 snippet / ts_headline are the expensive part per row).
_SQLITE_INCIDENTS = """
SELECT i.id, i.number, i.title, i.state, hit.score,
    (SELECT snippet(incident_fts, -1, :s0, :s1, '…', :words) FROM incident_fts
     WHERE incident_fts MATCH :q AND incident_fts.rowid = hit.id) AS snip
FROM (
    SELECT incident_fts.rowid AS id, -bm25(incident_fts, 10.0, 4.0, 1.0) AS score
    FROM incident_fts {join}
    WHERE incident_fts MATCH :q {where}
    ORDER BY score DESC, incident_fts.rowid DESC
    LIMIT :limit
) AS hit JOIN incidents i ON i.id = hit.id
ORDER BY hit.score DESC, i.active DESC, i.id DESC
"""

_PG_INCIDENTS = """
WITH q AS (SELECT websearch_to_tsquery('english', :q) AS q)
SELECT i.id, i.number, i.title, i.state, hit.score,
    ts_headline('english',
        i.title || ' — ' || i.description || ' ' || coalesce(
            (SELECT string_agg(j.body, ' ' ORDER BY j.id) FROM journal j
             WHERE j.incident_id = i.id), ''),
        q.q, :headline) AS snip
FROM (
    SELECT s.incident_id AS id, {rank}(s.doc, q.q) AS score
    FROM incident_search s {join}, q
    WHERE s.doc @@ q.q {where}
    ORDER BY score DESC, s.incident_id DESC
    LIMIT :limit
) AS hit JOIN incidents i ON i.id = hit.id, q
ORDER BY hit.score DESC, i.active DESC, i.id DESC
"""

_HEADLINE = (
    f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords={_SNIPPET_WORDS + 6}, "
    "MinWords=6, MaxFragments=1, FragmentDelimiter=…"
)


def search_incidents(
    conn: Connection,
    text: str,
    limit: int = 50,
    *,
    active_only: bool = False,
    exclude_id: int | None = None,
    mode: Mode = "all",
    recent: int | None = None,
) -> list[SearchHit]:
    """Incidents matching `text`, best first (open before closed at equal rank).

    `recent`: look only at the `recent` newest incidents (by number), which bounds the cost of
    a ``mode="any"`` search whose words match a good part of a big table."""
    _check_mode(mode)
    words = terms(text)
    if not words or limit <= 0:
        return []
    params: dict[str, Any] = {"limit": limit}
    name = conn.dialect.name
    if name == "sqlite":
        # CROSS JOIN: SQLite keeps the full-text match as the outer loop
        sql, id_col, join_, true_ = _SQLITE_INCIDENTS, "incident_fts.rowid", "CROSS JOIN", "1"
        params |= {"q": fts5_query(words, mode), "s0": SNIPPET_START, "s1": SNIPPET_END}
        params["words"] = _SNIPPET_WORDS
        rank = ""
    elif name == "postgresql":
        sql, id_col, join_, true_ = _PG_INCIDENTS, "s.incident_id", "JOIN", "true"
        params |= {"q": tsquery_text(words, mode), "headline": _HEADLINE}
        # cover density means little for "any of these words" and costs 3x as much there
        rank = "ts_rank_cd" if mode == "all" else "ts_rank"
    else:
        raise ValueError(f"no full-text search for {name!r}")
    join, where = "", []
    if active_only:
        join = f"{join_} incidents a ON a.id = {id_col} AND a.active = {true_}"
    if exclude_id is not None:
        where.append(f"AND {id_col} <> :exclude_id")
        params["exclude_id"] = exclude_id
    if recent is not None:
        top = conn.execute(sql_text("SELECT max(id) FROM incidents")).scalar()
        where.append(f"AND {id_col} > :min_id")
        params["min_id"] = int(top or 0) - max(0, recent)
    sql = sql.format(join=join, where=" ".join(where), rank=rank)
    return [
        SearchHit("incident", r[0], r[1], r[2], r[3], float(r[4]), _clean(r[5]))
        for r in conn.execute(sql_text(sql), params)
    ]


# --- known errors ----------------------------------------------------------------------------

_SQLITE_KNOWN = """
SELECT hit.id, hit.title, hit.workaround, hit.score,
    (SELECT snippet(known_error_fts, -1, :s0, :s1, '…', :words) FROM known_error_fts
     WHERE known_error_fts MATCH :q AND known_error_fts.rowid = hit.id) AS snip
FROM (
    SELECT k.id AS id, k.title AS title, k.workaround AS workaround,
        -bm25(known_error_fts, 10.0, 4.0, 2.0) AS score
    FROM known_error_fts JOIN known_errors k ON k.id = known_error_fts.rowid
    WHERE known_error_fts MATCH :q AND k.active = 1
    ORDER BY score DESC, k.id DESC
    LIMIT :limit
) AS hit
ORDER BY hit.score DESC, hit.id DESC
"""

_PG_KNOWN = """
WITH q AS (SELECT websearch_to_tsquery('english', :q) AS q)
SELECT hit.id, hit.title, hit.workaround, hit.score,
    ts_headline('english', hit.symptom || ' ' || hit.workaround, q.q, :headline) AS snip
FROM (
    SELECT k.id, k.title, k.symptom, k.workaround, ts_rank_cd(k.doc, q.q) AS score
    FROM known_errors k, q
    WHERE k.doc @@ q.q AND k.active
    ORDER BY score DESC, k.id DESC
    LIMIT :limit
) AS hit, q
ORDER BY hit.score DESC, hit.id DESC
"""


def known_error_number(ke_id: int) -> str:
    return f"KE{ke_id:07d}"


def search_known_errors(
    conn: Connection, text: str, limit: int = 10, *, mode: Mode = "all"
) -> list[SearchHit]:
    """Active known errors matching `text`, best first, with their workaround."""
    _check_mode(mode)
    words = terms(text)
    if not words or limit <= 0:
        return []
    params: dict[str, Any] = {"limit": limit}
    name = conn.dialect.name
    if name == "sqlite":
        sql = _SQLITE_KNOWN
        params |= {"q": fts5_query(words, mode), "s0": SNIPPET_START, "s1": SNIPPET_END}
        params["words"] = _SNIPPET_WORDS
    elif name == "postgresql":
        sql = _PG_KNOWN
        params |= {"q": tsquery_text(words, mode), "headline": _HEADLINE}
    else:
        raise ValueError(f"no full-text search for {name!r}")
    return [
        SearchHit(
            "known_error",
            r[0],
            known_error_number(r[0]),
            r[1],
            None,
            float(r[3]),
            _clean(r[4]),
            workaround=r[2],
        )
        for r in conn.execute(sql_text(sql), params)
    ]


SIMILAR_RECENT = 50_000


def similar(
    conn: Connection,
    text: str,
    limit: int = 10,
    exclude_id: int | None = None,
    *,
    recent: int | None = SIMILAR_RECENT,
) -> list[SearchHit]:
    """For the new-incident side panel: known errors first, then incidents of any state (open
    first at equal rank), both matching any word of `text`, ranked by how many match and where.

    At most `limit` hits: known errors take up to a third of them (at least one), incidents the
    rest, and either fills what the other leaves empty. Incidents are looked for among the
    `recent` newest ones (None: all), so the panel stays fast on a big desk; known errors
    (the lasting knowledge) are all searched."""
    if limit <= 0 or not terms(text):
        return []
    kes = search_known_errors(conn, text, limit, mode="any")
    incs = search_incidents(conn, text, limit, exclude_id=exclude_id, mode="any", recent=recent)
    ke_share = max(1, limit // 3)
    n_ke = min(len(kes), max(ke_share, limit - len(incs)))
    return (kes[:n_ke] + incs)[:limit]


def _clean(snippet: Any) -> str:
    if not snippet:
        return ""
    return " ".join(str(snippet).split())


# -- the search documents of many new incidents at once (imports) ------------------------------
# SQLite's triggers (migration 0001) keep one FTS5 document per incident: the incident's insert
# writes its title and description, each journal entry's insert appends its body (FTS5 deletes
# and rewrites the document for that). A writer of many new incidents and their journals takes
# them out of the way inside its transaction (its write lock keeps every other writer out, and
# DDL is transactional: a rollback puts them back) and writes each document once, as the
# triggers would have left it. Only when they are the schema's own, compared as text: a changed
# trigger stays, and does its work.

SQLITE_FTS_TRIGGERS = {
    "incidents_fts_insert": """CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN
        INSERT INTO incident_fts(rowid, title, description, journal)
        VALUES (new.id, new.title, new.description, '');
    END""",
    "journal_fts_insert": """CREATE TRIGGER journal_fts_insert AFTER INSERT ON journal BEGIN
        UPDATE incident_fts SET journal = journal || ' ' || new.body WHERE rowid = new.incident_id;
    END""",
}


def same_sql(a: str | None, b: str) -> bool:
    """Whether two SQL texts are the same but for spacing."""
    return a is not None and a.split() == b.split()


def suspend_sqlite_fts(conn: Connection) -> list[str] | None:
    """Drop the incidents' and journal's FTS triggers in the caller's transaction; their SQL
    (for `resume_sqlite_fts`), or None when they are not the schema's own (nothing dropped)."""
    found: dict[str, str] = {
        str(name): str(sql)
        for name, sql in conn.execute(
            sql_text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name IN ('incidents_fts_insert', 'journal_fts_insert')"
            )
        )
    }
    if set(found) != set(SQLITE_FTS_TRIGGERS) or not all(
        same_sql(found[name], sql) for name, sql in SQLITE_FTS_TRIGGERS.items()
    ):
        return None
    for name in SQLITE_FTS_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    return [found[name] for name in SQLITE_FTS_TRIGGERS]


def resume_sqlite_fts(
    conn: Connection, triggers: list[str], documents: list[tuple[int, str, str, str]]
) -> None:
    """Write the documents of the incidents inserted meanwhile, (id, title, description,
    journal) with the journal as the triggers build it (" " before each body, in order), in
    one statement, and put the triggers back as they were."""
    if documents:
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS fts_documents "
            "(id INTEGER PRIMARY KEY, title TEXT, description TEXT, journal TEXT)"
        )
        conn.exec_driver_sql("DELETE FROM temp.fts_documents")
        conn.exec_driver_sql("INSERT INTO temp.fts_documents VALUES (?, ?, ?, ?)", documents)
        # one statement: FTS5 flushes its pending terms once, not at every row
        conn.exec_driver_sql(
            "INSERT INTO incident_fts (rowid, title, description, journal) "
            "SELECT id, title, description, journal FROM temp.fts_documents ORDER BY id"
        )
        conn.exec_driver_sql("DELETE FROM temp.fts_documents")
    for sql in triggers:
        conn.exec_driver_sql(sql)


# PostgreSQL's (migration 0001): the incident's insert writes its document (title A,
# description B), each journal entry's insert appends its body (C) to it, a new version of the
# row and of its index entries each time. Without DDL (which would lock the tables against
# every other writer): the writer removes the documents the incidents' inserts just wrote,
# inserts the journal (whose trigger then finds no document to append to), and writes each
# document once with the triggers' own expressions, in their order. Only when the functions
# are the schema's own, compared as text.

PG_SEARCH_FUNCTIONS = {
    "incident_search_refresh": """
    BEGIN
        INSERT INTO incident_search (incident_id, doc) VALUES (NEW.id,
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B'))
        ON CONFLICT (incident_id) DO UPDATE SET doc =
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B') ||
            coalesce((SELECT setweight(to_tsvector('english', string_agg(j.body, ' ')), 'C')
                      FROM journal j WHERE j.incident_id = NEW.id), ''::tsvector);
        RETURN NEW;
    END """,
    "journal_search_append": """
    BEGIN
        UPDATE incident_search SET doc = doc || setweight(to_tsvector('english', NEW.body), 'C')
        WHERE incident_id = NEW.incident_id;
        RETURN NEW;
    END """,
}


def pg_search_is_the_schemas(conn: Connection) -> bool:
    """Whether PostgreSQL's search functions are the ones `write_pg_documents` mirrors."""
    found = {
        str(name): str(src)
        for name, src in conn.execute(
            sql_text("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(:names)"),
            {"names": list(PG_SEARCH_FUNCTIONS)},
        )
    }
    return set(found) == set(PG_SEARCH_FUNCTIONS) and all(
        same_sql(found[name], src) for name, src in PG_SEARCH_FUNCTIONS.items()
    )


def forget_pg_documents(conn: Connection, incident_ids: list[int]) -> None:
    """Remove the documents the new incidents' inserts wrote (`write_pg_documents` writes
    them whole once their journal is in)."""
    conn.execute(
        sql_text("DELETE FROM incident_search WHERE incident_id = ANY(:ids)"), {"ids": incident_ids}
    )


def write_pg_documents(conn: Connection, journals: dict[int, list[str]]) -> None:
    """The documents of new incidents (by id, with their journal's bodies in order) as the
    triggers leave them: title (A) || description (B) || each body (C) in turn. One statement
    per number of bodies."""
    by_count: dict[int, list[tuple[int, list[str]]]] = {}
    for incident_id, bodies in journals.items():
        by_count.setdefault(len(bodies), []).append((incident_id, bodies))
    for count, docs in by_count.items():
        parts = "".join(f" || setweight(to_tsvector('english', d.b{k}), 'C')" for k in range(count))
        columns = ", ".join(["id", *(f"b{k}" for k in range(count))])
        arrays = ", ".join(
            ["CAST(:ids AS integer[])", *(f"CAST(:b{k} AS text[])" for k in range(count))]
        )
        casts: dict[str, list[Any]] = {"ids": [i for i, _ in docs]}
        for k in range(count):
            casts[f"b{k}"] = [bodies[k] for _, bodies in docs]
        conn.execute(
            sql_text(
                "INSERT INTO incident_search (incident_id, doc) "
                "SELECT i.id, setweight(to_tsvector('english', coalesce(i.title, '')), 'A') || "
                f"setweight(to_tsvector('english', coalesce(i.description, '')), 'B'){parts} "
                f"FROM unnest({arrays}) AS d({columns}) JOIN incidents i ON i.id = d.id"
            ),
            casts,
        )
