# The reminderly image: the API (gunicorn), the worker and one-off jobs (migrations) run from it.
# Multi-stage: wheels are built in the first stage; the runtime stage has no compiler and
# runs as an unprivileged user.

FROM python:3.11.14-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY app_service ./app_service
# The SQL (migrations, procedures, named queries) and the OpenAPI tree: the wheel carries them
# as package data (app_service._sql, app_service._openapi; see pyproject.toml)
COPY db ./db
COPY openapi ./openapi
COPY deploy_contract ./deploy_contract
RUN pip install --no-cache-dir --upgrade pip==25.3 \
 && pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11.14-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080
RUN groupadd --system --gid 10001 reminderly \
 && useradd --system --uid 10001 --gid reminderly --home-dir /app --shell /usr/sbin/nologin reminderly
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# AWS's RDS certificate authorities (every region): the tasks verify the database's certificate
# and name against it (PGSSLMODE=verify-full, PGSSLROOTCERT in the task definitions)
# (a downloaded file arrives mode 600, owned by root: made readable by the unprivileged user)
ADD https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /app/rds-ca/global-bundle.pem
RUN chmod 0644 /app/rds-ca/global-bundle.pem
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/v1/health', timeout=2)"]
CMD ["gunicorn", "-c", "python:app_service.gunicorn_conf", "app_service.api:create_app()"]
