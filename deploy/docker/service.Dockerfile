# syntax=docker/dockerfile:1
# Image of one NestJS service of the bridge; APP names it (ari-ingest, media-gateway,
# call-logger, dashboard-api, asterisk-sim, stream-egress) and HTTP_PORT is its default port:
#   docker build -f deploy/docker/service.Dockerfile --build-arg APP=ari-ingest --build-arg HTTP_PORT=3001 .
# Build with Nx in a full Node image, run the bundle in a slim one with production deps only.

FROM node:20-bookworm-slim AS build
ARG APP
WORKDIR /repo
ENV NX_DAEMON=false NX_NO_CLOUD=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN test -n "$APP" || (echo "--build-arg APP=<service> is required" >&2; exit 1) \
  && npx nx build "$APP" --skip-nx-cache

FROM node:20-bookworm-slim AS runtime
ARG APP
ARG HTTP_PORT=3000
ENV NODE_ENV=production HTTP_PORT=${HTTP_PORT}
WORKDIR /app
COPY --from=build /repo/dist/apps/${APP}/package.json /repo/dist/apps/${APP}/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /repo/dist/apps/${APP} ./
# call-logger writes recordings here (a volume); the image gives it to the service's user.
RUN mkdir -p /var/lib/asb/recordings && chown node:node /var/lib/asb/recordings
USER node
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.HTTP_PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "main.js"]
