# kc3chat server image. Not built or run by the tests (no Docker engine there): see README.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install . \
    && SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput -v0 \
    && useradd --system kc3chat
USER kc3chat
ENV WORKERS=2 WS_IMPLEMENTATION=websockets-sansio
EXPOSE 8000
# The same command as `make serve`; SIGTERM closes sockets with 1012 so clients reconnect at once.
CMD uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers ${WORKERS} \
    --ws ${WS_IMPLEMENTATION} --ws-max-size 65536 --ws-per-message-deflate false \
    --timeout-graceful-shutdown 10 --no-access-log
