"""gunicorn settings for the API container: `gunicorn -c python:app_service.gunicorn_conf
'app_service.api:create_app()'`. Overridable through the environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 25  # inside ECS's 30 s stop timeout: finish in-flight requests on SIGTERM
keepalive = 75  # longer than the ALB's 60 s idle timeout
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"  # behind the ALB, which is the only way in
