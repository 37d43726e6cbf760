# Both doubles in one image, for CI service containers (see README, "In CI").
# Ports and flags come from the environment: HOST, FTS_PORT, GLOBUS_PORT, FTS_ARGS,
# GLOBUS_ARGS (container/serve.sh). tests/test_container.py runs the same build steps
# outside Docker, and builds and probes the image where a Docker daemon is available.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
COPY . /src
RUN sh /src/container/build.sh /src
ENV HOST=0.0.0.0 FTS_PORT=8446 GLOBUS_PORT=8447
EXPOSE 8446 8447
ENTRYPOINT ["sh", "/src/container/serve.sh"]
