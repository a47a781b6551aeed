# A tinyops worker image: the same idempotent setup as a developer machine.
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-pip git && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/tinyops
COPY . .
RUN bash scripts/setup.sh && bash scripts/build.sh
