package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"portal/internal/ispapi"
)

// healthz handles GET /healthz: the process is alive.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// PlatformHealth remembers whether ISPConfig answered the last call, so pages that need only Postgres can say
// that the platform is unreachable without asking it. Feed it every call's outcome (Observe fits ispapi's hook)
// and, in the background, a periodic Probe.
type PlatformHealth struct{ down atomic.Bool }

// Observe records a call's outcome: unreachable, or answering (any answer, a refusal included).
func (p *PlatformHealth) Observe(_ string, _ time.Duration, err error) {
	if p == nil {
		return
	}
	switch {
	case err == nil:
		p.down.Store(false)
	case errors.Is(err, ispapi.ErrUnavailable):
		p.down.Store(true)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	default:
		p.down.Store(false)
	}
}

// Down reports whether the last call found ISPConfig unreachable.
func (p *PlatformHealth) Down() bool { return p != nil && p.down.Load() }

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
	} else if err := h.isp.Probe(ctx); err != nil {
		status["ispconfig"], code = "unreachable", http.StatusServiceUnavailable
		h.log.WarnContext(ctx, "readiness: ispconfig", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
