"""Users, for admins: who may sign in and with which role; add, change a role, give a new
password, remove. Every change goes through the command side and is audited."""

from dashboard.access import ADMIN
from dashboard.page import Page
from dashboard.pages.users import callbacks, layout

PAGE = Page(module=__name__, path="/users", name="Users", order=9, title="Users · Actionboard",
            layout=layout.layout, register_callbacks=callbacks.register_callbacks, role=ADMIN)
