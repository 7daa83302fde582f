# syntax=docker/dockerfile:1
#
# asimd container image.
#   docker build -t asimd .
#   docker run -d --name asimd --init -p 5514:5514/udp -p 5514:5514/tcp -p 8080:8080 \
#     -v asimd-data:/var/lib/asimd asimd
# The agent drains within 10 s of SIGTERM; Docker's default stop timeout is
# also 10 s, so give it headroom: `docker stop -t 15` (compose: stop_grace_period: 15s).
# Use your own config with `-v ./asimd.yaml:/etc/asimd/asimd.yaml:ro` and
# `... asimd run --config /etc/asimd/asimd.yaml`.

# ---- build: compile TypeScript, then drop dev dependencies ----
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY parsers ./parsers
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:24-slim
ENV NODE_ENV=production
# src/cli/launch.ts: NODE_ENVIRONMENT (one malloc arena: less RSS held by freed memory).
ENV MALLOC_ARENA_MAX=1
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# Data directory (file sink output, journal), writable by the non-root user.
RUN mkdir -p /var/lib/asimd/out \
 && chown -R node:node /var/lib/asimd
# Relative paths in a config resolve under the data directory.
WORKDIR /var/lib/asimd
USER node

# syslog over UDP and TCP, HTTP ops server (/healthz, /readyz, /metrics).
EXPOSE 5514/udp 5514/tcp 8080

# slim images have no curl: probe with node's built-in fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--expose-gc", "/app/dist/src/cli/main.js"]
CMD ["run", "--config", "/app/config/docker.yaml"]
