"""Database migrations, applied in order by `python -m server.migrate`."""
