# actorchain: one actor per container.
#
#   docker build -t actorchain .
#   docker run -v "$PWD/counter.wasm:/component/actor.wasm:ro" -v counter-data:/data -p 8080:8080 actorchain
#
# The component is mounted at /component/actor.wasm (or baked into an image built FROM this
# one), the chain lives in the /data volume, and every `run` flag can be given as an
# ACTORCHAIN_* variable (docker run -e ACTORCHAIN_ALLOW_SEND=http://peer:8080).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts run later: `prepare` compiles, and the sources are not here yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src src
COPY worker worker
# src/sdk is checked against the declarations shipped in types/.
COPY types types
# npm run build: tsc, then the files read at run time (WIT, explorer page, template) copied into dist/.
COPY scripts scripts
RUN npx tsc -p . && node scripts/copy-assets.mjs && npm prune --omit=dev --ignore-scripts

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    ACTORCHAIN_LISTEN=0.0.0.0:8080 \
    ACTORCHAIN_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
# The compiled code with what it reads at run time (the WIT, the explorer page's HTML and
# CSS, the template `new` writes), and what the package ships beside it (package.json "files").
COPY --from=build /app/dist/src dist/src
COPY --from=build /app/dist/worker dist/worker
COPY types types
COPY README.md LICENSE CHANGELOG.md ./
COPY docs docs
# The node image's unprivileged user (uid 1000) owns the data dir; transpiled components are
# cached in its home (~/.cache/actorchain).
RUN mkdir -p /data /component && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# The runtime handles SIGTERM itself: it finishes the message in flight, flushes and exits 0.
ENTRYPOINT ["node", "/app/dist/src/cli/main.js", "run"]
CMD ["/component/actor.wasm"]
