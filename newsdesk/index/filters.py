"""The one filter rule: what `Filters` keep, said once and spoken in each store's dialect.

A search filters chunks in Chroma (by each chunk's metadata) and in the catalog (by its
article's columns), and `Index.stats` counts the articles a search covers. Every restriction
is a `Clause` on a field that is both an article column and a chunk metadata key (written by
`filterable`), so the Chroma `where` and the SQL condition are generated from the same clauses
and cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from newsdesk.articles import published_timestamp

Field = Literal["published_ts", "source", "lang"]
Operator = Literal[">=", "<=", "="]

_CHROMA_OPERATORS: dict[Operator, str] = {">=": "$gte", "<=": "$lte", "=": "$eq"}


@dataclass(frozen=True, slots=True)
class Clause:
    """One restriction: `field operator value`. A chunk without the field (an undated one,
    for a date bound) is never kept, in either store."""

    field: Field
    operator: Operator
    value: float | str


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on what a search may return. Timestamps are seconds since the epoch."""

    since: float | None = None
    until: float | None = None
    source: str | None = None
    lang: str | None = None

    def clauses(self) -> tuple[Clause, ...]:
        """The restrictions in force; an empty source or language restricts nothing."""
        given: list[tuple[Field, Operator, float | str | None]] = [
            ("published_ts", ">=", self.since),
            ("published_ts", "<=", self.until),
            ("source", "=", self.source or None),
            ("lang", "=", self.lang or None),
        ]
        return tuple(Clause(f, op, value) for f, op, value in given if value is not None)

    def is_empty(self) -> bool:
        return not self.clauses()


class Described(Protocol):
    """What filters look at in an article (an `Article` or a stored `ArticleRecord`)."""

    @property
    def source(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def published(self) -> str | None: ...


def filterable(article: Described) -> dict[str, float | str]:
    """The fields filters look at, as a chunk's Chroma metadata carries them (and the catalog's
    article columns hold them); an unknown date is left out."""
    values: dict[str, float | str] = {"lang": article.lang or "", "source": article.source or ""}
    timestamp = published_timestamp(article.published)
    if timestamp is not None:
        values["published_ts"] = timestamp
    return values


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The filters as a Chroma `where` over chunk metadata (None when nothing is restricted)."""
    clauses: list[dict[str, Any]] = [
        {c.field: {_CHROMA_OPERATORS[c.operator]: c.value}} for c in filters.clauses()
    ]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def sql_where(filters: Filters, table: str = "a") -> tuple[str, list[float | str]]:
    """The filters as ` AND <table>.<field> <op> ?` conditions over the articles table, with
    their parameters ("" when nothing is restricted)."""
    clauses = filters.clauses()
    where = "".join(f" AND {table}.{c.field} {c.operator} ?" for c in clauses)
    return where, [c.value for c in clauses]
