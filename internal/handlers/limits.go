package handlers

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"portal/internal/access"
)

// Scopes of attempt_counts for the public mailbox page (the sign-in's are access's). The rate-limit scopes count
// every attempt per minute; the others count failed or refused unauthenticated attempts per hour (instead of one
// audit row each), kept for tenancy.AttemptRetention.
const (
	scopeMailboxIP     = "mailbox.ip"     // public mailbox page attempts per client IP (/64) and minute
	scopeMailboxAddr   = "mailbox.addr"   // … per canonical mailbox address (hashed) and minute
	countMailboxFailed = "mailbox.failed" // public mailbox page failures, per hashed address
	countMailboxLocked = "mailbox.locked"
	countMailboxLimit  = "mailbox.limited"
)

// overLimit counts one attempt for scope and key and reports whether the last minute's are over limit
// (access.Limited).
func (h *Handler) overLimit(ctx context.Context, scope, key string, limit int) (bool, error) {
	return h.access.Limited(ctx, scope, key, limit, h.opts.Now())
}

// countAttempt counts a failed or refused unauthenticated attempt for scope and key in the current hour.
func (h *Handler) countAttempt(ctx context.Context, scope, key string) {
	h.access.Count(ctx, scope, key, h.opts.Now())
}

// ipKey and accountKey are the counting keys of a client address and of a known account.
var ipKey, accountKey = access.IPKey, access.AccountKey

// hostOnly strips the port from a RemoteAddr ("192.0.2.1:1234", "[2001:db8::1]:443").
func hostOnly(addr string) string {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().Unmap().WithZone("").String()
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// hashSlot waits for one of the hasher's slots that bound concurrent argon2id hashes (auth.Hasher.Limit).
func (h *Handler) hashSlot(ctx context.Context) (func(), error) { return h.hasher.Slot(ctx) }

func retryAfter(w http.ResponseWriter) { w.Header().Set("Retry-After", "5") }
