package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"portal/internal/auth"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

// signInFailed is the one message for every failed sign-in: it never tells whether the account exists or is locked.
var signInFailed = i18n.M("Sign-in failed. Check your email and password, or try again later.")

// loginForm handles GET /login: the sign-in page, or the dashboard for someone already signed in.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	if p, err := h.loadPrincipal(r); err == nil {
		redirect(w, r, roleHome(p.Effective.Role))
		return nil
	}
	return h.render(w, r, http.StatusOK, "Sign in", views.LoginPage("", ""))
}

// loginSubmit handles POST /login. Rate limits apply per IP (IPv6: per /64) and per submitted email, in Postgres
// so every replica shares them; repeated failures lock the account for a while. Each attempt is charged to the
// account before its password is compared (one statement), so concurrent guesses can't outrun the lock. Unknown
// emails cost the same password-hashing work as known ones; hashing waits for one of a bounded number of slots.
// Failed and refused attempts are counted per key and hour (attempt_counts), not written to the audit log; a
// lockout and a successful sign-in are audited.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "email", "password")
	if err != nil {
		return err
	}
	email := strings.TrimSpace(f["email"])
	password := f["password"]
	if len(email) > 254 {
		email = email[:254]
	}
	ip := ipKey(clientIP(r))
	typedKey := store.AttemptKey(strings.ToLower(email)) // never the typed email itself

	limited, err := h.overLimit(ctx, scopeSigninIP, ip, h.opts.LoginRatePerIP)
	if err == nil && !limited {
		limited, err = h.overLimit(ctx, scopeSigninEmail, typedKey, h.opts.LoginRatePerAccount)
	}
	if err != nil {
		return err
	}
	if limited {
		h.countAttempt(ctx, countSigninLimited, ip)
		return userErr(http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")
	}
	if email == "" || password == "" || len(password) > auth.MaxPasswordLen {
		h.countAttempt(ctx, countSigninFailed, typedKey)
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	}
	release, err := h.hashSlot(ctx)
	if err != nil {
		return err
	}
	defer release()

	acct, err := h.accounts.ByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		h.hasher.VerifyNothing(password)
		h.countAttempt(ctx, countSigninFailed, typedKey)
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	}
	if err != nil {
		return err
	}
	now := h.opts.Now()
	allowed, err := h.accounts.BeginSignIn(ctx, acct.ID, h.opts.LoginMaxFailures, now)
	if err != nil {
		return err
	}
	ok := h.hasher.Verify(password, acct.PasswordHash) // always do the work, locked or not
	switch {
	case !allowed:
		h.countAttempt(ctx, countSigninLocked, accountKey(acct.ID))
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	case !ok:
		locked, err := h.accounts.FailSignIn(ctx, acct.ID, h.opts.LoginMaxFailures, h.opts.LoginLockout, now)
		if err != nil {
			return err
		}
		h.countAttempt(ctx, countSigninFailed, accountKey(acct.ID))
		if locked {
			h.appendAudit(ctx, store.AuditEntry{ActingAccountID: &acct.ID, EffectiveAccountID: &acct.ID,
				ActingEmail: acct.Email, EffectiveEmail: acct.Email, ObjectType: "account", ObjectID: idString(acct.ID),
				IP: clientIP(r), Action: "signin.lockout", Outcome: store.OutcomeFailure,
				Detail: "locked after " + idString(int64(h.opts.LoginMaxFailures)) + " failures for " + h.opts.LoginLockout.String()})
		}
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	}

	if err := h.accounts.ResetFailures(ctx, acct.ID); err != nil {
		return err
	}
	if acct.HasSecondFactor() {
		// The password was right; the session is not signed in until the second factor is.
		if err := h.sessions.RenewToken(ctx); err != nil {
			return err
		}
		h.sessions.Put(ctx, keyPending, acct.ID)
		h.sessions.Put(ctx, keyPendingAt, h.opts.Now().UnixNano())
		redirect(w, r, "/login/2fa")
		return nil
	}
	return h.completeSignIn(w, r, acct, "")
}

// logout handles POST /logout: the session is deleted on the server and the cookie's token renewed.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if p, err := h.loadPrincipal(r); err == nil {
		h.audited(r, p, "signout", "account", idString(p.Acting.ID), store.OutcomeSuccess, "")
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		return err
	}
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	redirect(w, r, "/login")
	return nil
}

