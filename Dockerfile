# syntax=docker/dockerfile:1
# The controller is TypeScript run directly by Node 24 (type stripping): there is no compile step,
# the build stage only installs production dependencies from the lockfile.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev skips the npm-shipped Node binary (a devDependency): the image's own Node 24 runs the code.
# --ignore-scripts: no production dependency needs an install script, and none should run here.
# The npm cache stays in this stage: only node_modules is copied into the image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="confighub-source-controller" \
      org.opencontainers.image.description="Flux source for ConfigHub: publishes a ConfigHub space as an ExternalArtifact" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/confighub/confighub-source-controller" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY crds ./crds
# Numeric non-root user so that runAsNonRoot can be verified by the kubelet.
USER 65532:65532
EXPOSE 9090 8080 9440
ENTRYPOINT ["node", "src/main.ts"]
