# Alliance Hub: the web app (gunicorn), and the same image runs the Celery worker and beat.
# docker-compose.yml wires it to PostgreSQL, Redis and an SMTP catcher.
FROM python:3.13-slim

# Production by default, so the image refuses to start without a real SECRET_KEY.
# WEB_CONCURRENCY is gunicorn's number of worker processes (threads: see CMD).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    WEB_CONCURRENCY=3

WORKDIR /app

# GNU gettext's msgfmt compiles the translation catalogues below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The pinned runtime lock only (no dev tools); every dependency ships a wheel for 3.13.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# The catalogues are compiled from their sources, so the image never ships a stale .mo.
RUN for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "${po%.po}.mo" "$po" || exit 1; done

# Static files are collected (hashed and compressed for whitenoise) into the image. The key
# exists only for this step: production settings refuse to load without one.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-build-step-only-not-a-runtime-secret \
    python manage.py collectstatic --no-input --verbosity 0

# The code stays owned by root and read-only to the process that runs it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent alliance
USER alliance

EXPOSE 8000

# gthread workers: WEB_CONCURRENCY processes x 4 threads; heartbeat files on tmpfs.
CMD ["gunicorn", "alliance.wsgi:application", "--bind", "0.0.0.0:8000", "--threads", "4", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
