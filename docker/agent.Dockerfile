# syntax=docker/dockerfile:1
# Outpost agent: collects metrics, keeps them in a LevelDB buffer, ships them to the hub over MQTT.
# Build from the repo root: docker build -f docker/agent.Dockerfile -t outpost-agent .

# --- build: compile TypeScript, then drop dev dependencies ---
FROM node:20-slim AS build
WORKDIR /app
# Lockfile first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
# classic-level and cbor-extract ship glibc prebuilds for x64/arm64: no compiler needed here.
RUN npm ci --no-audit --no-fund
# Exactly what tsconfig.build.json compiles (test/docker/docker-files.test.ts keeps this list in step).
COPY tsconfig.json tsconfig.build.json ./
COPY kit ./kit
COPY protocol ./protocol
COPY agent ./agent
COPY hub ./hub
COPY cli ./cli
COPY bench ./bench
RUN npm run build && rm -rf dist/bench && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code and production dependencies only ---
FROM node:20-slim
ENV NODE_ENV=production \
    OUTPOST_DATA=/data
WORKDIR /app
# Code stays owned by root: the service user can read it but not change it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# A new named volume takes this owner and mode from the image. The buffer lives here.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME ["/data"]
USER node
# The agent has no HTTP listener yet (its /healthz comes with --listen). Until then: healthy while it
# keeps writing its buffer, i.e. the newest file in the data dir changed within 3 collection intervals
# (at least 60s). Every collection appends a batch to LevelDB's log, whether or not the hub is reachable,
# so an offline agent that is buffering stays healthy and a stuck collection loop does not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const fs=require('fs'),path=require('path'),dir=process.env.OUTPOST_DATA||'/data',limit=Math.max(60000,3*require('ms')(process.env.OUTPOST_INTERVAL||'10s'));const newest=Math.max(...fs.readdirSync(dir).map(f=>fs.statSync(path.join(dir,f),{throwIfNoEntry:false})?.mtimeMs??0));process.exit(Date.now()-newest<limit?0:1)"]
ENTRYPOINT ["node", "dist/cli/outpost.js"]
CMD ["agent"]
