"""Storage: sqlmodel tables, the async engine, repositories, the unit of work, migrations."""
