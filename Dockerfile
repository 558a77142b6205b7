# Multi-stage build: a static binary (templates, static files and migrations embedded) on distroless, non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/portal ./cmd/portal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portal /portal
USER nonroot:nonroot
ENV PORTAL_LISTEN=0.0.0.0:8080 PORTAL_METRICS_LISTEN=0.0.0.0:9090
EXPOSE 8080 9090
ENTRYPOINT ["/portal"]
CMD ["serve"]
