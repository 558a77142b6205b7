package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

// domainRoutes registers the domain-limit table screens (signed-in, any role; ownership via the choke point).
// Clients only read their allowed domains; admins and resellers assign, move and remove them.
func (h *Handler) domainRoutes(r chi.Router) {
	r.Get("/domains", h.wrap(h.domainList))
	r.Post("/domains", h.wrap(h.domainCreate))
	r.Post("/domains/{domainID}/move", h.wrap(h.domainMove))
	r.Get("/domains/{domainID}/delete", h.wrap(h.domainDeleteConfirm))
	r.Post("/domains/{domainID}/delete", h.wrap(h.domainDelete))
}

// domainAllowed reports whether client customerID may create a site or mail domain on domain: always when the
// operator has not enabled the domain limit, otherwise only on the client's active entries of the domain-limit
// table (and their subdomains when Settings.DomainLimitSubdomains). It reads only Postgres. A name that is not a
// valid domain is not allowed.
func (h *Handler) domainAllowed(ctx context.Context, customerID int64, domain string) (bool, error) {
	if !h.opts.Settings.DomainLimit {
		return true, nil
	}
	d, err := ispapi.NormalizeDomain(domain)
	if err != nil {
		return false, nil
	}
	return store.NewDomains(h.pool).Allows(ctx, customerID, d, h.opts.Settings.DomainLimitSubdomains)
}

// canManageDomains: admins and resellers manage the table; clients only read it.
func canManageDomains(p Principal) bool { return p.Effective.Role != store.RoleClient }

func (h *Handler) domainsData(ctx context.Context, r *http.Request, p Principal) (views.DomainsData, error) {
	lq, err := listQuery(r)
	if err != nil {
		return views.DomainsData{}, err
	}
	const per = 25
	list, total, err := store.NewDomains(h.pool).List(ctx, store.ScopeOf(p.Effective), store.ListFilter{
		Query: lq.Q, Page: lq.Page, PerPage: per,
	})
	if err != nil {
		return views.DomainsData{}, err
	}
	d := views.DomainsData{
		ObjectPager: views.ObjectPager{Base: "/domains", Query: lq.Q, Page: lq.Page, Pages: (total + per - 1) / per, Total: total},
		Domains:     list, CanManage: canManageDomains(p), Enforced: h.opts.Settings.DomainLimit,
	}
	if d.CanManage {
		if d.Clients, err = h.pickableClients(ctx, p); err != nil {
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
	d.Form = in
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusUnprocessableEntity, views.DomainCreateForm(d))
	}
	return h.render(w, r, http.StatusUnprocessableEntity, "Domains", views.DomainsPage(d))
}

// domainCreate handles POST /domains (admins and resellers; clients get 404): assigns a domain to one of their
// active clients. Limits (the client's plan max_domains, and its reseller's summed over all its clients) are
// checked and a pending entry recorded in one locked transaction; then ISPConfig is called and the outcome stored.
func (h *Handler) domainCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if !canManageDomains(p) {
		return errNotFound
	}
	f, err := parseForm(r, "domain", "customer_id")
	if err != nil {
		return err
	}
	errs := views.FieldErrors{}
	in := views.DomainForm{CustomerID: f["customer_id"], Domain: f["domain"], Errs: errs}
	domain, derr := ispapi.NormalizeDomain(f["domain"])
	if derr != nil {
		errs["domain"] = "Enter a domain name like example.com."
	}
	client, err := h.formClient(ctx, p, f["customer_id"])
	var fe *fieldErr
	if errors.As(err, &fe) {
		errs[fe.field] = fe.msg
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		h.audited(r, p, "domain.create", "domain", "", store.OutcomeFailure, "invalid input: "+strings.Join(keys(errs), ", "))
		return h.domainFormError(w, r, p, in)
	}
	var entry store.Domain
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		c, levels, err := lockObjectOwner(ctx, tx, client.ID, objectWritable)
		if err != nil {
			return err
		}
		client = c
		for _, l := range levels {
			if l.plan.MaxDomains != store.Unlimited && l.used.Domains >= l.plan.MaxDomains {
				return &fieldErr{"form", fmt.Sprintf("%s allows %d domains, and all are in use.", l.who, l.plan.MaxDomains)}
			}
		}
		entry, err = store.NewDomains(tx).Create(ctx, c.ID, domain)
		if errors.Is(err, store.ErrConflict) {
			return &fieldErr{"domain", "This domain is already assigned to a client."}
		}
		return err
	})
	if err == nil {
		err = h.provisionDomain(ctx, client, entry)
	}
	if err != nil {
		h.audited(r, p, "domain.create", "domain", "", store.OutcomeFailure, domain+": "+err.Error())
		if errors.As(err, &fe) {
			errs[fe.field] = fe.msg
			return h.domainFormError(w, r, p, in)
		}
		return err
	}
	h.audited(r, p, "domain.create", "domain", idString(entry.ID), store.OutcomeSuccess, domain+" for customer "+idString(client.ID))
	h.flash(r, domain+" was assigned to "+client.Name+".")
	redirect(w, r, "/domains")
	return nil
}

