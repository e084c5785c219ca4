# syntax=docker/dockerfile:1
# Outpost hub: MQTT broker, ingest, LevelDB store and HTTP API.
# Build from the repo root: docker build -f docker/hub.Dockerfile -t outpost-hub .

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
# A new named volume takes this owner and mode from the image.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME ["/data"]
USER node
EXPOSE 1883 8080
# The image has no curl. Follows OUTPOST_HTTP_PORT; HTTPS when TLS is on (the certificate names the public host,
# so it is not verified for this loopback liveness check).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e=process.env,t=e.OUTPOST_TLS_CERT&&e.OUTPOST_TLS_HTTPS!=='false';require(t?'https':'http').get({host:'127.0.0.1',port:e.OUTPOST_HTTP_PORT||8080,path:'/healthz',rejectUnauthorized:false,timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/outpost.js"]
CMD ["hub"]
