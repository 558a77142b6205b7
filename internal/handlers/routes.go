package handlers

import (
	"io"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzip"

	"portal/internal/signup"
	"portal/internal/store"
	"portal/static"
)

// Routes returns the portal's whole URL space behind CSRF protection.
func (h *Handler) Routes() http.Handler {
	r := h.router()
	// CSRF: browsers' cross-origin unsafe requests are refused (Sec-Fetch-Site / Origin), and cookies are SameSite=Lax.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serveError(w, r, userErr(http.StatusForbidden, "Cross-site requests are not allowed."))
	}))
	return csrf.Handler(r)
}

// router builds the routes; tests walk it.
func (h *Handler) router() chi.Router {
	r := chi.NewRouter()
	if len(h.opts.TrustedProxies) > 0 {
		prefixes := make([]string, len(h.opts.TrustedProxies))
		for i, p := range h.opts.TrustedProxies {
			prefixes[i] = p.String()
		}
		r.Use(middleware.ClientIPFromXFF(prefixes...))
	} else {
		r.Use(middleware.ClientIPFromRemoteAddr)
	}
	r.Use(withRequestID, h.logRequests, h.recoverPanics, h.securityHeaders, limitBody, withLanguage)
	r.Use(compressor().Handler)

	r.Get("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, static.URL("favicon.svg"), http.StatusMovedPermanently)
	})
	r.Get("/brand/logo/{hash}", h.wrap(h.brandLogo))
	r.Get("/brand/theme/{file}", h.wrap(h.brandTheme))
	staticFS, _ := fs.Sub(static.FS, ".")
	r.Handle("/static/*", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(staticFS))))
	// Stripe's servers: no session; the webhook signature is the authentication.
	r.Post("/webhooks/stripe/{issuer}", h.stripeWebhook)

	r.Group(func(r chi.Router) {
		r.Use(withSessionRow, h.sessions.LoadAndSave, h.refreshSessionCookie)
		r.Get("/", h.wrap(h.home))
		r.Get("/login", h.wrap(h.loginForm))
		r.Post("/login", h.wrap(h.loginSubmit))
		r.Get("/login/2fa", h.wrap(h.secondFactorForm))
		r.Post("/login/2fa", h.wrap(h.secondFactorSubmit))
		r.Post("/login/2fa/passkey", h.wrap(h.secondFactorPasskey))
		r.Post("/logout", h.wrap(h.logout))
		h.publicMailRoutes(r)
		r.Get("/invite/{token}", h.wrap(h.inviteForm))
		r.Post("/invite/{token}", h.wrap(h.inviteAccept))
		r.Get("/signup", h.wrap(h.signupPage))
		r.Post("/signup", h.wrap(h.signupSubmit))
		r.Get("/signup/{slug}", h.wrap(h.signupPage))
		r.Post("/signup/{slug}", h.wrap(h.signupSubmit))
		r.Get("/signup/confirm/{token}", h.wrap(h.signupConfirmForm))
		r.Post("/signup/confirm/{token}", h.wrap(h.signupConfirm))
		r.Post("/signup/resend", h.wrap(h.signupResend))
		r.Get("/signup/setup", h.wrap(h.signupSetup))
		r.Post("/signup/setup/retry", h.wrap(h.signupSetupRetry))
		r.Get("/password/forgot", h.wrap(h.forgotForm))
		r.Post("/password/forgot", h.wrap(h.forgotSubmit))
		r.Get("/password/reset/{token}", h.wrap(h.resetForm))
		r.Post("/password/reset/{token}", h.wrap(h.resetSubmit))
		r.Get("/account/email/confirm/{token}", h.wrap(h.emailConfirmForm))
		r.Post("/account/email/confirm/{token}", h.wrap(h.emailConfirm))

		r.Group(func(r chi.Router) {
			r.Use(h.requireUser)
			r.Get("/account/password", h.wrap(h.passwordForm))
			r.Post("/account/password", h.wrap(h.passwordSubmit))
			r.Get("/account/language", h.wrap(h.languageForm))
			r.Post("/account/language", h.wrap(h.languageSubmit))
			r.Get("/account/email", h.wrap(h.emailForm))
			r.Post("/account/email", h.wrap(h.emailSubmit))
			r.Post("/account/confirm", h.wrap(h.confirmSubmit))
			r.Get("/account/2fa", h.wrap(h.twoFactorPage))
			r.Post("/account/2fa/setup", h.wrap(h.twoFactorSetup))
			r.Post("/account/2fa/enable", h.wrap(h.twoFactorEnable))
			r.Post("/account/2fa/disable", h.wrap(h.twoFactorDisable))
			r.Post("/account/2fa/recovery", h.wrap(h.recoveryCodesRegenerate))
			r.Post("/account/passkeys/new", h.wrap(h.passkeyNew))
			r.Post("/account/passkeys", h.wrap(h.passkeyCreate))
			r.Post("/account/passkeys/delete", h.wrap(h.passkeyDelete))

			// Hosted objects: every role, each seeing what its scope allows.
			h.siteRoutes(r)
			h.mailRoutes(r)
			h.domainRoutes(r)
			h.billingRoutes(r)
			// A client picker's matches as its search box is typed into (admins and resellers).
			r.With(h.requireRole(store.RoleAdmin, store.RoleReseller)).Get("/clients/choices", h.wrap(h.clientChoices))

			r.Post("/impersonate/stop", h.wrap(h.impersonateStop))

			r.Route("/admin", func(r chi.Router) {
				r.Use(h.requireRole(store.RoleAdmin))
				r.Get("/", h.wrap(h.dashboard))
				r.Get("/audit", h.wrap(h.auditList))
				r.Get("/branding", h.wrap(h.brandingForm))
				r.Post("/branding", h.wrap(h.brandingSave))
				r.Get("/platform", h.wrap(h.platformShow))
				r.Get("/claims", h.wrap(h.claimsList))
				r.Get("/drift", h.wrap(h.driftList))
				r.Post("/drift/run", h.wrap(h.driftRun))
				r.Post("/drift/{driftID}/adopt", h.wrap(h.driftResolve(true)))
				r.Post("/drift/{driftID}/forget", h.wrap(h.driftResolve(false)))
				r.Get("/signups", h.wrap(h.signupsList))
				r.Post("/signups/settings", h.wrap(h.signupsSettings))
				r.Get("/mail", h.wrap(h.outboxList))
				r.Get("/mail/{outboxID}", h.wrap(h.outboxShow))
				r.Post("/mail/{outboxID}/resend", h.wrap(h.outboxResend))
				r.Post("/drift/{driftID}/push", h.wrap(h.driftPush))
				r.Get("/platforms", h.wrap(h.platformsList))
				r.Post("/platforms", h.wrap(h.platformAdd))
				r.Post("/platforms/{platformID}/test", h.wrap(h.platformTest))
				r.Post("/platforms/{platformID}/default", h.wrap(h.platformDefault))
				r.Get("/platforms/{platformID}", h.wrap(h.platformSettings))
				r.Post("/platforms/{platformID}/settings", h.wrap(h.platformSettingsSave))
				h.paymentRoutes(r)
				r.Post("/billing/events/{paymentEventID}/replay", h.wrap(h.paymentEventReplay))
				r.Get("/resellers", h.wrap(h.customerList(store.RoleReseller, "Resellers", "/admin/resellers", "/admin/resellers/new")))
				r.Get("/resellers/new", h.wrap(h.customerNew(store.RoleReseller, "/admin/resellers")))
				r.Post("/resellers", h.wrap(h.customerCreate(store.RoleReseller, "/admin/resellers")))
				r.Get("/clients", h.wrap(h.customerList(store.RoleClient, "All clients", "/admin/clients", "/admin/clients/new")))
				r.Get("/clients/new", h.wrap(h.customerNew(store.RoleClient, "/admin/clients")))
				r.Post("/clients", h.wrap(h.customerCreate(store.RoleClient, "/admin/clients")))
				h.planRoutes(r)
			})
			r.Route("/reseller", func(r chi.Router) {
				r.Use(h.requireRole(store.RoleReseller))
				r.Get("/", h.wrap(h.dashboard))
				r.Get("/clients", h.wrap(h.customerList(store.RoleClient, "Your clients", "/reseller/clients", "/reseller/clients/new")))
				r.Get("/clients/new", h.wrap(h.customerNew(store.RoleClient, "/reseller/clients")))
				r.Post("/clients", h.wrap(h.customerCreate(store.RoleClient, "/reseller/clients")))
				r.Get("/signups", h.wrap(h.signupsList))
				r.Post("/signups/settings", h.wrap(h.signupsSettings))
				r.Get("/branding", h.wrap(h.brandingForm))
				r.Post("/branding", h.wrap(h.brandingSave))
				h.planRoutes(r)
				h.paymentRoutes(r)
			})
			// One customer: admins (any) and resellers (their clients); the choke point checks {customerID}.
			r.Route("/customers/{customerID}", func(r chi.Router) {
				r.Use(h.requireRole(store.RoleAdmin, store.RoleReseller))
				r.Get("/", h.wrap(h.customerShow))
				r.Get("/edit", h.wrap(h.customerEditForm))
				r.Post("/edit", h.wrap(h.customerEdit))
				r.Post("/plan", h.wrap(h.customerPlan))
				r.Post("/suspend", h.wrap(h.customerSuspend(true)))
				r.Post("/unsuspend", h.wrap(h.customerSuspend(false)))
				r.Get("/delete", h.wrap(h.customerDeleteConfirm))
				r.Post("/delete", h.wrap(h.customerDelete))
				r.Post("/retry", h.wrap(h.customerRetry))
				r.Post("/subscription", h.wrap(h.customerSubscribe))
				r.Post("/billing-profile", h.wrap(h.customerBillingProfile))
				r.Post("/invite", h.wrap(h.customerInvite))
				r.Post("/impersonate", h.wrap(h.impersonateStart))
				r.With(h.requireRole(store.RoleAdmin)).Post("/second-factors/reset", h.wrap(h.customerResetFactors))
			})
			r.Route("/signups/{signupID}", func(r chi.Router) {
				r.Use(h.requireRole(store.RoleAdmin, store.RoleReseller))
				r.Post("/approve", h.wrap(h.signupDecide(signup.Approve)))
				r.Post("/reject", h.wrap(h.signupDecide(signup.Reject)))
				r.Post("/retry", h.wrap(h.signupDecide(signup.Retry)))
			})
			r.Route("/client", func(r chi.Router) {
				r.Use(h.requireRole(store.RoleClient))
				r.Get("/", h.wrap(h.dashboard))
			})
		})
	})
	r.NotFound(h.wrap(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return userErr(http.StatusMethodNotAllowed, "That method is not allowed here.")
	}))
	checkRouteParams(r)
	return r
}

