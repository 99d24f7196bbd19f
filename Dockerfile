# syntax=docker/dockerfile:1
# naftiko-engine container image: serves the capability mounted at /capability (docs/docker.md).
#
#   docker build -t naftiko-engine .
#   docker run --rm -p 8080:8080 -p 9090:9090 -e GONG_API_KEY \
#     -v "$PWD/specs:/capability:ro" naftiko-engine
#
# Two stages: `build` compiles the engine and packs it (`npm pack`, the same tarball npm would
# publish), then installs that tarball with production dependencies only, pinned by
# package-lock.json; the runtime stage copies the installed package onto a clean Node 20 slim
# image and runs it as the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# Dependencies first: this layer is reused until package.json or the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json README.md ./
COPY scripts ./scripts
COPY schemas ./schemas
COPY src ./src
# `npm pack` runs the prepack script: build (tsc + generated validators) and the engine schema.
RUN npm pack --pack-destination /tmp \
 && mkdir -p /opt/naftiko \
 && tar -xzf /tmp/naftiko-engine-*.tgz -C /opt/naftiko --strip-components=1 \
 && cp package-lock.json /opt/naftiko/ \
 && cd /opt/naftiko \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm package-lock.json \
 && chmod 0755 dist/cli/main.js

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    NAFTIKO_CAPABILITY=/capability \
    NAFTIKO_ADDRESS=0.0.0.0
# Owned by root, read-only for the user that runs it.
COPY --from=build /opt/naftiko /opt/naftiko
COPY docker/entrypoint.sh /usr/local/bin/naftiko-entrypoint
COPY docker/healthcheck.sh /usr/local/bin/naftiko-healthcheck
RUN ln -s /opt/naftiko/dist/cli/main.js /usr/local/bin/naftiko \
 && chmod 0755 /usr/local/bin/naftiko-entrypoint /usr/local/bin/naftiko-healthcheck \
 && mkdir -p /capability \
 && chown node:node /capability
# The capability: a folder (every *.yaml/*.yml in it with a top-level `capability:` key is
# run) or one file inside it, mounted read-only: -v "$PWD/specs:/capability:ro".
VOLUME ["/capability"]
WORKDIR /capability
USER node
# The seed's REST and MCP ports; a capability declares its own (publish those with -p).
EXPOSE 8080 9090
# `naftiko health` against the capability's control adapter (GET /health/ready); passes while
# the process lives when the capability declares no control adapter.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/naftiko-healthcheck"]
ENTRYPOINT ["/usr/local/bin/naftiko-entrypoint"]
