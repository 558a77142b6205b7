package handlers

import (
	"net/http"
	"strings"
	"time"

	"portal/internal/auth"
	"portal/internal/store"
	"portal/internal/views"
)

// Session keys of the second factor.
const (
	keyPending    = "pending_id" // the account whose password was right, waiting for its second factor
	keyPendingAt  = "pending_at" // unix nanoseconds of that password check
	keyTOTPSetup  = "totp_setup" // a new TOTP secret shown to the acting account, not yet confirmed
	pendingFor    = 5 * time.Minute
	totpScope     = "signin.totp" // lockouts scope of second-factor attempts, per account
	countTOTPFail = "signin.totp.failed"
)

// secondFactorForm handles GET /login/2fa.
func (h *Handler) secondFactorForm(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.pendingAccount(r); !ok {
		redirect(w, r, "/login")
		return nil
	}
	return h.render(w, r, http.StatusOK, "Second factor", views.SecondFactorPage(""))
}

// pendingAccount returns the account whose password was checked less than 5 minutes ago in this session.
func (h *Handler) pendingAccount(r *http.Request) (store.Account, bool) {
	ctx := r.Context()
	id := h.sessions.GetInt64(ctx, keyPending)
	at := h.sessions.GetInt64(ctx, keyPendingAt)
	if id == 0 || h.opts.Now().Sub(time.Unix(0, at)) > pendingFor {
		return store.Account{}, false
	}
	acct, err := h.accounts.ByID(ctx, id)
	if err != nil || !acct.HasTOTP() || acct.PasswordChangedAt.UnixNano() > at {
		return store.Account{}, false
	}
	return acct, true
}

// secondFactorSubmit handles POST /login/2fa: a current TOTP code (each accepted once) or an unused recovery code
// completes the sign-in. Attempts are charged to the account before the check, and PORTAL_LOGIN_MAX_FAILURES
// wrong codes lock the second step for PORTAL_LOGIN_LOCKOUT.
func (h *Handler) secondFactorSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "code")
	if err != nil {
		return err
	}
	acct, ok := h.pendingAccount(r)
	if !ok {
		return userErr(http.StatusUnauthorized, "Your sign-in has expired. Please sign in again.")
	}
	now := h.opts.Now()
	locks := store.NewLockouts(h.pool)
	key := accountKey(acct.ID)
	allowed, _, err := locks.Begin(ctx, totpScope, key, h.opts.LoginMaxFailures, now)
	if err != nil {
		return err
	}
	how := ""
	if allowed {
		code := f["code"]
		if step, ok := auth.CheckTOTP(acct.TOTPSecret, code, now); ok {
			fresh, err := h.accounts.UseTOTPStep(ctx, acct.ID, step)
			if err != nil {
				return err
			}
			if fresh {
				how = "totp"
			}
		} else if len(code) <= 40 {
			used, err := h.accounts.UseRecoveryCode(ctx, acct.ID, auth.HashRecoveryCode(code))
			if err != nil {
				return err
			}
			if used {
				how = "recovery code"
			}
		}
	}
	if how == "" {
		if allowed {
			if _, err := locks.Fail(ctx, totpScope, key, h.opts.LoginMaxFailures, h.opts.LoginLockout, now); err != nil {
				return err
			}
		}
		h.countAttempt(ctx, countTOTPFail, key)
		return h.render(w, r, http.StatusUnauthorized, "Second factor", views.SecondFactorPage("That code did not work. Try the current code, or a recovery code."))
	}
	if err := locks.Succeed(ctx, totpScope, key); err != nil {
		return err
	}
	return h.completeSignIn(w, r, acct, how)
}

// completeSignIn starts the signed-in session of acct (after its password and, if it has one, its second factor).
func (h *Handler) completeSignIn(w http.ResponseWriter, r *http.Request, acct store.Account, how string) error {
	ctx := r.Context()
	// A new token at sign-in defeats session fixation.
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Remove(ctx, keyPending)
	h.sessions.Remove(ctx, keyPendingAt)
	h.sessions.Put(ctx, keyActing, acct.ID)
	h.sessions.Put(ctx, keyEffective, acct.ID)
	h.sessions.Put(ctx, keyAuthAt, h.opts.Now().UnixNano())
	h.sessions.Put(ctx, keyConfirmedAt, h.opts.Now().UnixNano())
	h.appendAudit(ctx, store.AuditEntry{ActingAccountID: &acct.ID, EffectiveAccountID: &acct.ID,
		ActingEmail: acct.Email, EffectiveEmail: acct.Email, ObjectType: "account", ObjectID: idString(acct.ID),
		IP: clientIP(r), Action: "signin.success", Outcome: store.OutcomeSuccess, Detail: how})
	redirect(w, r, roleHome(acct.Role))
	return nil
}

