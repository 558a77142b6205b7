package handlers

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"portal/internal/access"
	"portal/internal/fail"
	"portal/internal/views"
)

// accessActor is the access service's view of the signed-in principal.
func (h *Handler) accessActor(r *http.Request) access.Actor {
	p, _ := principalFrom(r.Context())
	return access.Actor{Acting: p.Acting, Effective: p.Effective, IP: clientIP(r)}
}

// customerInvite serves POST /customers/{customerID}/invite: a new invitation replaces the open one.
func (h *Handler) customerInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.access.ResendInvite(r.Context(), h.accessActor(r), id); err != nil {
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
	if fields := fail.FieldsOf(err); fields != nil {
		inv, ierr := h.access.InvitationFor(r.Context(), token)
		if ierr != nil {
			return ierr
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "Choose your password",
			views.InvitePage(r.URL.Path, inv.Email, nameSuffix(inv.Name), views.FieldErrors(fields)))
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