// provisionDomain adds a pending entry in ISPConfig and records the outcome, leaving nothing half-made (see
// provisionSite).
func (h *Handler) provisionDomain(ctx context.Context, client store.Customer, entry store.Domain) error {
	cleanup := context.WithoutCancel(ctx)
	domains := store.NewDomains(h.pool)
	isp, err := h.tenancy.ISP(client.PlatformID)
	if err != nil {
		_ = domains.Delete(cleanup, entry.ID)
		return err
	}
	ispID, err := isp.AddDomain(ctx, *client.ISPClientID, entry.Domain)
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	switch {
	case err == nil:
	case errors.As(err, &me) && me.ID > 0:
		if derr := isp.DeleteDomain(cleanup, me.ID); derr != nil {
			_ = domains.SetFailed(cleanup, entry.ID, &me.ID, "ISPConfig stored different values and removing it there failed; remove it here to try again")
			return err
		}
		_ = domains.Delete(cleanup, entry.ID)
		return err
	case errors.As(err, &ve) && !ve.Local && ve.Has("domain_error_unique"):
		existing, lerr := isp.DomainByName(ctx, entry.Domain)
		if lerr != nil || int64(existing.SysGroupID) != *client.ISPGroupID {
			_ = domains.Delete(cleanup, entry.ID)
			return &fieldErr{"domain", "This domain is already in the hosting platform's domain list."}
		}
		ispID = int64(existing.ID) // our own earlier attempt whose answer was lost
	case errors.As(err, &ve) && !ve.Local:
		_ = domains.Delete(cleanup, entry.ID)
		return &fieldErr{"form", "The hosting platform refused the domain (" + strings.Join(ve.Keys, ", ") + ")."}
	default:
		_ = domains.Delete(cleanup, entry.ID)
		return err
	}
	ok, err := domains.SetProvisioned(cleanup, entry.ID, ispID)
	if err != nil {
		return err
	}
	if !ok {
		_ = isp.DeleteDomain(cleanup, ispID)
		return userErr(http.StatusConflict, "The domain was removed while it was being added.")
	}
	return nil
}

func (h *Handler) domainFromRoute(r *http.Request) (store.Domain, error) {
	id, err := ownedID(r, "domainID")
	if err != nil {
		return store.Domain{}, err
	}
	return store.NewDomains(h.pool).ByID(r.Context(), id)
}

