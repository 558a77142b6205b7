package handlers

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"portal/internal/store"
)

// Scopes of attempt_counts. The rate-limit scopes count every attempt per minute; the others count failed or
// refused unauthenticated attempts per hour (instead of one audit row each), kept for tenancy.AttemptRetention.
const (
	scopeSigninIP      = "signin.ip"      // sign-in attempts per client IP (IPv6: per /64) and minute
	scopeSigninEmail   = "signin.email"   // sign-in attempts per typed email (hashed) and minute
	scopeMailboxIP     = "mailbox.ip"     // public mailbox page attempts per client IP (/64) and minute
	scopeMailboxAddr   = "mailbox.addr"   // … per canonical mailbox address (hashed) and minute
	countSigninFailed  = "signin.failed"  // wrong password or unknown account, per account or hashed email
	countSigninLocked  = "signin.locked"  // refused because the account is locked
	countSigninLimited = "signin.limited" // refused by a rate limit, per client IP
	countMailboxFailed = "mailbox.failed" // public mailbox page failures, per hashed address
	countMailboxLocked = "mailbox.locked"
	countMailboxLimit  = "mailbox.limited"
)

// overLimit counts one attempt for scope and key (shared by every replica through Postgres) and reports whether
// the attempts of the last minute, sliding-window estimate, are over limit.
func (h *Handler) overLimit(ctx context.Context, scope, key string, limit int) (bool, error) {
	n, err := store.NewAttempts(h.pool).Rate(ctx, scope, key, time.Minute, h.opts.Now())
	return n > float64(limit), err
}

// countAttempt counts a failed or refused unauthenticated attempt for scope and key in the current hour. A failure
// to count is logged, never shown.
func (h *Handler) countAttempt(ctx context.Context, scope, key string) {
	if _, err := store.NewAttempts(h.pool).Hit(context.WithoutCancel(ctx), scope, key, time.Hour, h.opts.Now()); err != nil {
		h.log.ErrorContext(ctx, "attempt count failed", "err", err, "scope", scope)
	}
}

// ipKey is the rate-limit key of a client address: the address itself for IPv4 (and IPv4-mapped IPv6), its /64
// network for IPv6, where one subscriber usually holds a whole /64.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return "ip:" + a.String()
	}
	p, _ := a.Prefix(64)
	return "ip6:" + p.String()
}

// accountKey is the counting key of a known account.
func accountKey(id int64) string { return "account:" + strconv.FormatInt(id, 10) }

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
