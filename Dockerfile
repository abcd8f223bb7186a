# syntax=docker/dockerfile:1
# citi-sync as an image: compiled JavaScript on the current Node LTS, production dependencies only,
# a non-root user, node behind tini (PID 1 reaps children and passes SIGTERM on, so workers drain).
#   docker build -t citi-sync .
#   docker run --rm citi-sync --help

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build also writes the embedded database's migrated template, keyed by these migrations.
COPY scripts ./scripts
COPY migrations ./migrations
RUN npm run build

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json README.md LICENSE ./
COPY bin ./bin
COPY migrations ./migrations
# The image's own user (uid 1000, from the node image): it owns nothing in /app, so it cannot alter
# the code it runs. The embedded database, if used, goes to a volume it can write.
ENV CITI_SYNC_DATA_DIR=/data
RUN mkdir /data && chown node:node /data
USER node
# node itself, not npm: npm does not pass SIGTERM on to the command it runs.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/citi-sync.js"]
CMD ["--help"]
# The worker's /healthz (200 when Redis and Postgres answer), on --metrics-port 9464 by default;
# services that serve no /healthz (migrate, sandbox) set their own check or disable it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CITI_SYNC_HEALTH_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
