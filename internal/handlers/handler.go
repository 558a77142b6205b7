// Package handlers is the portal's HTTP layer: routes, middleware, and one file per resource. Every handler
// resolves the signed-in principal, checks ownership in Postgres, validates input, and only then calls ISPConfig.
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/billing"
	"portal/internal/billing/stripepay"
	"portal/internal/factors"
	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/mailer"
	"portal/internal/signup"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// ISP is the part of the ISPConfig client the handlers call.
type ISP interface {
	Probe(ctx context.Context) error
}

// Options are a Handler's dependencies and settings.
type Options struct {
	Log      *slog.Logger
	Pool     *pgxpool.Pool
	ISP      ISP
	Sessions *scs.SessionManager
	Hasher   *auth.Hasher
	Metrics  *Metrics        // nil: no metrics
	Health   *PlatformHealth // nil: pages never say the platform is down

	Tenancy  *tenancy.Service
	Hosting  *hosting.Service
	Mail     *mailer.Service
	Access   *access.Service
	Signup   *signup.Service
	Factors  *factors.Service
	Billing  *billing.Service
	BaseURL  string         // the portal's public address, for links shown on pages
	Platform store.Platform // the platform new customers are created on
	Settings Settings

	Payments *stripepay.Service // issuers' Stripe settings, webhook events, checkout

	LoginMaxFailures    int           // consecutive failures before a lockout
	LoginLockout        time.Duration // how long a lockout lasts
	LoginRatePerIP      int           // sign-in attempts per minute from one IP
	LoginRatePerAccount int           // sign-in attempts per minute for one email
	HashConcurrency     int           // argon2id hashes at once (0: the number of CPUs)
	HashWait            time.Duration // how long a request waits for a hash slot before a 503 (0: 3s)
	HSTS                bool          // send Strict-Transport-Security (the portal is served over HTTPS)
	RequireTOTP         []store.Role  // roles that must have a second factor (TOTP or a passkey) before using the portal
	TrustedProxies      []netip.Prefix
	Now                 func() time.Time
}

// Settings are the operator's portal-wide choices.
type Settings struct {
	ImpersonateFor        time.Duration // how long an impersonation lasts before it ends by itself
	DomainLimit           bool          // sites and mail domains only on a client's allowed domains (domain-limit table)
	DomainLimitSubdomains bool          // … and on their subdomains
	PHPModes              []string      // PHP modes clients may choose for a site, e.g. php-fpm, fast-cgi, no
}

// Handler serves the portal.
type Handler struct {
	log      *slog.Logger
	pool     *pgxpool.Pool
	isp      ISP
	sessions *scs.SessionManager
	hasher   *auth.Hasher
	metrics  *Metrics
	accounts store.Accounts
	audit    store.AuditLog
	tenancy  *tenancy.Service
	hosting  *hosting.Service
	mail     *mailer.Service
	access   *access.Service
	signup   *signup.Service
	factors  *factors.Service
	payments *stripepay.Service
	billing  *billing.Service
	opts     Options
	brands   brandCache // the operator's look for pages without a session
}

// New returns a Handler; call Routes for its http.Handler.
func New(o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Settings.ImpersonateFor == 0 {
		o.Settings.ImpersonateFor = time.Hour
	}
	if len(o.Settings.PHPModes) == 0 {
		o.Settings.PHPModes = []string{"php-fpm", "fast-cgi", "no"}
	}
	if o.HashConcurrency <= 0 {
		o.HashConcurrency = runtime.NumCPU()
	}
	if o.HashWait <= 0 {
		o.HashWait = 3 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.Hasher.Limit(o.HashConcurrency, o.HashWait) // shared with the services that hash passwords
	return &Handler{
		log:      o.Log,
		pool:     o.Pool,
		isp:      o.ISP,
		sessions: o.Sessions,
		hasher:   o.Hasher,
		metrics:  o.Metrics,
		accounts: store.NewAccounts(o.Pool),
		audit:    store.NewAuditLog(o.Pool),
		tenancy:  o.Tenancy,
		hosting:  o.Hosting,
		mail:     o.Mail,
		access:   o.Access,
		signup:   o.Signup,
		factors:  o.Factors,
		payments: o.Payments,
		billing:  o.Billing,
		opts:     o,
	}
}

// actor is who the request acts as, for the services.
func (h *Handler) actor(r *http.Request) hosting.Actor {
	p, _ := principalFrom(r.Context())
	return hosting.Actor{Acting: p.Acting, Effective: p.Effective, IP: clientIP(r), Recent: h.confirmedRecently(r),
		Customer: p.Customer, Plan: p.Plan}
}

// checked reads a checkbox: absent or empty is false, anything else true.
func checked(v string) bool { return v != "" }

// pickers are the client pickers' lists, by the name GET /clients/choices knows them by: what the list offers
// (store.ChoiceFor), the form field the choice is sent as, and the label of a choice of no client, if any.
var pickers = map[string]struct {
	f          store.ChoiceFor
	field, any string
}{"objects": {store.ForObjects, "customer_id", ""}, "buyers": {store.ForBuyers, "customer", "all"}}

// clientPicker builds the client picker of list name (pickers): the clients the actor may choose that match query
// (what the form's search box sent), but except (0: none), and chosen (what the form sent as the list's field) when
// the actor may choose it. A chosen value that is no id is no choice: the service refuses it when the form is sent.
func (h *Handler) clientPicker(ctx context.Context, r *http.Request, name, query, chosen string, except int64) (views.ClientPicker, error) {
	l := pickers[name]
	id, _ := strconv.ParseInt(chosen, 10, 64)
	got, err := h.tenancy.ClientChoices(ctx, h.actor(r), store.ChoiceQuery{For: l.f, Query: query, Chosen: id, Except: except})
	return pickerOf(ctx, name, query, got), err
}

// pickerOf is the client picker of list name (pickers) that offers got for query.
func pickerOf(ctx context.Context, name, query string, got store.ClientChoices) views.ClientPicker {
	l := pickers[name]
	p := views.ClientPicker{Field: l.field, For: name, Query: query, More: got.More}
	if l.any != "" {
		p.Any = i18n.T(ctx, l.any)
	}
	if got.Chosen != nil {
		p.Chosen = &views.ClientOption{ID: got.Chosen.ID, Name: got.Chosen.Name, Email: got.Chosen.Email}
	}
	for _, c := range got.List {
		p.Choices = append(p.Choices, views.ClientOption{ID: c.ID, Name: c.Name, Email: c.Email})
	}
	return p
}

// clientChoices handles GET /clients/choices (admins and resellers): a client picker's choices for its search
// (client_q), what its search box swaps in as it is typed into. for names the picker's list (pickers); the
// chosen client is sent as that list's field.
func (h *Handler) clientChoices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	l, ok := pickers[q.Get("for")]
	if !ok {
		return fail.Invalid("Unknown list of clients.")
	}
	p, err := h.clientPicker(r.Context(), r, q.Get("for"), q.Get("client_q"), q.Get(l.field), 0)
	if err != nil {
		return err
	}
	return h.renderFragment(w, r, http.StatusOK, views.ClientChoiceList(p))
}
