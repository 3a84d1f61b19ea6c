# The service on Debian, built in a Rust image. SQLite and libpq are compiled in, so the
# runtime image needs no database library.
FROM rust:1-bookworm AS build
WORKDIR /src
# The dependency tree in a layer of its own, built from the manifests alone with stub
# sources, so that a change to the sources rebuilds only this crate.
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src
COPY . .
# The stubs' build is newer than the copied sources' timestamps: make cargo see the change.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data registry \
 && mkdir -p /data \
 && chown registry /data
COPY --from=build /src/target/release/portfolio-registry /usr/local/bin/portfolio-registry
USER registry
WORKDIR /data
ENV BIND=0.0.0.0:8080 \
    DATABASE_URL=/data/registry.db \
    LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
# GET /readyz through the binary itself (the image has no curl).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["portfolio-registry", "healthcheck"]
CMD ["portfolio-registry", "serve"]
