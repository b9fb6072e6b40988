# syntax=docker/dockerfile:1
# One image for the api, worker, migrate and cli roles; docker-compose.yml picks the command.
# Node 24 LTS: Node 20 is past its end of life.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN npm install -g pnpm@12.21.0
# The whole workspace at once: simpler than listing every package.json, and the pnpm store
# cache keeps reinstalls fast.
COPY . .
RUN --mount=type=cache,id=pnpm,target=/root/.local/share/pnpm/store pnpm install --frozen-lockfile
RUN pnpm build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
# Overridden per service in docker-compose.yml.
CMD ["node", "apps/api/dist/main.js"]
