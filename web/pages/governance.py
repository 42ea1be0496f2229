"""Pages: governance (being built)."""
from flask import Blueprint

governance = Blueprint("governance", __name__)
