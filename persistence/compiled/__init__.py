"""Compiled reads: a selection over the record graph as one SQL statement per root field,
which returns the response's JSON text (docs/compiled-reads.md)."""
