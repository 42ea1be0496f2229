"""Pages: audit (being built)."""
from flask import Blueprint

audit = Blueprint("audit", __name__)
