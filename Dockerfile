# Production image: compiled JavaScript, production dependencies only, running as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY tools/prisma-offline ./tools/prisma-offline
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json prisma.config.ts LICENSE ./
COPY prisma ./prisma
COPY scripts ./scripts
# The offline migration path, without its README and test.
COPY tools/prisma-offline/prisma.cjs tools/prisma-offline/schema-engine.cjs tools/prisma-offline/engine-version.cjs ./tools/prisma-offline/
# No catalog inside: mount yours and name it, e.g. -v ./catalog.yaml:/etc/prod-access/catalog.yaml:ro
# -e PROD_ACCESS_CATALOG=/etc/prod-access/catalog.yaml. Without one, start-up says so in one line.
RUN ln -s /app/scripts/prod-access.cjs /usr/local/bin/prod-access
USER node
EXPOSE 3000
# Liveness, in every role: /healthz on the ops port (OPS_PORT, else PORT). Readiness is /readyz there.
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.OPS_PORT||process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations: docker run … node tools/prisma-offline/prisma.cjs migrate deploy. Shutdown takes up to 15 s: docker stop -t 30.
CMD ["node", "dist/main/cli.js", "start", "all"]
