# The fittingroom service: one image for the API (`fittingroom serve`, the default command)
# and for scale-out workers (`fittingroom worker`). Models ship inside the MediaPipe wheel,
# so nothing is downloaded at run time.
FROM python:3.11-slim-bookworm

# OpenCV's contrib wheel (MediaPipe's) needs libGL and GLib at import time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 fittingroom
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && mkdir -p /data && chown fittingroom /data

USER fittingroom
ENV FITTINGROOM_HOST=0.0.0.0 \
    FITTINGROOM_DATA_DIR=/data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:8000/health').status_code != 200)"
CMD ["fittingroom", "serve"]
