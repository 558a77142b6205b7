package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"portal/internal/auth"
	"portal/internal/store"
	"portal/internal/views"
)

// signInFailed is the one message for every failed sign-in: it never tells whether the account exists or is locked.
const signInFailed = "Sign-in failed. Check your email and password, or try again later."

// loginForm handles GET /login: the sign-in page, or the dashboard for someone already signed in.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	if p, err := h.loadPrincipal(r); err == nil {
		redirect(w, r, roleHome(p.Effective.Role))
		return nil
	}
	return h.render(w, r, http.StatusOK, "Sign in", views.LoginPage("", ""))
}

// loginSubmit handles POST /login. Rate limits apply per IP and per submitted email; repeated failures lock the
// account for a while. Unknown emails cost the same password-hashing work as known ones.
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
	entry := store.AuditEntry{ActingEmail: email, EffectiveEmail: email, ObjectType: "account", IP: clientIP(r)}

	if h.ipLimiter.OnLimit(w, r, "ip:"+clientIP(r)) || h.emailLimiter.OnLimit(w, r, "email:"+strings.ToLower(email)) {
		entry.Action, entry.Outcome, entry.Detail = "signin.ratelimited", store.OutcomeDenied, "too many attempts"
		h.appendAudit(ctx, entry)
		return userErr(http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")
	}
	if email == "" || password == "" || len(password) > auth.MaxPasswordLen {
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	}

	acct, err := h.accounts.ByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		h.hasher.VerifyNothing(password)
		entry.Action, entry.Outcome, entry.Detail = "signin.failure", store.OutcomeFailure, "unknown account"
		h.appendAudit(ctx, entry)
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	}
	if err != nil {
		return err
	}
	entry.ActingAccountID, entry.EffectiveAccountID = &acct.ID, &acct.ID
	entry.ActingEmail, entry.EffectiveEmail = acct.Email, acct.Email
	entry.ObjectID = idString(acct.ID)

	ok := h.hasher.Verify(password, acct.PasswordHash) // always do the work, locked or not
	switch {
	case acct.Locked(h.opts.Now()):
		entry.Action, entry.Outcome, entry.Detail = "signin.failure", store.OutcomeDenied, "account locked"
		h.appendAudit(ctx, entry)
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	case !ok:
		updated, err := h.accounts.RecordFailure(ctx, acct.ID, h.opts.LoginMaxFailures, h.opts.LoginLockout)
		if err != nil {
			return err
		}
		entry.Action, entry.Outcome, entry.Detail = "signin.failure", store.OutcomeFailure, "wrong password"
		h.appendAudit(ctx, entry)
		if updated.Locked(h.opts.Now()) {
			lock := entry
			lock.Action, lock.Detail = "signin.lockout", "locked after "+idString(int64(h.opts.LoginMaxFailures))+" failures for "+h.opts.LoginLockout.String()
			h.appendAudit(ctx, lock)
		}
		return h.render(w, r, http.StatusUnauthorized, "Sign in", views.LoginPage(email, signInFailed))
	}

	if err := h.accounts.ResetFailures(ctx, acct.ID); err != nil {
		return err
	}
	// A new token at sign-in defeats session fixation.
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, keyActing, acct.ID)
	h.sessions.Put(ctx, keyEffective, acct.ID)
	h.sessions.Put(ctx, keyAuthAt, h.opts.Now().UnixNano())
	entry.Action, entry.Outcome = "signin.success", store.OutcomeSuccess
	h.appendAudit(ctx, entry)
	redirect(w, r, roleHome(acct.Role))
	return nil
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

// passwordForm handles GET /account/password for any signed-in user.
func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "Change password", views.PasswordPage(nil))
}

// passwordSubmit handles POST /account/password: the acting user changes their own password, proving the current
// one. Refused while impersonating: nobody changes another account's sign-in through impersonation.
func (h *Handler) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if p.Impersonating() {
		h.audited(r, p, "password.change", "account", idString(p.Effective.ID), store.OutcomeDenied, "while impersonating")
		return userErr(http.StatusForbidden, "Passwords can't be changed while acting as another account.")
	}
	f, err := parseForm(r, "current_password", "new_password", "confirm_password")
	if err != nil {
		return err
	}
	errs := views.FieldErrors{}
	if msg := auth.CheckNew(f["new_password"]); msg != "" {
		errs["new_password"] = msg
	} else if f["new_password"] != f["confirm_password"] {
		errs["confirm_password"] = "The two new passwords differ."
	}
	if len(f["current_password"]) > auth.MaxPasswordLen || !h.hasher.Verify(f["current_password"], p.Acting.PasswordHash) {
		errs["current_password"] = "That is not your current password."
		h.audited(r, p, "password.change", "account", idString(p.Acting.ID), store.OutcomeFailure, "wrong current password")
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
