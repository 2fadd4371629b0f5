"""The new-incident side panel's order: by relevance across incidents and known errors, with a
score a user can read, and incidents of one title grouped ("6 incidents like this")."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.records import SearchHit
from app.domain.wording import plural

_OPEN = frozenset({"new", "in_progress", "on_hold"})
WORKAROUND_SHOWN = 110  # characters of a workaround shown before the entry is selected


@dataclass(frozen=True)
class SimilarEntry:
    hits: tuple[SearchHit, ...]  # the first is the one Alt+N links or applies
    score: int  # 0..100: this entry's best match against the best of the list

    @property
    def first(self) -> SearchHit:
        return self.hits[0]

    @property
    def known_error(self) -> bool:
        return self.first.kind == "known_error"

    def heading(self) -> str:
        """'92% · Known error: ...', '100% · INC0000042 · closed', '100% · 6 incidents like this'."""
        h = self.first
        if self.known_error:
            return f"{self.score}% · Known error: {h.title}"
        if len(self.hits) == 1:
            return f"{self.score}% · {h.number} · {(h.state or '').replace('_', ' ')}"
        open_n = sum(1 for x in self.hits if x.state in _OPEN)
        closed_n = len(self.hits) - open_n
        states = ", ".join(
            p
            for p in (f"{open_n} open" if open_n else "", f"{closed_n} closed" if closed_n else "")
            if p
        )
        return f"{self.score}% · {plural(len(self.hits), 'incident')} like this ({states})"

    def body(self, *, expanded: bool) -> str:
        h = self.first
        if self.known_error:
            text = " ".join((h.workaround or "").split())
            if not expanded and len(text) > WORKAROUND_SHOWN:
                text = text[: WORKAROUND_SHOWN - 1].rstrip() + "… (select to read it all)"
            return f"Workaround: {text}"
        if len(self.hits) == 1:
            return h.title
        numbers = ", ".join(x.number for x in self.hits[:4]) + (", …" if len(self.hits) > 4 else "")
        return f"{h.title}\n{numbers}"


def rank_similar(hits: list[SearchHit], limit: int = 9) -> list[SimilarEntry]:
    """Entries best first by rank, whatever their kind; incidents with the same title are one
    entry (an open one first, as the parent to link); the score is a share of the best rank."""
    if not hits:
        return []
    groups: dict[tuple[str, object], list[SearchHit]] = {}
    for h in hits:
        key: tuple[str, object] = (
            ("known_error", h.id)
            if h.kind == "known_error"
            else ("incident", " ".join(h.title.lower().split()))
        )
        groups.setdefault(key, []).append(h)
    best = max(h.rank for h in hits)
    entries = []
    for members in groups.values():
        members.sort(key=lambda x: (x.state not in _OPEN, -x.rank))
        top = max(x.rank for x in members)
        score = round(100 * top / best) if best > 0 else 100
        entries.append(SimilarEntry(tuple(members), max(0, min(100, score))))
    entries.sort(key=lambda e: -max(x.rank for x in e.hits))
    return entries[:limit]
