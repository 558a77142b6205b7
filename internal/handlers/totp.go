package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/factors"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

// Session keys of the second factor.
const (
	keyPending   = "pending_id" // the account whose password was right, waiting for its second factor
	keyPendingAt = "pending_at" // unix nanoseconds of that password check
	keyTOTPSetup = "totp_setup" // a new TOTP secret shown to the acting account, not yet confirmed (sealed)
	// The state (webauthn.SessionData as JSON: the challenge, what it is for) of a passkey ceremony under way.
	keyPasskeySetup   = "passkey_setup"   // adding a passkey to the acting account
	keyPasskeyLogin   = "passkey_login"   // the second step of a sign-in
	keyPasskeyConfirm = "passkey_confirm" // a re-authentication (Confirm it's you)
	pendingFor        = 5 * time.Minute
	countTOTPFail     = "signin.totp.failed"
)

// factorsActor is the factors service's view of the signed-in principal.
func (h *Handler) factorsActor(r *http.Request) factors.Actor {
	p, _ := principalFrom(r.Context())
	return factors.Actor{Acting: p.Acting, Effective: p.Effective, IP: clientIP(r)}
}

// secondFactorForm handles GET /login/2fa: a passkey button when the account has passkeys (the challenge kept in
// the session), a code field when it has an authenticator app.
func (h *Handler) secondFactorForm(w http.ResponseWriter, r *http.Request) error {
	acct, ok := h.pendingAccount(r)
	if !ok {
		redirect(w, r, "/login")
		return nil
	}
	return h.renderSecondFactor(w, r, http.StatusOK, acct, "")
}

// renderSecondFactor renders the second step of acct's sign-in, with a fresh passkey challenge when it has passkeys.
func (h *Handler) renderSecondFactor(w http.ResponseWriter, r *http.Request, status int, acct store.Account, msg string) error {
	options := ""
	if acct.Passkeys > 0 && h.factors.PasskeysAvailable() {
		opts, state, err := h.factors.BeginPasskeySignIn(r.Context(), acct)
		if err != nil {
			return err
		}
		h.sessions.Put(r.Context(), keyPasskeyLogin, state)
		options = string(opts)
	}
	return h.render(w, r, status, "Second factor", views.SecondFactorPage(msg, acct.HasTOTP(), options))
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
	if err != nil || !acct.HasSecondFactor() || acct.PasswordChangedAt.UnixNano() > at {
		return store.Account{}, false
	}
	return acct, true
}

// secondFactorSubmit handles POST /login/2fa: a current TOTP code (each accepted once) or an unused recovery code
// completes the sign-in. Attempts are charged to the account before the check, and PORTAL_LOGIN_MAX_FAILURES
// wrong codes lock the second step for PORTAL_LOGIN_LOCKOUT.
func (h *Handler) secondFactorSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "code")
	if err != nil {
		return err
	}
	return h.secondFactorAttempt(w, r, func(ctx context.Context, acct store.Account) (string, error) {
		ok, err := h.factors.CheckTOTP(ctx, acct, f["code"], h.opts.Now())
		if ok || err != nil {
			return "totp", err
		}
		if ok, err = h.factors.UseRecoveryCode(ctx, acct.ID, f["code"]); ok || err != nil {
			return "recovery code", err
		}
		return "", nil
	}, i18n.M("That code did not work. Try the current code, or a recovery code."))
}

// secondFactorPasskey handles POST /login/2fa/passkey: the browser's passkey assertion for the challenge in the
// session completes the sign-in. It is charged and locked like a code.
func (h *Handler) secondFactorPasskey(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "credential")
	if err != nil {
		return err
	}
	state := h.sessions.PopString(r.Context(), keyPasskeyLogin)
	return h.secondFactorAttempt(w, r, func(ctx context.Context, acct store.Account) (string, error) {
		ok, err := h.factors.FinishPasskeySignIn(ctx, acct, state, []byte(f["credential"]))
		if ok {
			return "passkey", err
		}
		return "", err
	}, i18n.M("That passkey did not work. Try again, or use another second factor."))
}

