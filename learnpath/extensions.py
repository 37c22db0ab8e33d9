"""Flask extensions, created unbound so that models and blueprints can import them without the app."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names: Alembic needs them to alter or drop constraints (and SQLite batch mode).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])



def dialect_insert(target, dialect: str | None = None):
    """An INSERT that can carry ON CONFLICT DO UPDATE (an upsert) on both databases we run on."""
    if (dialect or db.session.get_bind().dialect.name) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(target)


def prepared(build):
    """Build a statement once per database dialect instead of once per call.

    On hot write paths, constructing a SQLAlchemy statement (and its cache key) costs more than
    running it; a prepared statement takes its values as bind parameters. `build` gets the
    dialect name ("sqlite" or "postgresql").
    """
    built: dict[str, object] = {}

    def statement():
        name = db.engine.dialect.name  # not db.session.get_bind(): that resolves bind keys, ~50 µs a call
        if name not in built:
            built[name] = build(name)
        return built[name]

    statement.__doc__ = build.__doc__
    return statement