// twoFactorPage handles GET /account/2fa for the acting account.
func (h *Handler) twoFactorPage(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	left, err := h.accounts.RecoveryCodesLeft(r.Context(), p.Acting.ID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Two-factor sign-in", views.TwoFactorPage(p.Acting.HasTOTP(), left, nil))
}

// reauth checks the acting account's current password (re-authentication before a change to its sign-in) and
// refuses while impersonating: nobody changes another account's second factor through impersonation.
func (h *Handler) reauth(r *http.Request, p Principal, password, action string) (views.FieldErrors, error) {
	if p.Impersonating() {
		h.audited(r, p, action, "account", idString(p.Effective.ID), store.OutcomeDenied, "while impersonating")
		return nil, userErr(http.StatusForbidden, "Two-factor sign-in can't be changed while acting as another account.")
	}
	errs, err := h.reauthPassword(r, p, password)
	if errs != nil {
		h.audited(r, p, action, "account", idString(p.Acting.ID), store.OutcomeFailure, "wrong current password")
	}
	return errs, err
}

// twoFactorSetup handles POST /account/2fa/setup: after the password, a new secret is shown (kept in the session
// until a first code confirms it).
func (h *Handler) twoFactorSetup(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	f, err := parseForm(r, "current_password")
	if err != nil {
		return err
	}
	errs, err := h.reauth(r, p, f["current_password"], "totp.enable")
	if err != nil {
		return err
	}
	if errs != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, "Two-factor sign-in", views.TwoFactorPage(p.Acting.HasTOTP(), 0, errs))
	}
	secret, _, qr, err := auth.NewTOTP("Portal", p.Acting.Email)
	if err != nil {
		return err
	}
	h.sessions.Put(r.Context(), keyTOTPSetup, secret)
	return h.render(w, r, http.StatusOK, "Set up two-factor sign-in", views.TwoFactorSetupPage(secret, qr, nil))
}

// twoFactorEnable handles POST /account/2fa/enable: a code from the new secret turns it on, with ten new
// recovery codes shown once.
func (h *Handler) twoFactorEnable(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if p.Impersonating() {
		return userErr(http.StatusForbidden, "Two-factor sign-in can't be changed while acting as another account.")
	}
	f, err := parseForm(r, "code")
	if err != nil {
		return err
	}
	secret := h.sessions.GetString(ctx, keyTOTPSetup)
	if secret == "" {
		redirect(w, r, "/account/2fa")
		return nil
	}
	step, ok := auth.CheckTOTP(secret, f["code"], h.opts.Now())
	if !ok {
		return h.render(w, r, http.StatusUnprocessableEntity, "Set up two-factor sign-in",
			views.TwoFactorSetupPage(secret, "", views.FieldErrors{"code": "That code does not match. Check the app's clock and try the current code."}))
	}
	codes, hashes := auth.NewRecoveryCodes()
	if err := h.accounts.EnableTOTP(ctx, p.Acting.ID, secret, step, hashes); err != nil {
		return err
	}
	h.sessions.Remove(ctx, keyTOTPSetup)
	h.audited(r, p, "totp.enable", "account", idString(p.Acting.ID), store.OutcomeSuccess, "")
	return h.render(w, r, http.StatusOK, "Two-factor sign-in is on", views.RecoveryCodesPage(codes))
}

