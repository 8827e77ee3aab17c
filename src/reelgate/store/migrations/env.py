"""Alembic environment: reelgate runs migrations programmatically on a connection it provides
(`reelgate db upgrade`, or the first start of an empty SQLite database); no alembic.ini."""

from alembic import context

from reelgate.store.schema import metadata

connection = context.config.attributes["connection"]
# Batch mode lets the same migrations alter tables on SQLite, which lacks most ALTER TABLE forms.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
