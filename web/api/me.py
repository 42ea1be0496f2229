from flask import g

from . import api


@api.get("/me")
def me():
    user = g.user
    return {"username": user.username, "role": user.role, "services": user.service_names}
