package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"portal/internal/auth"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

// mailboxPasswordFailed is the one message for every failed attempt: it never tells whether the mailbox exists,
// whether the password was wrong, or whether the platform was down.
const mailboxPasswordFailed = "The password could not be changed. Check the mailbox address and the current password, or try again later."

// publicMailRoutes registers pages that need no portal account (a mailbox owner's own password change). The rate
// limits are the sign-in's: per IP and per mailbox address.
func (h *Handler) publicMailRoutes(r chi.Router) {
	ipLim := httprate.NewRateLimiter(h.opts.LoginRatePerIP, time.Minute)
	boxLim := httprate.NewRateLimiter(h.opts.LoginRatePerAccount, time.Minute)
	r.Get("/mailbox/password", h.wrap(h.mailboxPasswordForm))
	r.Post("/mailbox/password", h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return h.mailboxPasswordSubmit(w, r, ipLim, boxLim)
	}))
}

// mailboxPasswordForm handles GET /mailbox/password (public).
func (h *Handler) mailboxPasswordForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "Mailbox password", views.MailboxPasswordPage("", "", false, nil))
}

// mailboxPasswordSubmit handles POST /mailbox/password (public): the owner of a mailbox proves its current
// password (checked against ISPConfig's stored SHA-512 crypt hash) and sets a new one. Every attempt is audited.
func (h *Handler) mailboxPasswordSubmit(w http.ResponseWriter, r *http.Request, ipLim, boxLim *httprate.RateLimiter) error {
	ctx := r.Context()
	f, err := parseForm(r, "email", "current_password", "new_password", "confirm_password")
	if err != nil {
		return err
	}
	email := strings.TrimSpace(f["email"])
	if len(email) > 254 {
		email = email[:254]
	}
	entry := store.AuditEntry{ActingEmail: email, EffectiveEmail: email, ObjectType: "mailbox", ObjectID: email,
		IP: clientIP(r), Action: "mailbox.password.public"}
	audit := func(outcome, detail string) {
		e := entry
		e.Outcome, e.Detail = outcome, detail
		h.appendAudit(ctx, e)
	}
	if ipLim.OnLimit(w, r, "ip:"+clientIP(r)) || boxLim.OnLimit(w, r, "mailbox:"+strings.ToLower(email)) {
		audit(store.OutcomeDenied, "rate limited")
		return userErr(http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again.")
	}
	errs := views.FieldErrors{}
	if m := auth.CheckNew(f["new_password"]); m != "" {
		errs["new_password"] = m
	} else if f["new_password"] != f["confirm_password"] {
		errs["confirm_password"] = "The two new passwords differ."
	}
	if len(errs) > 0 {
		audit(store.OutcomeFailure, "unusable new password")
		return h.render(w, r, http.StatusUnprocessableEntity, "Mailbox password", views.MailboxPasswordPage(email, "", false, errs))
	}
	failed := func(detail string) error {
		audit(store.OutcomeFailure, detail)
		return h.render(w, r, http.StatusUnauthorized, "Mailbox password", views.MailboxPasswordPage(email, mailboxPasswordFailed, false, nil))
	}
	current := f["current_password"]
	// An unknown mailbox costs the same hashing work as a known one.
	unknown := func(detail string) error {
		ispapi.VerifyMailPassword(current, ispapi.DummyMailPasswordHash)
		return failed(detail)
	}
	if current == "" || len(current) > auth.MaxPasswordLen {
		return unknown("no current password")
	}
	addr, err := ispapi.NormalizeEmail(email)
	if err != nil {
		return unknown("invalid address")
	}
	m, err := store.NewMail(h.pool).MailboxByEmail(ctx, addr)
	if err != nil {
		return unknown("unknown mailbox")
	}
	entry.ObjectID = idString(m.ID)
	if m.State != store.StateActive || m.ISPID == nil {
		return unknown("mailbox not active")
	}
	c, err := store.NewCustomers(h.pool).ByID(ctx, m.CustomerID)
	if err != nil {
		return err
	}
	if mailWritable(c) != nil {
		return unknown("customer suspended or inactive")
	}
	isp, _, err := h.mailISP(ctx, c)
	if err != nil {
		return err
	}
	ok, err := isp.CheckMailUserPassword(ctx, *m.ISPID, current)
	if err != nil {
		h.log.WarnContext(ctx, "mailbox password check failed", "err", err, "mailbox_id", m.ID)
		return failed("platform error: " + errDetail(err))
	}
	if !ok {
		return failed("wrong current password")
	}
	pw := f["new_password"]
	if err := isp.UpdateMailUser(ctx, *m.ISPID, ispapi.MailUserUpdate{Password: &pw}); err != nil {
		if msg := remoteFieldErr(err); msg != "" {
			audit(store.OutcomeFailure, "new password refused by ISPConfig")
			return h.render(w, r, http.StatusUnprocessableEntity, "Mailbox password",
				views.MailboxPasswordPage(email, "", false, views.FieldErrors{"new_password": msg}))
		}
		h.log.WarnContext(ctx, "mailbox password change failed", "err", err, "mailbox_id", m.ID)
		return failed("platform error: " + errDetail(err))
	}
	audit(store.OutcomeSuccess, "")
	return h.render(w, r, http.StatusOK, "Mailbox password", views.MailboxPasswordPage("",
		"Your mailbox password has been changed. The mail server uses it after a short delay.", true, nil))
}
