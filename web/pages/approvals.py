"""Pages: approvals (being built)."""
from flask import Blueprint

approvals = Blueprint("approvals", __name__)
