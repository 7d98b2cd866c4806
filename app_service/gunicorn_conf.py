"""gunicorn settings for the API container: `gunicorn -c python:app_service.gunicorn_conf
'app_service.api:create_app()'`. gunicorn loads this file itself, so it reads the settings
(PORT, WEB_CONCURRENCY, GUNICORN_THREADS, LOG_LEVEL) through Settings.from_env: a malformed
value stops the server before it starts, with the variable's name."""

import os

from app_service.config import Settings, SettingsError
from app_service.logs import logconfig_dict as json_logging

try:
    _settings = Settings.from_env()
except SettingsError as exc:  # one line, and no server (gunicorn prints a SystemExit's text)
    raise SystemExit(f"error: {exc}") from None
bind = f"0.0.0.0:{_settings.port}"
workers = _settings.web_concurrency
threads = _settings.gunicorn_threads
worker_class = "gthread"
timeout = 30
graceful_timeout = 25  # inside ECS's 30 s stop timeout: finish in-flight requests on SIGTERM
keepalive = 75  # longer than the ALB's 60 s idle timeout
# One JSON line per request comes from the app (app_service/api/hooks.py) with its request id;
# gunicorn's own access log would repeat it as text, query strings included.
accesslog = None
logconfig_dict = json_logging(_settings.log_level)
# The ALB bounds the request line (16 KB); unlimited here, so an over-long query parameter is
# answered by the app as a documented 400 problem, not by gunicorn as an HTML 414.
limit_request_line = 0
# The container's root filesystem is read-only: worker heartbeats go to /dev/shm (tmpfs), and
# the runtime control socket (a file under $HOME) is not used.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
control_socket_disable = True
forwarded_allow_ips = "*"  # behind the ALB, which is the only way in
