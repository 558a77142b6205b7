package handlers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"portal/internal/views"
)

// customerInvite serves POST /customers/{customerID}/invite: a new invitation replaces the open one.
func (h *Handler) customerInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.access.ResendInvite(r.Context(), h.actor(r), id); err != nil {
		return err
	}
	h.flash(r, "A new invitation is on its way; the previous link no longer works.")
	redirect(w, r, fmt.Sprintf("/customers/%d", id))
	return nil
}

// inviteForm serves GET /invite/{token}: the invited owner chooses a password.
func (h *Handler) inviteForm(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	inv, err := h.access.InvitationFor(r.Context(), token)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Choose your password", views.InvitePage(r.URL.Path, inv.Email, nameSuffix(inv.Name), nil))
}

// inviteAccept serves POST /invite/{token}: set the password, confirm the address, then sign in.
func (h *Handler) inviteAccept(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	f, err := parseForm(r, "password", "confirm_password")
	if err != nil {
		return err
	}
	_, err = h.access.AcceptInvite(r.Context(), token, f["password"], f["confirm_password"], clientIP(r))
	if fields := fieldErrors(r, err); fields != nil {
		inv, ierr := h.access.InvitationFor(r.Context(), token)
		if ierr != nil {
			return ierr
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "Choose your password",
			views.InvitePage(r.URL.Path, inv.Email, nameSuffix(inv.Name), fields))
	}
	if err != nil {
		return err
	}
	h.flash(r, "Your password is set. Sign in with it now.")
	redirect(w, r, "/login")
	return nil
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return ", " + name
}

// forgotForm serves GET /password/forgot.
func (h *Handler) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "Forgot your password?", views.ForgotPage("", "", nil))
}

// forgotSubmit serves POST /password/forgot: the same answer whether or not an account uses the address.
func (h *Handler) forgotSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "email")
	if err != nil {
		return err
	}
	email := strings.TrimSpace(f["email"])
	err = h.access.RequestReset(r.Context(), email, clientIP(r))
	if fields := fieldErrors(r, err); fields != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, "Forgot your password?", views.ForgotPage(email, "", fields))
	}
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Forgot your password?", views.ForgotPage("", email, nil))
}

// resetForm serves GET /password/reset/{token}.
func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request) error {
	email, err := h.access.ResetFor(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Choose a new password", views.ResetPage(r.URL.Path, email, nil))
}

// resetSubmit serves POST /password/reset/{token}: a new password, and every session of the account ends.
func (h *Handler) resetSubmit(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	f, err := parseForm(r, "password", "confirm_password")
	if err != nil {
		return err
	}
	_, err = h.access.Reset(r.Context(), token, f["password"], f["confirm_password"], clientIP(r))
	if fields := fieldErrors(r, err); fields != nil {
		email, ferr := h.access.ResetFor(r.Context(), token)
		if ferr != nil {
			return ferr
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "Choose a new password", views.ResetPage(r.URL.Path, email, fields))
	}
	if err != nil {
		return err
	}
	// This browser's own session (if any) signed in before the reset, like every other: it ends too.
	if err := h.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	h.flash(r, "Your password is set and every session was signed out. Sign in with the new password.")
	redirect(w, r, "/login")
	return nil
}

// emailForm serves GET /account/email.
func (h *Handler) emailForm(w http.ResponseWriter, r *http.Request) error {
	if rendered, err := h.needConfirm(w, r, "/account/email"); rendered || err != nil {
		return err // a sign-in change: the acting person confirms it is them first
	}
	p, _ := principalFrom(r.Context())
	return h.render(w, r, http.StatusOK, "Sign-in address", views.EmailChangePage(p.Acting.Email, p.Acting.PendingEmail, "", nil))
}

// emailSubmit serves POST /account/email: the new address stays pending until its link is followed.
func (h *Handler) emailSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	f, err := parseForm(r, "email")
	if err != nil {
		return err
	}
	err = h.access.RequestEmailChange(r.Context(), h.actor(r), f["email"])
	if fields := fieldErrors(r, err); fields != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, "Sign-in address",
			views.EmailChangePage(p.Acting.Email, p.Acting.PendingEmail, f["email"], fields))
	}
	if err != nil {
		return err
	}
	h.flash(r, "We sent a confirmation link to the new address. Until you follow it, you sign in as before.")
	redirect(w, r, "/account/email")
	return nil
}

// emailConfirmForm serves GET /account/email/confirm/{token}.
func (h *Handler) emailConfirmForm(w http.ResponseWriter, r *http.Request) error {
	email, err := h.access.EmailChangeFor(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Confirm your new address", views.EmailConfirmPage(r.URL.Path, email))
}

// emailConfirm serves POST /account/email/confirm/{token}.
func (h *Handler) emailConfirm(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	a, err := h.access.ConfirmEmailChange(r.Context(), chi.URLParam(r, "token"), clientIP(r))
	if err != nil {
		return err
	}
	h.flash(r, "Your sign-in address is now %s.", a.Email)
	redirect(w, r, "/")
	return nil
}
