"""Compiled reads: a validated query over the record graph, answered by one SQL statement
per root field that returns the response's JSON (docs/compiled-reads.md).

:class:`Planner` walks the operation with the schema, collecting fields exactly as
graphql-core's executor does (``collect_fields`` / ``collect_subfields``: aliases, inline
and named fragments, ``@include`` / ``@skip``, the order of the response keys), and builds a
tree of :mod:`persistence.compiled.shapes` members from the catalog
(:mod:`persistence.compiled.catalog`), or raises :class:`NotCompilable`. Plans are kept per
(operation, boolean variables) -- the only variables that change a plan's shape are those of
``@include`` / ``@skip``; the others are read when the plan runs.

:class:`CompiledRoots` is the executor's hook: when every root field of a query compiles,
each root field's statement runs on one connection, and its JSON text becomes the field's
value as an ``orjson.Fragment``, spliced into the response bytes by the view's
``orjson.dumps`` with no per-value Python work. Everything else about the request (the
guards, the cost report in ``extensions``, masking, metrics) is what the executor's path
does, since only the execution of the root fields is replaced. Anything that does not
compile -- a field outside the catalog, an argument the resolver would refuse, a forged
cursor, too many representations -- runs the whole operation through the executor, which
answers (and errs) as it always has.

A contact's field outside the catalog is a :class:`~persistence.compiled.shapes.Hole`: the
statement puts the contact's id there, and :meth:`CompiledRoots._fill` runs the executor's
own ``execute_fields`` for the holes of every contact at their paths (and for root fields
that do not compile), so resolvers, dataloaders, errors and their paths are the executor's.

``CONTACT_GRAPH_COMPILED_READS=verify`` runs both paths, serves the executor's answer and
logs :class:`CompiledReadMismatch` when the bytes differ.
"""
