package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"portal/internal/i18n"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"portal/internal/store"
	"portal/internal/tenancy"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxPrincipal
)

// Session keys.
const (
	keyActing    = "acting_id"    // the account that signed in
	keyEffective = "effective_id" // the account whose data the session works on (differs while impersonating)
	keyAuthAt    = "auth_at"      // unix nanoseconds of the sign-in or last password change
	keyFlash     = "flash"
)

// maxFormBytes bounds every request body; the portal's forms are small.
const maxFormBytes = 64 << 10

// uploadBytes are the forms that carry a file, with their larger limits: the branding forms' logo.
var uploadBytes = map[string]int64{"/admin/branding": maxFormBytes + tenancy.MaxLogoBytes,
	"/reseller/branding": maxFormBytes + tenancy.MaxLogoBytes}

// requestInfo is what the request log says of a request beyond its URL: its id, and who made it, which requireUser
// fills in further down the chain (the log line is written above it, where the principal's context is not seen).
type requestInfo struct {
	id           string
	user, acting int64 // the effective account, and the acting one while impersonating; 0 when not signed in
}

func requestInfoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(ctxRequestID).(*requestInfo)
	return ri
}

func requestID(ctx context.Context) string {
	if ri := requestInfoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// withRequestID gives each request an id, echoed in X-Request-Id and every log line.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxRequestID, &requestInfo{id: id})))
	})
}

// logRequests writes one structured line per request and feeds the request metrics.
func (h *Handler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			d := time.Since(start)
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			h.metrics.observeRequest(r.Method, route, status, d)
			path := r.URL.Path
			if strings.Contains(route, "{token}") {
				path = route // a link secret never goes into the log
			}
			// Typed attributes: a line per request should not box its nine values.
			ri := requestInfoFrom(r.Context())
			if ri == nil {
				ri = &requestInfo{}
			}
			attrs := [9]slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.String("path", path),
				slog.Int("status", status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("request_id", ri.id), slog.String("ip", clientIP(r))}
			n := 7
			if ri.user != 0 {
				attrs[n], n = slog.Int64("user_id", ri.user), n+1
			}
			if ri.acting != 0 {
				attrs[n], n = slog.Int64("acting_user_id", ri.acting), n+1
			}
			h.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs[:n]...)
		}()
		next.ServeHTTP(ww, r)
	})
}

// recoverPanics turns a panic into a logged 500, so one bad request can't take the process down.
func (h *Handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.ErrorContext(r.Context(), "panic", "err", v, "stack", string(debug.Stack()), "request_id", requestID(r.Context()))
				h.serveError(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries. The CSP allows no inline script and no framing. With
// secure cookies (the portal is served over HTTPS) browsers are told to use HTTPS only, for two years.
func (h *Handler) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		if h.opts.HSTS {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies; reading past the cap fails with *http.MaxBytesError (→ 413).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxFormBytes)
		if n, ok := uploadBytes[r.URL.Path]; ok {
			limit = n
		}
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			http.Error(w, "The form you sent is too large.", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// withLanguage puts the browser's language into the request's context (internal/i18n); a signed-in account's own
// choice replaces it once the principal is known (requireUser).
func withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Language")
		lang := i18n.Pick("", r.Header.Get("Accept-Language"))
		next.ServeHTTP(w, r.WithContext(i18n.With(r.Context(), lang)))
	})
}

// Principal is who is signed in: the acting account, and the effective account whose data is being worked on.
// They differ only while impersonating.
type Principal struct {
	Acting    store.Account
	Effective store.Account
	// Customer and Plan are the effective account's customer and its plan as the request began (nil for admins);
	// they come with the session, so pages read them without a statement of their own.
	Customer *store.Customer
	Plan     *store.Plan
	// Brand is the look the effective account's pages wear, loaded with the session; nil when the session changed
	// hands in this request (pageBrand reads it then).
	Brand *store.Brand
}

// Impersonating reports whether the acting account works as someone else.
func (p Principal) Impersonating() bool { return p.Acting.ID != p.Effective.ID }

func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxPrincipal).(Principal)
	return p, ok
}

// requireUser loads the principal from the session, or sends the visitor to /login. Sessions older than the
// account's last password change are ended. Signed-in pages are never cached.
func (h *Handler) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := h.loadPrincipal(r)
		if err != nil {
			if !errors.Is(err, errNoSession) {
				h.serveError(w, r, err)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				redirect(w, r, "/login")
				return
			}
			h.serveError(w, r, userErr(http.StatusUnauthorized, "Your session has ended. Please sign in again."))
			return
		}
		if ri := requestInfoFrom(r.Context()); ri != nil { // the request log names who made it, refused or not
			ri.user = p.Effective.ID
			if p.Impersonating() {
				ri.acting = p.Acting.ID
			}
		}
		if p.Acting.Language != "" { // the acting person's own choice beats the browser's
			r = r.WithContext(i18n.With(r.Context(), i18n.Pick(p.Acting.Language, "")))
		}
		if slices.Contains(h.opts.RequireTOTP, p.Acting.Role) && !p.Acting.HasSecondFactor() && !totpSetupPaths[r.URL.Path] {
			// The operator requires a second factor for this role: until the acting account (the real user, also
			// while impersonating) has one, it can only set one up or leave.
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				redirect(w, r, "/account/2fa")
				return
			}
			h.serveError(w, r, userErr(http.StatusForbidden, "Set up two-factor sign-in first: your operator requires it."))
			return
		}
		if !safeMethod(r.Method) && !writeAnyway[r.URL.Path] && !payInvoice.MatchString(r.URL.Path) {
			if err := h.tenancy.WritesAllowed(r.Context(), p.Effective); err != nil {
				h.serveError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxPrincipal, p)))
	})
}