// domainMove handles POST /domains/{domainID}/move (admins and resellers; field customer_id, another of their
// active clients). The target's limits are checked and the entry re-assigned (pending) under the target's row
// locks; then ISPConfig moves it, and a failure moves the row back.
func (h *Handler) domainMove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if !canManageDomains(p) {
		return errNotFound
	}
	entry, err := h.domainFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "customer_id")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		h.audited(r, p, "domain.move", "domain", idString(entry.ID), store.OutcomeFailure, err.Error())
		return err
	}
	target, err := h.formClient(ctx, p, f["customer_id"])
	var fe *fieldErr
	if errors.As(err, &fe) {
		return fail(userErr(http.StatusUnprocessableEntity, fe.msg))
	}
	if err != nil {
		return err
	}
	if target.ID == entry.CustomerID {
		return fail(userErr(http.StatusUnprocessableEntity, "The domain already belongs to that client."))
	}
	source, err := store.NewCustomers(h.pool).ByID(ctx, entry.CustomerID)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		t, levels, err := lockObjectOwner(ctx, tx, target.ID, objectWritable)
		if err != nil {
			return err
		}
		target = t
		e, err := store.NewDomains(tx).Lock(ctx, entry.ID)
		if err != nil {
			return err
		}
		if e.State != store.StateActive || e.ISPID == nil || e.CustomerID != source.ID {
			return userErr(http.StatusConflict, "This domain can't be moved while it is "+e.State+".")
		}
		entry = e
		for i, l := range levels {
			if i > 0 && source.ResellerID != nil && *source.ResellerID == l.owner.ID {
				continue // moving between two clients of one reseller leaves the reseller's total unchanged
			}
			if l.plan.MaxDomains != store.Unlimited && l.used.Domains >= l.plan.MaxDomains {
				return userErr(http.StatusUnprocessableEntity, fmt.Sprintf("%s allows %d domains, and all are in use.", l.who, l.plan.MaxDomains))
			}
		}
		return store.NewDomains(tx).SetOwner(ctx, entry.ID, target.ID, store.StatePending, "moving from "+source.Name)
	})
	if err != nil {
		return fail(err)
	}
	domains := store.NewDomains(h.pool)
	isp, err := h.tenancy.ISP(target.PlatformID)
	if err == nil {
		err = isp.MoveDomain(ctx, *entry.ISPID, *target.ISPClientID)
	}
	if err != nil {
		cleanup := context.WithoutCancel(ctx)
		var me *ispapi.MismatchError
		if errors.As(err, &me) && isp != nil && source.ISPClientID != nil {
			_ = isp.MoveDomain(cleanup, *entry.ISPID, *source.ISPClientID)
		}
		_ = domains.SetOwner(cleanup, entry.ID, source.ID, store.StateActive, "")
		return fail(err)
	}
	if err := domains.SetOwner(ctx, entry.ID, target.ID, store.StateActive, ""); err != nil {
		return err
	}
	h.audited(r, p, "domain.move", "domain", idString(entry.ID), store.OutcomeSuccess,
		fmt.Sprintf("%s from customer %d to %d", entry.Domain, source.ID, target.ID))
	if isPartial(r) {
		moved, err := domains.ByID(ctx, entry.ID)
		if err != nil {
			return err
		}
		clients, err := h.pickableClients(ctx, p)
		if err != nil {
			return err
		}
		return h.renderFragment(w, r, http.StatusOK, views.DomainRow(moved, true, clients))
	}
	h.flash(r, entry.Domain+" now belongs to "+target.Name+".")
	redirect(w, r, "/domains")
	return nil
}

// domainDeleteConfirm handles GET /domains/{domainID}/delete (admins and resellers): the confirmation step for
// browsers without JavaScript.
func (h *Handler) domainDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if !canManageDomains(p) {
		return errNotFound
	}
	entry, err := h.domainFromRoute(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Remove "+entry.Domain, views.DomainDeletePage(entry))
}

// domainDelete handles POST /domains/{domainID}/delete (admins and resellers; confirm=yes, else the confirmation
// step). Existing sites and mail domains on it stay.
func (h *Handler) domainDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	if !canManageDomains(p) {
		return errNotFound
	}
	entry, err := h.domainFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, "Remove "+entry.Domain, views.DomainDeletePage(entry))
	}
	domains := store.NewDomains(h.pool)
	ok, err := domains.SetState(ctx, entry.ID, store.StateDeleting, "", store.StateActive, store.StateFailed)
	if err != nil {
		return err
	}
	if !ok {
		return userErr(http.StatusConflict, "This domain can't be removed while it is "+entry.State+".")
	}
	if entry.ISPID != nil {
		c, err := store.NewCustomers(h.pool).ByID(ctx, entry.CustomerID)
		if err == nil {
			isp, ierr := h.tenancy.ISP(c.PlatformID)
			err = ierr
			if err == nil {
				err = isp.DeleteDomain(ctx, *entry.ISPID)
			}
		}
		if err != nil {
			_, _ = domains.SetState(context.WithoutCancel(ctx), entry.ID, entry.State, entry.StateDetail, store.StateDeleting)
			h.audited(r, p, "domain.delete", "domain", idString(entry.ID), store.OutcomeFailure, err.Error())
			return err
		}
	}
	if err := domains.Delete(ctx, entry.ID); err != nil {
		return err
	}
	h.audited(r, p, "domain.delete", "domain", idString(entry.ID), store.OutcomeSuccess, entry.Domain)
	if isPartial(r) {
		w.Header().Add("Vary", "HX-Request")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	h.flash(r, entry.Domain+" was removed from "+entry.CustomerName+"'s domains.")
	redirect(w, r, "/domains")
	return nil
}