// twoFactorDisable handles POST /account/2fa/disable, after the password.
func (h *Handler) twoFactorDisable(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	f, err := parseForm(r, "current_password")
	if err != nil {
		return err
	}
	errs, err := h.reauth(r, p, f["current_password"], "totp.disable")
	if err != nil {
		return err
	}
	if errs != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, "Two-factor sign-in", views.TwoFactorPage(p.Acting.HasTOTP(), 0, errs))
	}
	if err := h.accounts.DisableTOTP(r.Context(), p.Acting.ID); err != nil {
		return err
	}
	h.audited(r, p, "totp.disable", "account", idString(p.Acting.ID), store.OutcomeSuccess, "")
	h.flash(r, "Two-factor sign-in is off.")
	redirect(w, r, "/account/2fa")
	return nil
}

// keyConfirmedAt is when the acting user last proved it is them (sign-in or /account/confirm), unix nanoseconds.
const keyConfirmedAt = "confirmed_at"

// reauthWithin is how recent that proof must be for a sensitive change.
const reauthWithin = 5 * time.Minute

// needConfirm renders the re-authentication page (403) unless the acting user proved it is them within the last 5
// minutes; next is where to go back to afterwards. It returns true when it rendered.
func (h *Handler) needConfirm(w http.ResponseWriter, r *http.Request, next string) (bool, error) {
	if h.confirmedRecently(r) {
		return false, nil
	}
	return true, h.confirmStep(w, r, next)
}

// confirmedRecently reports whether the acting person confirmed their password within the re-authentication window.
func (h *Handler) confirmedRecently(r *http.Request) bool {
	at := h.sessions.GetInt64(r.Context(), keyConfirmedAt)
	return at != 0 && h.opts.Now().Sub(time.Unix(0, at)) <= reauthWithin
}

// confirmStep shows the confirmation form, which returns to next.
func (h *Handler) confirmStep(w http.ResponseWriter, r *http.Request, next string) error {
	p, _ := principalFrom(r.Context())
	return h.render(w, r, http.StatusForbidden, "Confirm it's you", views.ConfirmPage(next, p.Acting.HasTOTP(), nil))
}

// confirmSubmit handles POST /account/confirm: the acting user's password (and TOTP code, when it has one) again.
func (h *Handler) confirmSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "next", "current_password", "code")
	if err != nil {
		return err
	}
	next := f["next"]
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = roleHome(p.Effective.Role)
	}
	locks := store.NewLockouts(h.pool)
	key := accountKey(p.Acting.ID)
	allowed, _, err := locks.Begin(ctx, "confirm", key, h.opts.LoginMaxFailures, h.opts.Now())
	if err != nil {
		return err
	}
	errs, err := h.reauthPassword(r, p, f["current_password"])
	if err != nil {
		return err
	}
	if errs == nil && p.Acting.HasTOTP() {
		step, ok := auth.CheckTOTP(p.Acting.TOTPSecret, f["code"], h.opts.Now())
		fresh := false
		if ok {
			if fresh, err = h.accounts.UseTOTPStep(ctx, p.Acting.ID, step); err != nil {
				return err
			}
		}
		if !fresh {
			errs = views.FieldErrors{"code": "That code did not work. Use the current code."}
		}
	}
	if !allowed && errs == nil {
		errs = views.FieldErrors{"current_password": "Too many attempts. Try again later."}
	}
	if errs != nil {
		if allowed {
			if _, err := locks.Fail(ctx, "confirm", key, h.opts.LoginMaxFailures, h.opts.LoginLockout, h.opts.Now()); err != nil {
				return err
			}
		}
		h.audited(r, p, "reauth", "account", idString(p.Acting.ID), store.OutcomeFailure, "")
		return h.render(w, r, http.StatusUnprocessableEntity, "Confirm it's you", views.ConfirmPage(next, p.Acting.HasTOTP(), errs))
	}
	if err := locks.Succeed(ctx, "confirm", key); err != nil {
		return err
	}
	h.sessions.Put(ctx, keyConfirmedAt, h.opts.Now().UnixNano())
	redirect(w, r, next)
	return nil
}

// reauthPassword checks the acting account's password; field errors when it is wrong.
func (h *Handler) reauthPassword(r *http.Request, p Principal, password string) (views.FieldErrors, error) {
	release, err := h.hashSlot(r.Context())
	if err != nil {
		return nil, err
	}
	defer release()
	if len(password) > auth.MaxPasswordLen || !h.hasher.Verify(password, p.Acting.PasswordHash) {
		return views.FieldErrors{"current_password": "That is not your password."}, nil
	}
	return nil, nil
}
