"""Component ids of the Users page."""

USERS_TABLE = "users-table"
USERS_VERSION = "users-version"  # bumped after every change: the table re-reads the store
USERS_MESSAGE = "users-message"
USERS_NEW_NAME = "users-new-name"
USERS_NEW_ROLE = "users-new-role"
USERS_NEW_PASSWORD = "users-new-password"
USERS_ADD = "users-add"
USERS_PICK = "users-pick"
USERS_PICK_ROLE = "users-pick-role"
USERS_SET_ROLE = "users-set-role"
USERS_NEW_PASSWORD_FOR = "users-new-password-for"
USERS_REMOVE = "users-remove"