// secondFactorAttempt runs one attempt at the second step: check says how the factor was proved ("" when it
// wasn't). Attempts are charged to the account before the check, and PORTAL_LOGIN_MAX_FAILURES wrong ones lock
// the second step for PORTAL_LOGIN_LOCKOUT.
func (h *Handler) secondFactorAttempt(w http.ResponseWriter, r *http.Request, check func(context.Context, store.Account) (string, error), failed string) error {
	ctx := r.Context()
	acct, ok := h.pendingAccount(r)
	if !ok {
		return userErr(http.StatusUnauthorized, "Your sign-in has expired. Please sign in again.")
	}
	how := ""
	_, ok, err := h.access.Guarded(ctx, access.LockSecondFactor, acct.ID, h.signInLimits(), h.opts.Now(), false, func() (bool, error) {
		var err error
		how, err = check(ctx, acct)
		return how != "", err
	})
	if err != nil {
		return err
	}
	if !ok {
		h.countAttempt(ctx, countTOTPFail, accountKey(acct.ID))
		return h.renderSecondFactor(w, r, http.StatusUnauthorized, acct, failed)
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
	return h.renderTwoFactor(w, r, http.StatusOK, "", nil)
}

// renderTwoFactor renders the acting account's second factors, with errs about the passkey name typed as name.
func (h *Handler) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, name string, errs views.FieldErrors) error {
	p, _ := principalFrom(r.Context())
	o, err := h.factors.Overview(r.Context(), p.Acting.ID)
	if err != nil {
		return err
	}
	return h.render(w, r, status, "Two-factor sign-in", views.TwoFactorPage(views.TwoFactor{TOTP: p.Acting.HasTOTP(),
		TOTPAvailable: h.factors.TOTPAvailable(), CodesLeft: o.CodesLeft, Passkeys: o.Passkeys,
		PasskeysAvailable: h.factors.PasskeysAvailable(), Name: name}, errs))
}

// confirmedFactorChange starts a change to the acting account's second factors: refused while impersonating
// (nobody changes another account's second factor through impersonation), and it renders the re-authentication
// page unless the acting user confirmed it is them within the last 5 minutes. It returns true when it rendered
// (or err is set); afterwards the user comes back to /account/2fa.
func (h *Handler) confirmedFactorChange(w http.ResponseWriter, r *http.Request, action string) (bool, error) {
	p, _ := principalFrom(r.Context())
	if p.Impersonating() {
		h.audited(r, p, action, "account", idString(p.Effective.ID), store.OutcomeDenied, "while impersonating")
		return true, userErr(http.StatusForbidden, "Two-factor sign-in can't be changed while acting as another account.")
	}
	rendered, err := h.needConfirm(w, r, "/account/2fa")
	if rendered && err == nil {
		h.audited(r, p, action, "account", idString(p.Acting.ID), store.OutcomeDenied, "re-authentication needed")
	}
	return rendered, err
}

// twoFactorSetup handles POST /account/2fa/setup: a new secret is shown (kept in the session until a first code
// confirms it).
func (h *Handler) twoFactorSetup(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "totp.enable"); done || err != nil {
		return err
	}
	secret, qr, pending, err := h.factors.NewTOTP(h.factorsActor(r))
	if err != nil {
		return err
	}
	h.sessions.Put(r.Context(), keyTOTPSetup, pending)
	return h.render(w, r, http.StatusOK, "Set up two-factor sign-in", views.TwoFactorSetupPage(secret, qr, nil))
}

// twoFactorEnable handles POST /account/2fa/enable: a code from the new secret turns it on, with ten new
// recovery codes shown once.
func (h *Handler) twoFactorEnable(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "code")
	if err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "totp.enable"); done || err != nil {
		return err
	}
	secret, ok := h.factors.PendingTOTP(h.factorsActor(r), h.sessions.GetString(ctx, keyTOTPSetup))
	if !ok {
		redirect(w, r, "/account/2fa")
		return nil
	}
	codes, err := h.factors.ConfirmTOTP(ctx, h.factorsActor(r), secret, f["code"], h.opts.Now())
	if fields := fieldErrors(r, err); fields != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, "Set up two-factor sign-in", views.TwoFactorSetupPage(secret, "", fields))
	}
	if err != nil {
		return err
	}
	h.sessions.Remove(ctx, keyTOTPSetup)
	return h.render(w, r, http.StatusOK, "Two-factor sign-in is on", views.RecoveryCodesPage("Two-factor sign-in is on", codes))
}

// twoFactorDisable handles POST /account/2fa/disable: the authenticator app and its recovery codes are removed.
func (h *Handler) twoFactorDisable(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "totp.disable"); done || err != nil {
		return err
	}
	if err := h.factors.DisableTOTP(r.Context(), h.factorsActor(r)); err != nil {
		return err
	}
	h.flash(r, "The authenticator app is off.")
	redirect(w, r, "/account/2fa")
	return nil
}

// recoveryCodesRegenerate handles POST /account/2fa/recovery: ten new recovery codes replace the old ones, shown
// once.
func (h *Handler) recoveryCodesRegenerate(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "recovery_codes.regenerate"); done || err != nil {
		return err
	}
	codes, err := h.factors.RegenerateRecoveryCodes(r.Context(), h.factorsActor(r))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "New recovery codes", views.RecoveryCodesPage("New recovery codes", codes))
}

// passkeyNew handles POST /account/passkeys/new: after the name, the page that runs the browser's passkey
// creation (the challenge kept in the session).
func (h *Handler) passkeyNew(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "name")
	if err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "passkey.add"); done || err != nil {
		return err
	}
	name, err := factors.CheckPasskeyName(f["name"])
	if fields := fieldErrors(r, err); fields != nil {
		return h.renderTwoFactor(w, r, http.StatusUnprocessableEntity, f["name"], fields)
	}
	opts, state, err := h.factors.BeginPasskeyRegistration(r.Context(), h.factorsActor(r))
	if err != nil {
		return err
	}
	h.sessions.Put(r.Context(), keyPasskeySetup, state)
	return h.render(w, r, http.StatusOK, "Add a passkey", views.PasskeyCreatePage(name, string(opts), nil))
}

