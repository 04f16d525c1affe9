"""One module per schema revision, chained by ``down_revision``; see ../README.md."""

__all__: list[str] = []  # read by Alembic from its folder, not imported by name
