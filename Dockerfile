# The server as a container: the release tarball (npm run release: the server, its spec and the
# built web console) installed with production dependencies only, run as the unprivileged `node` user, data in the /data volume.
# Not built by CI here (this project's machines have no Docker engine); the same release steps
# run in apps/server/test/release.test.ts, which CI does run.

# 1. Build the release from the checkout (dev dependencies needed here only).
FROM node:20-bookworm AS release
WORKDIR /repo
COPY . .
RUN npm ci --no-audit --no-fund && npm run release -- --out /release

# 2. Install it as an operator would: only Node, npm and the locked production dependencies.
#    This image has python3, make and g++ in case better-sqlite3 must compile its binary.
FROM node:20-bookworm AS install
WORKDIR /app
COPY --from=release /release/ /tmp/release/
RUN tar -xzf /tmp/release/contacts-server-*.tgz --strip-components=1 \
  && npm ci --omit=dev --no-audit --no-fund

# 3. Run it: the code belongs to root and cannot be changed by the server; only /data is written.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_URL=/data/contacts.db
WORKDIR /app
COPY --from=install /app /app
RUN mkdir /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (a shell form would stand in between).
CMD ["node", "apps/server/dist/main.js"]
