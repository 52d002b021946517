# The flashcrowd image: the harness and the reference backend (one CLI, `node bin/flashcrowd.js <command>`).
#   docker build -t flashcrowd .
#   docker run --rm flashcrowd plan scenarios/smoke.ts
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Dependencies first, so source edits do not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY scenarios ./scenarios
COPY fixtures ./fixtures
COPY dashboards ./dashboards
COPY tsconfig.json ./

RUN mkdir -p /app/runs && chown node:node /app/runs
USER node

# 8080: `backend --port 8080`; 9464: `run --metrics-port 9464`.
EXPOSE 8080 9464
ENTRYPOINT ["node", "bin/flashcrowd.js"]
CMD ["--help"]