// passkeyCreate handles POST /account/passkeys: the browser's new credential for the challenge in the session is
// checked and stored under its name.
func (h *Handler) passkeyCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "name", "credential")
	if err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "passkey.add"); done || err != nil {
		return err
	}
	state := h.sessions.PopString(ctx, keyPasskeySetup)
	k, err := h.factors.FinishPasskeyRegistration(ctx, h.factorsActor(r), state, f["name"], []byte(f["credential"]))
	if fields := fieldErrors(r, err); fields != nil {
		return h.renderTwoFactor(w, r, http.StatusUnprocessableEntity, f["name"], fields)
	}
	if err != nil {
		return err
	}
	h.flash(r, "The passkey “%s” is added. Sign-in now asks for it (or another second factor) after your password.", k.Name)
	redirect(w, r, "/account/2fa")
	return nil
}

// passkeyDelete handles POST /account/passkeys/delete: the acting account removes one of its passkeys (by id, in
// the form; another account's id is not found).
func (h *Handler) passkeyDelete(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "id")
	if err != nil {
		return err
	}
	if done, err := h.confirmedFactorChange(w, r, "passkey.remove"); done || err != nil {
		return err
	}
	id, err := strconv.ParseInt(f["id"], 10, 64)
	if err != nil {
		return errNotFound
	}
	k, err := h.factors.RemovePasskey(r.Context(), h.factorsActor(r), id)
	if err != nil {
		return err
	}
	h.flash(r, "The passkey “%s” is removed.", k.Name)
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
	return true, h.renderConfirm(w, r, http.StatusForbidden, next, nil)
}

// confirmedRecently reports whether the acting person confirmed their password within the re-authentication window.
func (h *Handler) confirmedRecently(r *http.Request) bool {
	at := h.sessions.GetInt64(r.Context(), keyConfirmedAt)
	return at != 0 && h.opts.Now().Sub(time.Unix(0, at)) <= reauthWithin
}

// renderConfirm renders the re-authentication page: the password, and the acting account's second factor (a TOTP
// code, or else a passkey, whose challenge is kept in the session).
func (h *Handler) renderConfirm(w http.ResponseWriter, r *http.Request, status int, next string, errs views.FieldErrors) error {
	p, _ := principalFrom(r.Context())
	options := ""
	if !p.Acting.HasTOTP() && p.Acting.Passkeys > 0 && h.factors.PasskeysAvailable() {
		opts, state, err := h.factors.BeginPasskeySignIn(r.Context(), p.Acting)
		if err != nil {
			return err
		}
		h.sessions.Put(r.Context(), keyPasskeyConfirm, state)
		options = string(opts)
	}
	return h.render(w, r, status, "Confirm it's you", views.ConfirmPage(next, p.Acting.HasTOTP(), options, errs))
}

// confirmSubmit handles POST /account/confirm: the acting user's password again, and its second factor (its TOTP
// code, or else a passkey), when it has one.
func (h *Handler) confirmSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "next", "current_password", "code", "credential")
	if err != nil {
		return err
	}
	passkeyState := h.sessions.PopString(ctx, keyPasskeyConfirm)
	next := f["next"]
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = roleHome(p.Effective.Role)
	}
	var errs views.FieldErrors
	allowed, _, err := h.access.Guarded(ctx, access.LockReauth, p.Acting.ID, h.signInLimits(), h.opts.Now(), true, func() (bool, error) {
		var err error
		if errs, err = h.reauthPassword(r, p, f["current_password"]); err != nil || errs != nil {
			return false, err
		}
		if p.Acting.HasTOTP() {
			fresh, err := h.factors.CheckTOTP(ctx, p.Acting, f["code"], h.opts.Now())
			if err == nil && !fresh {
				errs = views.FieldErrors{"code": i18n.T(r.Context(), "That code did not work. Use the current code.")}
			}
			return fresh, err
		}
		if p.Acting.Passkeys > 0 && h.factors.PasskeysAvailable() {
			ok, err := h.factors.FinishPasskeySignIn(ctx, p.Acting, passkeyState, []byte(f["credential"]))
			if err == nil && !ok {
				errs = views.FieldErrors{"credential": i18n.T(r.Context(), "That passkey did not work. Try again.")}
			}
			return ok, err
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if !allowed && errs == nil {
		errs = views.FieldErrors{"current_password": i18n.T(r.Context(), "Too many attempts. Try again later.")}
	}
	if errs != nil {
		h.audited(r, p, "reauth", "account", idString(p.Acting.ID), store.OutcomeFailure, "")
		return h.renderConfirm(w, r, http.StatusUnprocessableEntity, next, errs)
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
		return views.FieldErrors{"current_password": i18n.T(r.Context(), "That is not your password.")}, nil
	}
	return nil, nil
}
