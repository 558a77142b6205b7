package handlers

import (
	"errors"
	"net/http"
	"time"

	"portal/internal/store"
)

// keyImpUntil is when an impersonation ends by itself (unix nanoseconds).
const keyImpUntil = "impersonate_until"

// impersonateStart serves POST /customers/{customerID}/impersonate. An admin may act as any reseller or client, a
// reseller as any of its own clients (the choke point has already checked that the customer is in the effective
// scope); nobody acts upward, and impersonations don't nest. The session keeps both accounts and gets a new token.
func (h *Handler) impersonateStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if p.Impersonating() {
		h.audited(r, p, "impersonate.start", string(c.Kind), idString(c.ID), store.OutcomeDenied, "already impersonating")
		return userErr(http.StatusConflict, "You are already acting as someone. Go back to your own account first.")
	}
	if !outranks(p.Acting.Role, c.Kind) || c.State != store.StateActive {
		h.audited(r, p, "impersonate.start", string(c.Kind), idString(c.ID), store.OutcomeDenied, "not allowed")
		return errNotFound
	}
	target, err := h.accounts.ByCustomer(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return userErr(http.StatusConflict, "This customer has no sign-in to act as.")
	}
	if err != nil {
		return err
	}
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	until := h.opts.Now().Add(h.opts.Settings.ImpersonateFor)
	h.sessions.Put(ctx, keyEffective, target.ID)
	h.sessions.Put(ctx, keyImpUntil, until.UnixNano())
	h.audited(r, Principal{Acting: p.Acting, Effective: target}, "impersonate.start", string(c.Kind), idString(c.ID), store.OutcomeSuccess, "until "+until.UTC().Format(time.RFC3339))
	h.flash(r, "You are now acting as %s.", target.Email)
	redirect(w, r, roleHome(target.Role))
	return nil
}

// outranks reports whether role may act as a customer of kind: admins as resellers and clients, resellers as
// clients.
func outranks(role, kind store.Role) bool {
	switch role {
	case store.RoleAdmin:
		return kind == store.RoleReseller || kind == store.RoleClient
	case store.RoleReseller:
		return kind == store.RoleClient
	}
	return false
}

// impersonateStop serves POST /impersonate/stop: back to the acting account, under a new session token.
func (h *Handler) impersonateStop(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if _, err := parseForm(r); err != nil {
		return err
	}
	if !p.Impersonating() {
		redirect(w, r, roleHome(p.Acting.Role))
		return nil
	}
	if err := h.endImpersonation(r, p, "impersonate.stop"); err != nil {
		return err
	}
	h.flash(r, "You are back in your own account.")
	redirect(w, r, roleHome(p.Acting.Role))
	return nil
}

func (h *Handler) endImpersonation(r *http.Request, p Principal, action string) error {
	ctx := r.Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, keyEffective, p.Acting.ID)
	h.sessions.Remove(ctx, keyImpUntil)
	h.audited(r, p, action, "account", idString(p.Effective.ID), store.OutcomeSuccess, "")
	return nil
}
