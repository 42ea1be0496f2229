"""Flask extensions, created unbound and bound to the app in create_app()."""
from flask_sqlalchemy import SQLAlchemy

from engine.core.db import Base

# The models live in engine/ on their own declarative base (no Flask there); Flask-SQLAlchemy
# shares its metadata and provides the app-scoped session and engine.
db = SQLAlchemy(metadata=Base.metadata, session_options={"expire_on_commit": False})
