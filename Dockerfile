# Build: SQLite and libpq are compiled in, so the runtime image needs no database library.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN useradd --system --home /data registry && mkdir -p /data && chown registry /data
COPY --from=build /src/target/release/portfolio-registry /usr/local/bin/portfolio-registry
USER registry
WORKDIR /data
ENV BIND=0.0.0.0:8080 \
    DATABASE_URL=/data/registry.db \
    LOG_FORMAT=json
EXPOSE 8080
CMD ["portfolio-registry", "serve"]
