# Builds the leafbridge binary and runs it on a slim Debian image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/leafbridge /usr/local/bin/leafbridge

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/leafbridge /usr/local/bin/leafbridge
WORKDIR /data
EXPOSE 8080
ENV LEAFBRIDGE_LISTEN=0.0.0.0:8080
ENTRYPOINT ["leafbridge"]
CMD ["serve"]
