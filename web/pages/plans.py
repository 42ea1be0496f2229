"""Pages: plans (being built)."""
from flask import Blueprint

plans = Blueprint("plans", __name__)
