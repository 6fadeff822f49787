# umagate: UMA 2.0 enforcement proxy. Three stages: dependencies from the lockfile, the
# TypeScript build, then a runtime image holding production dependencies and dist/ only.
#
# The base image is an ARG so that builders without registry access can substitute their own
# node:*-bookworm-slim (README.md#the-container-image; scripts/container/local-base.sh is one).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Manifests first: this layer is rebuilt only when the lockfile changes, not on every source edit.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="umagate" \
      org.opencontainers.image.description="UMA 2.0 enforcement reverse proxy in front of any HTTP backend, backed by Gluu oxd" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/umagate/umagate"
# UMAGATE_WORKERS: traffic processes (node:cluster). `auto` counts the CPUs of the container's
# cpuset, not a CPU quota (--cpus, a Kubernetes CPU limit): under a quota, set it to the limit.
ENV NODE_ENV=production \
    UMAGATE_WORKERS=1 \
    UMAGATE_LISTEN=0.0.0.0:8080 \
    UMAGATE_ADMIN_LISTEN=0.0.0.0:9090 \
    UMAGATE_POLICY=/etc/umagate/policies.yaml \
    UMAGATE_OXD_CONFIG=/var/lib/umagate/umagate.cfg
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install script of a dependency runs in the image that serves traffic.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache && rm -rf /tmp/npm-cache
COPY --from=build /app/dist ./dist
# The license travels with the code it covers (Apache-2.0, section 4).
COPY LICENSE policies.schema.json ./
# The bin named in package.json (made executable by `npm run build`), put on PATH without
# `npm link`. Code stays root-owned: the `node` user can read it, not change it.
RUN ln -s "/app/$(node -p 'require("./package.json").bin.umagate')" /usr/local/bin/umagate \
 && mkdir -p /etc/umagate /var/lib/umagate \
 && chown node:node /var/lib/umagate
# The example policy, so `umagate dev` works out of the box; mount your own over this file.
COPY policies.yaml /etc/umagate/policies.yaml
# The oxd ini is written back (oxd id, client credentials), so it lives in a writable directory;
# `umagate dev` also keeps its state here.
WORKDIR /var/lib/umagate
USER node
EXPOSE 8080 9090
# Follows UMAGATE_ADMIN_LISTEN's port; the admin listener must accept loopback connections.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const l=process.env.UMAGATE_ADMIN_LISTEN??'';const p=l.slice(l.lastIndexOf(':')+1)||'9090';fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["umagate"]
CMD ["serve"]
