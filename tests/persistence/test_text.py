"""SQL's ``lower`` and the name collation answer the same on SQLite as on PostgreSQL."""

from __future__ import annotations

import sys

from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from persistence.text import fold, name_order

CASED = "".join(
    c
    for c in map(chr, range(1, sys.maxunicode + 1))
    if not 0xD800 <= ord(c) <= 0xDFFF and (c.lower() != c or c.upper() != c)
)
"""Every letter that has another case, in code point order."""

ALPHABETICAL = [
    "Adams", "Ågren", "ångström", "Baker", "Çelik", "Czerny", "Dvořák", "Éclair", "Eder",
    "İlker", "Ilse", "Łukasz", "Lund", "Mueller", "Müller", "Ñandú", "Nuñez", "O'Brien",
    "Obrien", "Øster", "Oz", "Öztürk", "Strasse", "Straße", "van der Berg", "Zimmer", "Þór",
    "Σωκράτης", "Иванов",
]  # fmt: skip
"""As PostgreSQL orders them by ``lower(name) COLLATE "und-x-icu"``; by code point, every
name with an accented first letter would follow "Zimmer"."""


async def test_lower_folds_every_cased_letter_as_postgresql_does(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        lowered = (await conn.execute(select(func.lower(literal(CASED, String))))).scalar_one()
        assert (await conn.execute(select(func.lower(None)))).scalar_one() is None
    differing = [(c, lowered[i], fold(c)) for i, c in enumerate(CASED) if lowered[i] != fold(c)]
    assert len(lowered) == len(CASED)
    assert differing == []
    assert fold("İSTANBUL ΟΔΟΣ ÅNGSTRÖM") == "istanbul οδοσ ångström"  # not "i̇stanbul οδος"


async def test_names_sort_in_the_root_collation(engine: AsyncEngine) -> None:
    names = union_all(
        *(select(literal(n, String).label("name")) for n in reversed(ALPHABETICAL))
    ).subquery()
    stmt = select(names.c.name).order_by(name_order(names.c.name))
    async with engine.connect() as conn:
        assert list((await conn.execute(stmt)).scalars()) == ALPHABETICAL
        # the cursor comparison uses the same order: everything after "Éclair"
        after = stmt.where(name_order(names.c.name) > "éclair")
        assert list((await conn.execute(after)).scalars()) == ALPHABETICAL[8:]
