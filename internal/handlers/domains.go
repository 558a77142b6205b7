package handlers

import (
	"context"
	"net/http"

	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

// canManageDomains: admins and resellers manage the table; clients only read it.
func canManageDomains(p Principal) bool { return p.Effective.Role != store.RoleClient }

func (h *Handler) domainsData(ctx context.Context, r *http.Request, p Principal) (views.DomainsData, error) {
	lq, err := listQuery(r)
	if err != nil {
		return views.DomainsData{}, err
	}
	const per = 25
	list, pg, err := h.hosting.Domains(ctx, h.actor(r), store.ListFilter{
		Query: lq.Q, Keyset: lq.Keyset, PerPage: per,
	})
	if err != nil {
		return views.DomainsData{}, err
	}
	d := views.DomainsData{
		ObjectPager: objectPager("/domains", lq, pg),
		Domains:     list, CanManage: canManageDomains(p), Enforced: h.opts.Settings.DomainLimit,
	}
	if d.CanManage { // the assign form's search and choice, when it comes back with its errors
		if d.Picker, err = h.clientPicker(ctx, r, "objects", r.PostFormValue("client_q"), r.PostFormValue("customer_id"), 0); err != nil {
			return d, err
		}
	}
	return d, nil
}

// domainList handles GET /domains (every role): the domain-limit entries the effective account may see, filtered
// and paginated in SQL. It needs only Postgres.
func (h *Handler) domainList(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	d, err := h.domainsData(r.Context(), r, p)
	if err != nil {
		return err
	}
	if isPartial(r) && r.Header.Get("HX-Target") == "domain-results" {
		return h.render(w, r, http.StatusOK, "Domains", views.DomainResults(d))
	}
	return h.render(w, r, http.StatusOK, "Domains", views.DomainsPage(d))
}

func (h *Handler) domainFormError(w http.ResponseWriter, r *http.Request, p Principal, in views.DomainForm) error {
	d, err := h.domainsData(r.Context(), r, p)
	if err != nil {
		return err
	}
	d.Form, d.Picker.Err = in, in.Errs["customer_id"]
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusUnprocessableEntity, views.DomainCreateForm(d))
	}
	return h.render(w, r, http.StatusUnprocessableEntity, "Domains", views.DomainsPage(d))
}

// domainCreate handles POST /domains (admins and resellers; clients get 404): assigns a domain to one of their
// active clients.
func (h *Handler) domainCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if !canManageDomains(p) {
		return errNotFound
	}
	f, err := parseForm(r, "domain", "customer_id", "client_q")
	if err != nil {
		return err
	}
	if _, err := h.hosting.CreateDomain(ctx, h.actor(r), f["customer_id"], f["domain"]); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			return h.domainFormError(w, r, p, views.DomainForm{CustomerID: f["customer_id"], Domain: f["domain"], Errs: errs})
		})
	}
	h.flash(r, "The domain was assigned.")
	redirect(w, r, "/domains")
	return nil
}

// managedDomain is the route's domain-limit entry for an admin or reseller, who manage the table (clients only read
// it: 404).
func (h *Handler) managedDomain(r *http.Request) (store.Domain, error) {
	if p, _ := principalFrom(r.Context()); !canManageDomains(p) {
		return store.Domain{}, errNotFound
	}
	id, err := ownedID(r, "domainID")
	if err != nil {
		return store.Domain{}, err
	}
	return h.hosting.Domain(r.Context(), id)
}

// domainMovePage handles GET /domains/{domainID}/move (admins and resellers): the move form, a client picker.
func (h *Handler) domainMovePage(w http.ResponseWriter, r *http.Request) error {
	return h.domainMoveForm(w, r, http.StatusOK, nil)
}

// domainMoveForm renders the move form for the route's domain, with the picker's search and choice as the form
// sent them, and errs (a refused move's).
func (h *Handler) domainMoveForm(w http.ResponseWriter, r *http.Request, status int, errs views.FieldErrors) error {
	ctx := r.Context()
	entry, lerr := h.managedDomain(r)
	if lerr != nil {
		return lerr
	}
	// Its owner is no choice; what the form sent is, when it comes back with its errors.
	pk, lerr := h.clientPicker(ctx, r, "objects", r.FormValue("client_q"), r.PostFormValue("customer_id"), entry.CustomerID)
	if lerr != nil {
		return lerr
	}
	pk.Err = errs["customer_id"]
	return h.render(w, r, status, i18n.Tf(ctx, "Move %s", entry.Domain), views.DomainMovePage(entry, pk))
}

// domainMove handles POST /domains/{domainID}/move (admins and resellers; field customer_id, another of their
// active clients; client_q, the picker's search without JavaScript).
func (h *Handler) domainMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	entry, err := h.managedDomain(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "customer_id", "client_q")
	if err != nil {
		return err
	}
	if err := h.hosting.MoveDomain(ctx, h.actor(r), entry.ID, f["customer_id"]); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			return h.domainMoveForm(w, r, http.StatusUnprocessableEntity, errs)
		})
	}
	moved, err := h.hosting.Domain(ctx, entry.ID)
	if err != nil {
		return err
	}
	h.flash(r, "%s now belongs to %s.", moved.Domain, moved.CustomerName)
	redirect(w, r, "/domains")
	return nil
}

// domainDeleteConfirm handles GET /domains/{domainID}/delete (admins and resellers): the confirmation step for
// browsers without JavaScript.
func (h *Handler) domainDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	entry, err := h.managedDomain(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, i18n.Tf(r.Context(), "Remove %s", entry.Domain), views.DomainDeletePage(entry))
}

// domainDelete handles POST /domains/{domainID}/delete (admins and resellers; confirm=yes, else the confirmation
// step). Existing sites and mail domains on it stay.
func (h *Handler) domainDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	entry, err := h.managedDomain(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, i18n.Tf(r.Context(), "Remove %s", entry.Domain), views.DomainDeletePage(entry))
	}
	if err := h.hosting.DeleteDomain(ctx, h.actor(r), entry.ID); err != nil {
		return err
	}
	if isPartial(r) {
		w.Header().Add("Vary", "HX-Request")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	h.flash(r, "%s was removed from %s's domains.", entry.Domain, entry.CustomerName)
	redirect(w, r, "/domains")
	return nil
}
