"""Names vulture reports as unused that are used where it cannot look (read by tests/test_lint.py; never imported).

Reviewed 2026-12-05 (issue 13). Each group says who uses the names. Add a name here only when it is used by a
framework, a template, a string, or WeChat; otherwise the code is dead: delete it.
"""
# ruff: noqa: B018
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# Flask / werkzeug / requests settings assigned for the framework to read.
_.ensure_ascii                  # app.json, sim app.json
_.session_interface             # bot/__init__.py: no cookie session on the webhook
_.permanent_session_lifetime    # console/__init__.py
_.max_content_length            # console/__init__.py: upload limit
_.permanent                     # flask.session.permanent (console/auth.py, tests/conftest.py, bench)
_.trust_env                     # requests.Session (bot/transport.py, tests/test_ops_deploy.py)
_.encoding                      # requests.Response built by bot/transport.py
_._content                      # requests.Response body, same place
_.handle_http_exception         # flask_smorest Api override (console/errors.py)
_.ERROR_SCHEMA                  # flask_smorest Api setting (console/errors.py)

# Flask `g` / app attributes read by hooks in other modules.
_.push_arrived                  # g.push_arrived: bot/webhook.py → metrics
_.session_expired               # g.session_expired: console/auth.py → login page
_.metrics_started               # metrics.py
_._db_budget                    # bounds.py, read by its SQLAlchemy event hooks
_._redis_down                   # bounds.py

# wechatpy overrides: wechatpy calls these.
_.API_BASE_URL                  # bot/client.py
_.fetch_access_token            # bot/client.py

# expat parser callbacks (bot/messages.py: refuse entity declarations).
_.StartElementHandler
_.EndElementHandler
_.EntityDeclHandler

# prometheus_client custom collector (metrics.py).
_.collect

# marshmallow schema fields and validator messages (console/api.py, console/*_api.py, console/rest/schemas.py):
# declared for serialisation and the OpenAPI document.
_.message_min
_.message_max
_.message_all
_.message_equal
_.message_gt
_.message_gte
_.message_lt
_.message_lte
_.default_message
_.fields_
_.from_status
_.outcome_reason
_.best_entry
_.bigram
_.first_seen
_.resolved_by
_.locked_until
_.last_login_at
_.captions                      # /api/campaigns/<id>
_.sections                      # /api/campaigns/<id>
_.from_                         # /api/disposals ?from= (data_key)

# Flask-WTF form i18n (console/forms.py).
_.Meta
_.locales

# gunicorn reads these module-level names and hooks from gunicorn.conf.py.
_.worker_class
_.graceful_timeout
_.max_requests
_.max_requests_jitter
_.access_log_format
_.accesslog
_.errorlog
_.logger_class
_.when_ready
_.on_reload
_.post_worker_init
_.on_starting
_.child_exit

# structlog-style logger methods kept for the logging API (logs.py).
_.critical
_.debug
_.fatal
_.warn

# Dataclass fields and attributes the services set for the console to read.
_.fetched_at
_.entry_slug
_.resolved_at
_.resolved_by
_.last_follower_at
_.filter_count
_.total_count
_.finished_at
_.submitted_at
_.failed_logins
_.workdays
_.decided                       # services/campaign_report.py: computed, not shown yet (campaign work in flight)

# Properties and dataclass fields read only by Jinja templates (console/templates/).
_.role_label                    # staff/index.html, base.html
_.bursts                        # polls/anomalies.html
_.fresh_minutes                 # polls/anomalies.html
_.exhausted                     # publications/show.html
_.waited_minutes                # messages/index.html
_.earlier                       # messages/thread.html
_.mass_jobs                     # publications/show.html
_.font                          # openpyxl cell style (services/complaint_export.py, services/poll_reports.py)
_.style                         # openpyxl cell style (services/campaign_report.py)
_.decided_by                    # kb/proposal.html, /api/kb/proposals (who approved or sent back a change)
_.decided_at                    # kb/proposal.html, /api/kb/proposals

# Benchmarks and the sim: entry points run by bench/ scripts and `python -c`.
_.fixed                         # bench/werobot_app.py, a WeRoBot handler
_.serve_keepalive               # bench/bench_publications.py runs it in a child
_.load_config                   # gunicorn BaseApplication override (sim/__init__.py)

# pytest: module marks and fixtures requested for their effect.
_.pytestmark
_.api_schema
_.restore_logging
_.concurrent_db

# 消费调查 results: the rating average is read by surveys/show.html.
_.average
