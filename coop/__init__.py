"""Buurtcoop: membership and governance for neighbourhood cooperatives."""

from __future__ import annotations

import os

from flask import Flask

from config import CONFIGS, INSTANCE, ROOT


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    config_class = CONFIGS[config_name or os.environ.get("COOP_CONFIG", "development")]
    if hasattr(config_class, "check_environment"):
        config_class.check_environment()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)

    from coop.core import web
    from coop.db import include_object, lazy_column_descriptions, ping_idle_connections
    from coop.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
            lazy_column_descriptions(engine)
            web.configure_sqlite(engine)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        include_object=include_object,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale)
    limiter.init_app(app)
    app_wide = app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")
    if not app_wide and limiter._check_request_limit in app.before_request_funcs.get(None, []):
        # Only decorated views have limits (log-in, mail requests), checked by their
        # decorators; without app-wide limits the extension's check before every request
        # finds nothing, at about 4% of the CPU of a vote.
        app.before_request_funcs[None].remove(limiter._check_request_limit)
    web.init_app(app)

    from coop.accounts.views import bp as accounts_bp
    from coop.assemblies.views import bp as assemblies_bp
    from coop.core.views import bp as core_bp
    from coop.knowledge.views import bp as knowledge_bp
    from coop.members.views import bp as members_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(assemblies_bp)
    app.register_blueprint(knowledge_bp)

    from coop.capital.views import bp as capital_bp
    from coop.contributions.views import bp as contributions_bp
    from coop.payments.views import bp as payments_bp
    from coop.statutes.views import bp as statutes_bp

    app.register_blueprint(capital_bp)
    app.register_blueprint(contributions_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(statutes_bp)

    web.register_error_pages(app)

    from coop.cli import register_cli

    register_cli(app)
    return app
