# contact-graph: the subgraph as a container image, `contact-graph serve` on port 8000.
#
#   docker build -t contact-graph .
#   docker run --rm -e CONTACT_GRAPH_DATABASE_URL=... -e CONTACT_GRAPH_JWT_SECRET=... \
#     contact-graph contact-graph migrate          # the release step, once
#   docker run -d -p 8000:8000 -e ... contact-graph  # each replica
#
# The builder installs exactly uv.lock's runtime packages (no dev group) and the project,
# non-editable, into /opt/contact-graph; the runtime stage copies only that virtualenv.
# Not built on the development machines (they have no Docker engine); tests/server/
# test_dockerfile.py lints this file with hadolint and checks it against the project.

FROM python:3.11-slim-bookworm AS builder

# the uv the Makefile pins (UV_VERSION)
RUN pip install --no-cache-dir uv==0.13.8

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/opt/contact-graph

WORKDIR /src

# the dependencies first: this layer is rebuilt only when the lock changes
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY adapters ./adapters
COPY domain ./domain
COPY loaders ./loaders
COPY persistence ./persistence
COPY resolvers ./resolvers
COPY schema ./schema
COPY server ./server
RUN uv sync --frozen --no-dev --no-editable


FROM python:3.11-slim-bookworm AS runtime

RUN groupadd --system --gid 10001 contact-graph \
    && useradd --system --uid 10001 --gid contact-graph --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin contact-graph

COPY --from=builder /opt/contact-graph /opt/contact-graph

# var/ is where the default SQLite database would go; production uses PostgreSQL
WORKDIR /srv/contact-graph
RUN mkdir var && chown contact-graph:contact-graph var

ENV PATH=/opt/contact-graph/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CONTACT_GRAPH_ENVIRONMENT=production \
    CONTACT_GRAPH_HOST=0.0.0.0 \
    CONTACT_GRAPH_PORT=8000 \
    CONTACT_GRAPH_GRAPHIQL=false

USER 10001:10001

EXPOSE 8000

# /health/live: the process answers (no I/O). Orchestrators route by /health/ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["contact-graph", "health"]

# uvicorn stops on SIGTERM: open requests get CONTACT_GRAPH_GRACEFUL_SHUTDOWN_SECONDS
STOPSIGNAL SIGTERM
CMD ["contact-graph", "serve"]
