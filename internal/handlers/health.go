package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
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
// With several platforms, the PlatformHealth serve creates stands for the seeded platform (Root) and keeps one
// more per other platform (For).
type PlatformHealth struct {
	down atomic.Bool
	// Root is the platform this health stands for itself; For(Root) (and For of any id when Root is 0) is it.
	Root int64

	mu     sync.Mutex
	others map[int64]*PlatformHealth
}

// For returns the health of platform id.
func (p *PlatformHealth) For(id int64) *PlatformHealth {
	if p == nil || p.Root == 0 || id == p.Root {
		return p
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.others == nil {
		p.others = map[int64]*PlatformHealth{}
	}
	o, ok := p.others[id]
	if !ok {
		o = &PlatformHealth{Root: id}
		p.others[id] = o
	}
	return o
}

// AnyDown reports whether any platform's last call found it unreachable.
func (p *PlatformHealth) AnyDown() bool {
	if p.Down() {
		return true
	}
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range p.others {
		if o.Down() {
			return true
		}
	}
	return false
}

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
	// Platforms added by admins are reported each by id; one that is down makes the portal not ready for its
	// customers, so it is a 503 as well.
	if h.tenancy != nil {
		for _, id := range h.tenancy.PlatformIDs() {
			if id == h.opts.Platform.ID {
				continue
			}
			key := "ispconfig_" + idString(id)
			status[key] = "ok"
			if isp, err := h.tenancy.ISP(id); err != nil {
				status[key], code = "not loaded", http.StatusServiceUnavailable
			} else if err := isp.Probe(ctx); err != nil {
				status[key], code = "unreachable", http.StatusServiceUnavailable
				h.log.WarnContext(ctx, "readiness: ispconfig", "platform_id", id, "err", err)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
