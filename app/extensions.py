"""Extension singletons, bound to an app inside ``create_app``.

The AppBuilder is deliberately NOT here: FAB keeps per-app view state on it, so a module-level instance reused by
a second ``create_app()`` (every test fixture) yields an app with almost no routes. ``create_app`` builds a new one.
"""
from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
