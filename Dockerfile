# coffee-scraper: one image for every role (worker, scheduler, migrate, start).
# The CLI runs as a bundle of the TypeScript sources (scripts/build-cli.mjs), built in the image.

# ---- deps: production dependencies only, installed from the lockfile
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build-cli.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM node:20-bookworm-slim AS runtime
# tini as PID 1 forwards SIGTERM/SIGINT to node (graceful drain) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
# A heap budget: V8 otherwise grows the heap with the machine's memory long before it
# collects. 256 MB holds the largest page HTTP_MAX_BYTES allows; bench:ingest measures RSS.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=256 \
    DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node scripts/build-cli.mjs ./scripts/
# The bundle bin/coffee-scraper.js prefers: a start costs half the CPU of the sources through tsx.
RUN node scripts/build-cli.mjs && chown -R node:node dist
COPY --chown=node:node roasters.example.yaml ./
RUN mkdir -p /data && chown node:node /data
# Not root: the image's own unprivileged `node` user.
USER node
VOLUME ["/data"]
# Reaches the configured database and queue without the dashboard (exit 0 healthy, 1 not).
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
  CMD ["node", "bin/coffee-scraper.js", "healthcheck", "--timeout", "5000"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/coffee-scraper.js"]
# The role is the command: `worker`, `schedule`, `migrate`, `start`, …
CMD ["start"]
