# Pulse: build the dependencies in one stage, run as an unprivileged user in a slim one.
# docker build -t pulse . ; see docker-compose.yml for the whole multi-process shape.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements/ /build/requirements/
RUN pip install --upgrade pip && pip install -r /build/requirements/prod.txt

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    PULSE_ENV=production \
    DEBUG=0 \
    GUNICORN_BIND=0.0.0.0:8000
RUN useradd --create-home --uid 10001 pulse
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=pulse:pulse . .
# Static files are collected at build time (hashed names + compressed copies for WhiteNoise);
# the values below exist only for this step, the real ones come from the environment.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput && rm -f /tmp/build.sqlite3
USER pulse
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=2)"
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
