# syntax=docker/dockerfile:1
# One image for all six services: the service to run is the container's argument, e.g.
#   docker run somnus:local inventory
# The TypeScript sources run through SWC at start (tools/register.js), so there is no build step: the image
# carries the source tree and the production dependencies (SWC and its TypeScript peer are among them).

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops jest, eslint, nx and friends; scripts stay on because @swc/core checks its native binding.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SOMNUS_MODE=distributed \
    SOMNUS_DATA_DIR=/var/lib/somnus \
    SOMNUS_SSH_KEY_DIR=/etc/somnus/ssh
WORKDIR /app
# Sources stay owned by root and read-only for the service user; only the data directory is writable.
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
RUN mkdir -p /var/lib/somnus /etc/somnus/ssh && chown node:node /var/lib/somnus
USER node
# 8080: the gateway's API (and its health); 8081: every other service's /healthz and /readyz.
EXPOSE 8080 8081
ENTRYPOINT ["node", "-r", "./tools/register.js", "tools/stack/service.ts"]
CMD ["api-gateway"]
