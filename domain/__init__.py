"""Pure business rules of the contact record: entities, value objects, commands, events.

Nothing in here performs I/O or imports the project's other layers; the database, the broker,
the clock and payment providers reach it through the protocols in :mod:`.ports`.
"""
