"""CPU a worker spends on one primary-key read through SQLAlchemy Core, per database.

    .venv/bin/python bench/driver_cost.py sqlite:///instance/learnpath.sqlite3 postgresql://postgres@127.0.0.1:5432/DB

Both databases must hold the schema (`flask db upgrade`) and a user with id 1 is not needed (a miss costs the
same). The figure is time.process_time() per read over 3,000 reads on one autocommit connection: the client
side only (the PostgreSQL server's own CPU is another process's).
"""
import sys
import time

import sqlalchemy as sa

for url in sys.argv[1:]:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    query = sa.text('SELECT id, name FROM "user" WHERE id = :id')
    with engine.connect() as conn:
        for _ in range(300):
            conn.execute(query, {"id": 1}).first()
        start = time.process_time()
        for _ in range(3000):
            conn.execute(query, {"id": 1}).first()
        print(f"{engine.dialect.name}: {(time.process_time() - start) / 3000 * 1e6:.1f} µs CPU per read")
