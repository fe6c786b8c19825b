"""Jobs are seen by their creator and by admins only; nobody writes them through the API."""
from sqlalchemy import false

from app.policies import READ, Policy


class JobPolicy(Policy):
    def scope(self, caller, resource):
        if caller.admin:
            return None
        if caller.anonymous:
            return false()
        return resource.table.c.creator_id == caller.user_id

    def actions(self, caller, obj):
        return READ
