# syntax=docker/dockerfile:1
#
# meshkeep container image.
#
#   docker build -t meshkeep .
#   docker run -d --init --name meshkeep -v meshkeep-data:/data -p 4710:4710 meshkeep \
#     --bootstrap /dns4/seed.example.net/tcp/4710/p2p/12D3KooW...
#
# On first start the entrypoint (config/docker/entrypoint.sh) creates the node
# and prints its recovery phrase ONCE to the container log: record it offline.
# Arguments after the image name go to `meshkeep daemon`. See
# docs/OPERATOR-GUIDE.md ("Docker") and docker-compose.yml for a 5-node testbed.

# ---- build: install with the lockfile, compile TypeScript, drop dev deps ----
FROM node:22-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so this layer is reused while only sources change.
# `npm ci` installs what package-lock.json pins, including the `node` package
# (Node 22, the runtime below uses it). Its install script fetches the binary
# for this platform, so scripts must run. Same fallback as .ci/run: npm may
# refuse a lockfile whose optional per-platform entries are incomplete.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund

# Sources (.dockerignore keeps node_modules, dist and local state out).
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf dist/test dist/scripts \
 && node_modules/node/bin/node -e 'if (Number(process.versions.node.split(".")[0]) < 22) process.exit(1)'

# ---- runtime: Debian with the Node 22 the lockfile pins, no npm, no compiler ----
# bin/meshkeep runs node_modules/node/bin/node, so the image needs no Node of
# its own (the official Node binary needs only glibc and libstdc++, both here).
FROM debian:bookworm-slim AS runtime

# A fixed non-root uid/gid, so volume ownership is stable across rebuilds and
# orchestrators with runAsNonRoot can check it. /data is created here, owned
# by that user with mode 0700, so a new named volume inherits both.
RUN groupadd --system --gid 10001 meshkeep \
 && useradd --system --uid 10001 --gid meshkeep --home-dir /data --no-create-home --shell /usr/sbin/nologin meshkeep \
 && install -d -o meshkeep -g meshkeep -m 0700 /data

WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/config/docker/entrypoint.sh ./config/docker/entrypoint.sh

ENV MESHKEEP_DATA_DIR=/data \
    PATH=/app/bin:$PATH
VOLUME /data
# libp2p TCP. Metrics (when enabled) listen on 127.0.0.1:9464 inside the
# container only; publish them deliberately if you scrape from outside.
EXPOSE 4710

USER 10001:10001
STOPSIGNAL SIGTERM
# `meshkeep status` exits 0 when the daemon answers on its control socket.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/app/bin/meshkeep","status","--data-dir","/data"]
ENTRYPOINT ["/app/config/docker/entrypoint.sh"]
CMD []