// passwordForm handles GET /account/password for any signed-in user, after a recent confirmation of identity.
func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request) error {
	if done, err := h.needConfirm(w, r, "/account/password"); done || err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Change password", views.PasswordPage(nil))
}

// passwordSubmit handles POST /account/password: the acting user changes their own password, having confirmed it
// is them within the last 5 minutes (otherwise the confirmation page comes first). Refused while impersonating:
// nobody changes another account's sign-in through impersonation.
func (h *Handler) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if p.Impersonating() {
		h.audited(r, p, "password.change", "account", idString(p.Effective.ID), store.OutcomeDenied, "while impersonating")
		return userErr(http.StatusForbidden, "Passwords can't be changed while acting as another account.")
	}
	f, err := parseForm(r, "new_password", "confirm_password")
	if err != nil {
		return err
	}
	if done, err := h.needConfirm(w, r, "/account/password"); done || err != nil {
		h.audited(r, p, "password.change", "account", idString(p.Acting.ID), store.OutcomeDenied, "re-authentication needed")
		return err
	}
	release, err := h.hashSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	errs := views.FieldErrors{}
	if msg := auth.CheckNew(f["new_password"]); msg.Format != "" {
		errs["new_password"] = msg.In(i18n.From(ctx))
	} else if f["new_password"] != f["confirm_password"] {
		errs["confirm_password"] = i18n.T(ctx, "The two new passwords differ.")
	}
	if len(errs) > 0 {
		return h.render(w, r, http.StatusUnprocessableEntity, "Change password", views.PasswordPage(errs))
	}
	hash, err := h.hasher.Hash(f["new_password"])
	if err != nil {
		return err
	}
	changedAt, err := h.accounts.SetPassword(ctx, p.Acting.ID, hash)
	if err != nil {
		return err
	}
	// Every other session of this account signed in before changedAt and is now invalid; this one continues
	// under a new token.
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, keyAuthAt, changedAt.UnixNano())
	h.audited(r, p, "password.change", "account", idString(p.Acting.ID), store.OutcomeSuccess, "")
	h.flash(r, "Your password has been changed. Other sessions were signed out.")
	redirect(w, r, roleHome(p.Effective.Role))
	return nil
}

// audited appends an audit entry for a signed-in principal.
func (h *Handler) audited(r *http.Request, p Principal, action, objType, objID, outcome, detail string) {
	h.appendAudit(r.Context(), store.AuditEntry{
		ActingAccountID: &p.Acting.ID, ActingEmail: p.Acting.Email,
		EffectiveAccountID: &p.Effective.ID, EffectiveEmail: p.Effective.Email,
		Action: action, ObjectType: objType, ObjectID: objID, IP: clientIP(r), Outcome: outcome, Detail: detail,
	})
}

// appendAudit writes an entry; a failure to audit is logged loudly but does not fail the user's request after the
// fact (the action already happened).
func (h *Handler) appendAudit(ctx context.Context, e store.AuditEntry) {
	if err := h.audit.Append(context.WithoutCancel(ctx), e); err != nil {
		h.log.ErrorContext(ctx, "audit append failed", "err", err, "action", e.Action)
	}
}

// languageForm handles GET /account/language: the acting person's choice of language.
func (h *Handler) languageForm(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	return h.render(w, r, http.StatusOK, "Language", views.LanguagePage(p.Acting.Language, nil))
}

// languageSubmit handles POST /account/language: the acting person chooses a language, or the browser's again.
func (h *Handler) languageSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	f, err := parseForm(r, "language")
	if err != nil {
		return err
	}
	err = h.access.SetLanguage(r.Context(), h.actor(r), f["language"])
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			return h.render(w, r, http.StatusUnprocessableEntity, "Language", views.LanguagePage(f["language"], errs))
		})
	}
	// The confirmation already speaks the new language.
	r = r.WithContext(i18n.With(r.Context(), i18n.Pick(f["language"], r.Header.Get("Accept-Language"))))
	h.flash(r, "The language is saved.")
	redirect(w, r, roleHome(p.Effective.Role))
	return nil
}