// compressor gzips pages, CSS and JavaScript for clients that accept it, at the fastest level: on the load bench
// level 5 cost about 40 % of the page rate, level 1 still shrinks a list page several times. The encoder is
// klauspost/compress's gzip, which at level 1 compresses a list page about 2.5 times faster than compress/gzip to
// the same size; chi pools the writers (they can Reset).
func compressor() *middleware.Compressor {
	c := middleware.NewCompressor(1, "text/html", "text/css", "text/javascript", "application/javascript", "text/plain")
	c.SetEncoder("gzip", func(w io.Writer, level int) io.Writer {
		gw, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			return nil
		}
		return gw
	})
	return c
}

// planRoutes registers the plan screens under /admin or /reseller.
func (h *Handler) planRoutes(r chi.Router) {
	r.Get("/plans", h.wrap(h.planList))
	r.Post("/plans", h.wrap(h.planCreate))
	r.Get("/plans/{planID}", h.wrap(h.planShow))
	r.Post("/plans/{planID}", h.wrap(h.planUpdate))
	r.Post("/plans/{planID}/delete", h.wrap(h.planDelete))
	r.Post("/plans/{planID}/public", h.wrap(h.planPublic))
}

// cacheStatic serves a content-hashed name (static.URL, which pages link to) as its file, cacheable for a year
// and immutable: a changed file gets a new name. Plain names still work, cached for an hour.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := static.Original(r.URL.Path); ok {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path, u.RawPath = name, ""
			r2.URL = &u
			next.ServeHTTP(w, r2)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// home sends a visitor to the sign-in page and a signed-in user to their role's dashboard.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	p, err := h.loadPrincipal(r)
	if err != nil {
		redirect(w, r, "/login")
		return nil
	}
	redirect(w, r, roleHome(p.Effective.Role))
	return nil
}

