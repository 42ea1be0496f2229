"""The front door: what is running and how to reach it."""
from flask import Blueprint, render_template

home = Blueprint("home", __name__)


@home.get("/developers")
def index():
    return render_template("home.html")
