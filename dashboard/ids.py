"""Component ids of the app shell. Each page keeps its own ids in ``pages/<page>/ids.py``, prefixed
by the page's name (a test checks every id of the dashboard is unique)."""

APP_NAVBAR = "app-navbar"
APP_USER = "app-user"  # the signed-in user's name and role in the navbar
APP_SIGN_OUT = "app-sign-out"