func roleHome(role store.Role) string {
	return "/" + string(role)
}

// paymentRoutes registers the Stripe screens under /admin (the operator's account, every issuer's events) or
// /reseller (its own account and events).
func (h *Handler) paymentRoutes(r chi.Router) {
	r.Get("/billing/stripe", h.wrap(h.stripeSettings))
	r.Post("/billing/stripe", h.wrap(h.stripeSettingsSave))
	r.Get("/billing/events", h.wrap(h.paymentEvents))
	r.Get("/billing/events/{paymentEventID}", h.wrap(h.paymentEventShow))
}

// siteRoutes registers the web-site screens (signed-in, any role; ownership via the choke point).
func (h *Handler) siteRoutes(r chi.Router) {
	r.Get("/sites", h.wrap(h.siteList))
	r.Post("/sites", h.wrap(h.siteCreate))
	r.Get("/sites/{siteID}", h.wrap(h.siteShow))
	r.Post("/sites/{siteID}", h.wrap(h.siteUpdate))
	r.Post("/sites/{siteID}/active", h.wrap(h.siteActive))
	r.Get("/sites/{siteID}/delete", h.wrap(h.siteDeleteConfirm))
	r.Post("/sites/{siteID}/delete", h.wrap(h.siteDelete))
}

// domainRoutes registers the domain-limit table screens (signed-in, any role; ownership via the choke point).
// Clients only read their allowed domains; admins and resellers assign, move and remove them.
func (h *Handler) domainRoutes(r chi.Router) {
	r.Get("/domains", h.wrap(h.domainList))
	r.Post("/domains", h.wrap(h.domainCreate))
	r.Get("/domains/{domainID}/move", h.wrap(h.domainMovePage))
	r.Post("/domains/{domainID}/move", h.wrap(h.domainMove))
	r.Get("/domains/{domainID}/delete", h.wrap(h.domainDeleteConfirm))
	r.Post("/domains/{domainID}/delete", h.wrap(h.domainDelete))
}

