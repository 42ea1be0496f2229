"""Pages: evidence (being built)."""
from flask import Blueprint

evidence = Blueprint("evidence", __name__)
