"""Who may call an endpoint: someone with a role, and a token whose scopes cover the call.

The services check each action's own permission; a token's scopes narrow what
its owner may do through it (a read token never writes, whatever its owner may).
"""

from rest_framework import permissions

from factcheck.models import ApiScope, ApiToken


class HasRoleAndScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not (user.is_superuser or user.groups.exists()):
            self.message = "Your account has no role yet: ask an administrator to give you one."
            return False
        token = request.auth
        if isinstance(token, ApiToken):
            if request.method in permissions.SAFE_METHODS:
                needed = ApiScope.READ
            else:
                needed = getattr(view, "required_scope", None) or ApiScope.WRITE
            if not token.allows(needed):
                self.message = (
                    f"The token {token.prefix}… may not do this: it needs the “{needed}” scope."
                )
                return False
        # Refused before the body is read, as the pages refuse: the service checks it again.
        permission = getattr(view, "permissions", {}).get(request.method)
        if permission and not user.has_perm(f"factcheck.{permission}"):
            self.message = "You do not have permission to do this."
            return False
        return True