// mailRoutes registers the mail screens (signed-in, any role; ownership via the choke point). List and detail
// pages read only Postgres; every write checks limits in one locked transaction, then calls ISPConfig.
func (h *Handler) mailRoutes(r chi.Router) {
	r.Get("/mail", h.wrap(h.mailDomainList))
	r.Post("/mail", h.wrap(h.mailDomainCreate))
	r.Get("/mail/{mailDomainID}", h.wrap(h.mailDomainShow))
	r.Post("/mail/{mailDomainID}/active", h.wrap(h.mailDomainSetActive))
	r.Post("/mail/{mailDomainID}/delete", h.wrap(h.mailDomainDelete))
	r.Post("/mail/{mailDomainID}/mailboxes", h.wrap(h.mailboxCreate))
	r.Post("/mail/{mailDomainID}/forwards", h.wrap(h.mailForwardCreate))
	r.Post("/mail/mailboxes/{mailboxID}/password", h.wrap(h.mailboxSetPassword))
	r.Post("/mail/mailboxes/{mailboxID}/quota", h.wrap(h.mailboxSetQuota))
	r.Post("/mail/mailboxes/{mailboxID}/delete", h.wrap(h.mailboxDelete))
	r.Post("/mail/forwards/{mailForwardID}/active", h.wrap(h.mailForwardSetActive))
	r.Post("/mail/forwards/{mailForwardID}/delete", h.wrap(h.mailForwardDelete))
}

// billingRoutes registers the billing screens (signed-in; ownership of {invoiceID} and {planID} via the choke
// point). Invoices: every role sees its own (issued by it or to it); prices and settings: admins and resellers, for
// their own plans and issuer profile; billing details: clients and resellers, their own. POST /invoices/{id}/pay
// (the "pay now" button) belongs to the Stripe checkout.
func (h *Handler) billingRoutes(r chi.Router) {
	r.Get("/invoices", h.wrap(h.invoiceList))
	r.Get("/invoices/{invoiceID}", h.wrap(h.invoiceShow))
	r.Get("/invoices/{invoiceID}/pdf", h.wrap(h.invoicePDF))
	r.Post("/invoices/{invoiceID}/pay", h.wrap(h.invoicePay))
	r.Group(func(r chi.Router) {
		r.Use(h.requireRole(store.RoleAdmin, store.RoleReseller))
		r.Post("/invoices/{invoiceID}/payments", h.wrap(h.invoicePayment))
		r.Post("/invoices/{invoiceID}/credit", h.wrap(h.invoiceCredit))
		r.Get("/billing/prices", h.wrap(h.priceList))
		r.Post("/billing/prices/{planID}", h.wrap(h.priceSet))
		r.Get("/billing/settings", h.wrap(h.billingSettings))
		r.Post("/billing/settings", h.wrap(h.billingSettingsSave))
	})
	r.Group(func(r chi.Router) {
		r.Use(h.requireRole(store.RoleClient, store.RoleReseller))
		r.Get("/account/billing", h.wrap(h.accountBilling))
		r.Post("/account/billing", h.wrap(h.accountBillingSave))
	})
}

// publicMailRoutes registers pages that need no portal account (a mailbox owner's own password change). The rate
// limits are the sign-in's (per IP or IPv6 /64, and per mailbox address), kept in Postgres.
func (h *Handler) publicMailRoutes(r chi.Router) {
	r.Get("/mailbox/password", h.wrap(h.mailboxPasswordForm))
	r.Post("/mailbox/password", h.wrap(h.mailboxPasswordSubmit))
}