// writeAnyway are the changes a suspended account (or one acted as) may still make: leaving, and its own
// sign-in's security.
var writeAnyway = map[string]bool{"/logout": true, "/impersonate/stop": true, "/account/password": true,
	"/account/confirm": true, "/account/2fa/setup": true, "/account/2fa/enable": true, "/account/2fa/disable": true,
	"/account/2fa/recovery": true, "/account/passkeys/new": true, "/account/passkeys": true, "/account/passkeys/delete": true,
	"/account/language": true}

// payInvoice is paying an invoice online, which a suspended account must be able to do: paying is how a billing
// suspension ends.
var payInvoice = regexp.MustCompile(`^/invoices/[0-9]+/pay$`)

// totpSetupPaths are what an account that must set up a second factor may still use.
var totpSetupPaths = map[string]bool{"/logout": true, "/account/2fa": true, "/account/2fa/setup": true,
	"/account/2fa/enable": true, "/account/confirm": true, "/account/passkeys/new": true, "/account/passkeys": true,
	"/impersonate/stop": true}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

var errNoSession = errors.New("no session")

func (h *Handler) loadPrincipal(r *http.Request) (Principal, error) {
	ctx := r.Context()
	actingID := h.sessions.GetInt64(ctx, keyActing)
	if actingID == 0 {
		return Principal{}, errNoSession
	}
	effID := h.sessions.GetInt64(ctx, keyEffective)
	if effID == 0 {
		effID = actingID
	}
	var p Principal
	if row := sessionRowFrom(ctx); row != nil && row.Acting != nil && row.Acting.ID == actingID && row.Effective.ID == effID {
		// The session store loaded the accounts, customer and plan with the session (one statement).
		p = Principal{Acting: *row.Acting, Effective: *row.Effective, Customer: row.Customer, Plan: row.Plan, Brand: row.Brand}
	} else {
		// The session changed hands in this request, or predates the accounts columns: read them one by one.
		for _, a := range []struct {
			id int64
			to *store.Account
		}{{actingID, &p.Acting}, {effID, &p.Effective}} {
			acct, err := h.accounts.ByID(ctx, a.id)
			if errors.Is(err, store.ErrNotFound) {
				_ = h.sessions.Destroy(ctx)
				return Principal{}, errNoSession
			}
			if err != nil {
				return Principal{}, err
			}
			*a.to = acct
		}
		if err := h.loadCustomer(ctx, &p); err != nil {
			return Principal{}, err
		}
	}
	if h.sessions.GetInt64(ctx, keyAuthAt) < p.Acting.PasswordChangedAt.UnixNano() {
		// The password changed after this session signed in: the session is no longer valid.
		_ = h.sessions.Destroy(ctx)
		return Principal{}, errNoSession
	}
	if p.Impersonating() {
		if until := h.sessions.GetInt64(ctx, keyImpUntil); until == 0 || h.opts.Now().UnixNano() > until {
			// The impersonation ran out: end it before anything runs as the other account.
			if err := h.endImpersonation(r, p, "impersonate.expire"); err != nil {
				return Principal{}, err
			}
			h.flash(r, "Your time acting as %s ran out; you are back in your own account.", p.Effective.Email)
			p.Effective, p.Brand = p.Acting, nil
			if err := h.loadCustomer(ctx, &p); err != nil {
				return Principal{}, err
			}
		}
	}
	return p, nil
}

// customerAndPlan returns customer id and its plan: from the principal when id is the effective account's customer
// (no statement), else from Postgres.
func (h *Handler) customerAndPlan(ctx context.Context, p Principal, id int64) (store.Customer, store.Plan, error) {
	if p.Customer != nil && p.Customer.ID == id {
		return *p.Customer, *p.Plan, nil
	}
	return h.tenancy.CustomerAndPlan(ctx, id)
}

// loadCustomer fills the effective account's customer and plan.
func (h *Handler) loadCustomer(ctx context.Context, p *Principal) error {
	p.Customer, p.Plan = nil, nil
	if p.Effective.CustomerID == nil {
		return nil
	}
	c, plan, err := h.customerAndPlan(ctx, Principal{}, *p.Effective.CustomerID)
	if err != nil {
		return err
	}
	p.Customer, p.Plan = &c, &plan
	return nil
}

// requireRole lets only principals whose effective role is one of roles through. Everyone else gets 404, as if
// the area did not exist, and nothing behind it runs.
func (h *Handler) requireRole(roles ...store.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := principalFrom(r.Context())
			if !ok || !slices.Contains(roles, p.Effective.Role) {
				h.serveError(w, r, errNotFound)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// clientIP is the caller's address as the trusted-proxy configuration resolves it. When that yields nothing (no
// usable X-Forwarded-For), it is the connection's address without its port: with the port every new connection
// would be a new client for the rate limits.
func clientIP(r *http.Request) string {
	ip := middleware.GetClientIP(r.Context())
	if ip == "" {
		ip = hostOnly(r.RemoteAddr)
	}
	if a, err := netip.ParseAddr(ip); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return ip
}
