package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// healthz handles GET /healthz: the process is alive.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz handles GET /readyz: Postgres and ISPConfig both answer. 503 names what is down.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	status := map[string]string{"postgres": "ok", "ispconfig": "ok"}
	code := http.StatusOK
	if err := h.pool.Ping(ctx); err != nil {
		status["postgres"], code = "unreachable", http.StatusServiceUnavailable
	}
	if h.isp == nil {
		status["ispconfig"], code = "not configured", http.StatusServiceUnavailable
	} else if err := h.isp.Ping(ctx); err != nil {
		status["ispconfig"], code = "unreachable", http.StatusServiceUnavailable
		h.log.WarnContext(ctx, "readiness: ispconfig", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
