"""Who may do what on the dashboard: sign-in, sessions and roles.

Pages use ``requires(ROLE, body)`` where they register a callback or download that needs more
than viewing, and ``may(ROLE)`` to hide controls a user cannot use (``roles``). ``create_app``
installs the sign-in pages (``login``) and the central check every request passes (``gate``).
"""

from dashboard.access.roles import (
    ADMIN,
    ANALYST,
    CAMPAIGN_OWNER,
    ROLES,
    VIEWER,
    current_role,
    current_user_name,
    may,
    required_role,
    requires,
    visible_to,
)

__all__ = ["ADMIN", "ANALYST", "CAMPAIGN_OWNER", "ROLES", "VIEWER", "current_role",
           "current_user_name", "may", "required_role", "requires", "visible_to"]
