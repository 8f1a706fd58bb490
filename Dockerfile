# syntax=docker/dockerfile:1
# The meshless image. Its entry point is the admission webhook, `meshless guard`:
#   docker build -t meshless:0.1.0 .
#   docker run --rm meshless:0.1.0 --help
# `meshless guard manifests --image <registry>/meshless:<tag>` deploys it.

# Build: install everything (npm ci runs the prepare script, which compiles src/ to dist/).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund

# Run: production dependencies and the compiled code only.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: prepare would compile again, and the compiler is a dev dependency.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The node image's unprivileged user; the Deployment from `meshless guard manifests`
# runs as the same uid with runAsNonRoot and a read-only root filesystem.
USER 1000:1000
EXPOSE 8443
ENTRYPOINT ["node", "dist/cli/main.js", "guard"]
CMD ["--help"]
