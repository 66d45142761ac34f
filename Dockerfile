# syntax=docker/dockerfile:1
# One image for every Plexus process. The ENTRYPOINT is node; the first argument picks the
# program (the paths `npm run build` emits, see package.json "build" and tsconfig.json outDir):
#   registry     /opt/plexus/dist/services/registry/main.js
#   policy       /opt/plexus/dist/services/policy/main.js
#   config-push  /opt/plexus/dist/services/config-push/main.js
#   proxy        /opt/plexus/dist/proxy/main.js
#   plexctl      /opt/plexus/dist/cli/plexctl/main.js
# e.g. `docker run --rm plexus:0.1.0 /opt/plexus/dist/services/policy/main.js --config /etc/plexus/config.yaml`.
# Kubernetes manifests pass the same paths as `args` (deploy/kubernetes); test/deploy checks
# that every path here has its TypeScript source in the tree.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /opt/plexus
# Dependencies first, so source edits reuse the cached `npm ci` layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The whole tree (.dockerignore drops node_modules, dist, git and scratch): `npm run build`
# type-checks the same files CI does, tests included, so it fails here exactly when CI would.
COPY . .
RUN npm run build
# lib/grpc/proto.ts loads .proto files from <its dir>/../../proto, which is dist/proto once
# compiled; tsc copies no .proto files, so put them there (idempotent if the build already did).
RUN mkdir -p dist/proto && cp -R proto/. dist/proto/
# The build compiles tests and benchmarks too; the image never runs them.
RUN rm -rf dist/test dist/bench \
 && find dist \( -name '*.test.js' -o -name '*.test.js.map' \) -delete \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/plexus
# Owned by root and read-only for the service user: the container runs with a read-only root
# file system and writes nothing but logs to stdout.
COPY --from=build /opt/plexus/package.json /opt/plexus/package-lock.json ./
COPY --from=build /opt/plexus/node_modules ./node_modules
COPY --from=build /opt/plexus/dist ./dist
# uid/gid 1000 is the image's `node` user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# Control plane gRPC/admin, then the proxy's admin, outbound and inbound ports.
EXPOSE 7101 7111 7102 7112 7103 7113 7104 7114 15000 15001 15006
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["/opt/plexus/dist/services/registry/main.js"]
