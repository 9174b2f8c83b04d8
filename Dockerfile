# Skein collector (with the UI, the SDK and the example shop), built from this repository.
#   docker build -t skein .
#   docker run -p 4317:4317 -p 4318:4318 -p 8080:8080 skein serve --host 0.0.0.0 --clickhouse-url http://ch:8123

# --- build: every workspace's dependencies, then model + collector + sdk (tsc) and ui (vite) ---------
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY model/package.json model/
COPY collector/package.json collector/
COPY sdk/package.json sdk/
COPY ui/package.json ui/
COPY examples/shop/package.json examples/shop/
COPY test/package.json test/
COPY bench/package.json bench/
# `npm install`, not `npm ci`: chDB's lock entries name platform builds that `ci` refuses (DESIGN.md).
# --ignore-scripts skips the root `prepare` (a build before the sources are here); chDB needs no script,
# its engine comes as a platform package (@chdb/lib-<os>-<arch>).
RUN npm install --ignore-scripts
COPY model model
COPY collector collector
COPY sdk sdk
COPY ui ui
COPY examples/shop examples/shop
RUN npm run build && npm prune --omit=dev

# --- runtime: the built files and production dependencies only ----------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
# The API's shared schemas and span tree (@skein/model), which the collector imports at run time.
COPY --from=build /app/model/package.json model/
COPY --from=build /app/model/dist model/dist
COPY --from=build /app/collector/package.json collector/
COPY --from=build /app/collector/dist collector/dist
COPY --from=build /app/sdk/package.json sdk/
COPY --from=build /app/sdk/dist sdk/dist
COPY --from=build /app/ui/package.json ui/
COPY --from=build /app/ui/dist ui/dist
COPY --from=build /app/examples/shop examples/shop
# Embedded mode writes here when no --clickhouse-url is given; a volume keeps it.
RUN mkdir -p /data && chown node:node /data
ENV SKEIN_DATA_DIR=/data
USER node
EXPOSE 4317 4318 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "collector/dist/cli.js"]
CMD ["serve", "--host", "0.0.0.0"]
