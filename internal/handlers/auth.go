package handlers

import (
	"context"
	"errors"
	"net/http"

	"portal/internal/access"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

// signInFailed is the one message for every failed sign-in.
var signInFailed = access.ErrSignInFailed.Msg

// loginForm handles GET /login: the sign-in page, or the dashboard for someone already signed in.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	if p, err := h.loadPrincipal(r); err == nil {
		redirect(w, r, roleHome(p.Effective.Role))
		return nil
	}
	return h.render(w, r, http.StatusOK, "Sign in", views.LoginPage("", ""))
}

// loginSubmit handles POST /login: access.SignIn checks the password under the sign-in's rate limits and lockout;
// then the second factor is asked for, or the session is signed in.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "email", "password")
	if err != nil {
		return err
	}
	acct, err := h.access.SignIn(ctx, access.SignInAttempt{Email: f["email"], Password: f["password"], IP: clientIP(r),
		Limits: h.signInLimits(), Now: h.opts.Now()})
	if errors.Is(err, access.ErrSignInFailed) {
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(access.TypedEmail(f["email"]), signInFailed))
	}
	if err != nil {
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

// signInLimits are the sign-in's limits as configured (PORTAL_LOGIN_*).
func (h *Handler) signInLimits() access.SignInLimits {
	return access.SignInLimits{PerIP: h.opts.LoginRatePerIP, PerEmail: h.opts.LoginRatePerAccount,
		MaxFailures: h.opts.LoginMaxFailures, Lockout: h.opts.LoginLockout}
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

// passwordSubmit handles POST /account/password: the acting user changes their own password (access.ChangePassword),
// having confirmed it is them within the last 5 minutes (otherwise the confirmation page comes first).
func (h *Handler) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "new_password", "confirm_password")
	if err != nil {
		return err
	}
	if !p.Impersonating() { // refused by ChangePassword, which says why
		if done, err := h.needConfirm(w, r, "/account/password"); done || err != nil {
			h.audited(r, p, "password.change", "account", idString(p.Acting.ID), store.OutcomeDenied, "re-authentication needed")
			return err
		}
	}
	changedAt, err := h.access.ChangePassword(ctx, h.actor(r), f["new_password"], f["confirm_password"])
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			return h.render(w, r, http.StatusUnprocessableEntity, "Change password", views.PasswordPage(errs))
		})
	}
	// Every other session of this account signed in before changedAt and is now invalid; this one continues
	// under a new token.
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, keyAuthAt, changedAt.UnixNano())
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
