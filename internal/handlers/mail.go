package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// mailRoutes registers the mail screens (signed-in, any role; ownership via the choke point). List and detail
// pages read only Postgres; every write checks limits in one locked transaction, then calls ISPConfig.
func (h *Handler) mailRoutes(r chi.Router) {
	r.Get("/mail", h.wrap(h.mailDomainList))
	r.Post("/mail", h.wrap(h.mailDomainCreate))
	r.Get("/mail/{mailDomainID}", h.wrap(h.mailDomainShow))
	r.Post("/mail/{mailDomainID}/active", h.wrap(h.mailDomainSetActive))
	r.Post("/mail/{mailDomainID}/delete", h.wrap(h.mailDomainDelete))
	r.Post("/mail/{mailDomainID}/mailboxes", h.wrap(h.mailboxCreate))
	r.Post("/mail/{mailDomainID}/forwards", h.wrap(h.mailForwardCreate))
	r.Post("/mail/mailboxes/{mailboxID}/password", h.wrap(h.mailboxSetPassword))
	r.Post("/mail/mailboxes/{mailboxID}/quota", h.wrap(h.mailboxSetQuota))
	r.Post("/mail/mailboxes/{mailboxID}/delete", h.wrap(h.mailboxDelete))
	r.Post("/mail/forwards/{mailForwardID}/active", h.wrap(h.mailForwardSetActive))
	r.Post("/mail/forwards/{mailForwardID}/delete", h.wrap(h.mailForwardDelete))
}

const mailPerPage = 25

// mailDomainList handles GET /mail (any role): the mail domains the scope may see, filtered by ?q= and paginated
// by ?page=, from Postgres only.
func (h *Handler) mailDomainList(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	q := r.URL.Query()
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			return userErr(http.StatusBadRequest, "Invalid page.")
		}
		page = n
	}
	query := strings.TrimSpace(q.Get("q"))
	if len(query) > 200 {
		return userErr(http.StatusBadRequest, "The search is too long.")
	}
	form, err := h.mailDomainForm(r.Context(), p, "", "", nil)
	if err != nil {
		return err
	}
	return h.renderMailList(w, r, http.StatusOK, query, page, form)
}

func (h *Handler) renderMailList(w http.ResponseWriter, r *http.Request, status int, query string, page int, form views.MailDomainForm) error {
	p, _ := principalFrom(r.Context())
	list, total, err := store.NewMail(h.pool).ListDomains(r.Context(), store.ScopeOf(p.Effective),
		store.MailDomainFilter{Query: query, Page: page, PerPage: mailPerPage})
	if err != nil {
		return err
	}
	pages := max(1, (total+mailPerPage-1)/mailPerPage)
	v := views.MailList{Query: query, Page: page, Pages: pages, Total: total, Domains: list, Form: form, Note: mailDelayNote}
	return h.render(w, r, status, "Mail", views.MailDomainsPage(v))
}

// mailDomainForm builds the create form: a client creates for itself, resellers and admins choose a client.
func (h *Handler) mailDomainForm(ctx context.Context, p Principal, domain, customerID string, errs views.FieldErrors) (views.MailDomainForm, error) {
	f := views.MailDomainForm{Domain: domain, CustomerID: customerID, Errs: errs}
	if p.Effective.Role == store.RoleClient {
		f.ForClient = true
		return f, nil
	}
	clients, _, err := store.NewCustomers(h.pool).List(ctx, store.ScopeOf(p.Effective),
		store.CustomerFilter{Kind: store.RoleClient, PerPage: 100})
	if err != nil {
		return f, err
	}
	for _, c := range clients {
		if c.State == store.StateActive && !c.Suspended() {
			f.Clients = append(f.Clients, c)
		}
	}
	return f, nil
}

// mailClient resolves the client that a new mail domain is for: a client itself, or the customer_id a reseller or
// admin chose, resolved against their scope (not found otherwise). It returns a form message for a customer that
// is not an active client.
func (h *Handler) mailClient(ctx context.Context, p Principal, field string) (store.Customer, string, error) {
	var id int64
	if p.Effective.Role == store.RoleClient {
		if p.Effective.CustomerID == nil {
			return store.Customer{}, "", errNotFound
		}
		id = *p.Effective.CustomerID
		if field != "" && field != idString(id) {
			return store.Customer{}, "", errNotFound
		}
	} else {
		if field == "" {
			return store.Customer{}, "Choose a client.", nil
		}
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil || n <= 0 {
			return store.Customer{}, "", errNotFound
		}
		id = n
	}
	if err := store.Resolve(ctx, h.pool, store.ScopeOf(p.Effective), store.KindCustomer, id); err != nil {
		return store.Customer{}, "", err
	}
	c, err := store.NewCustomers(h.pool).ByID(ctx, id)
	if err != nil {
		return store.Customer{}, "", err
	}
	if c.Kind != store.RoleClient {
		return c, "Mail domains belong to clients; choose a client.", nil
	}
	if c.State != store.StateActive {
		return c, "That client is not active.", nil
	}
	return c, "", nil
}

// mailDomainCreate handles POST /mail (any role): a client adds a mail domain for itself, a reseller or admin for
// one of its clients (customer_id). Input, the domain-limit table and the plan limits are checked before
// ISPConfig is called; the pending row reserves the place.
func (h *Handler) mailDomainCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "domain", "customer_id")
	if err != nil {
		return err
	}
	errs := views.FieldErrors{}
	c, msg, err := h.mailClient(ctx, p, strings.TrimSpace(f["customer_id"]))
	if err != nil {
		h.audited(r, p, "mail_domain.create", "customer", f["customer_id"], store.OutcomeDenied, "customer not visible")
		return err
	}
	if msg != "" {
		errs["customer_id"] = msg
	}
	domain, derr := ispapi.NormalizeDomain(f["domain"])
	if derr != nil {
		errs["domain"] = "Enter a domain name such as example.com."
	}
	if len(errs) == 0 {
		if err := mailWritable(c); err != nil {
			return err
		}
		ok, err := h.domainAllowed(ctx, c.ID, domain)
		if err != nil {
			return err
		}
		if !ok {
			errs["domain"] = "This client may not use that domain (it is not in the client's domain list)."
		}
	}
	fail := func(errs views.FieldErrors, detail string) error {
		h.audited(r, p, "mail_domain.create", "customer", idString(c.ID), store.OutcomeFailure, detail)
		form, err := h.mailDomainForm(ctx, p, f["domain"], f["customer_id"], errs)
		if err != nil {
			return err
		}
		return h.renderMailList(w, r, http.StatusUnprocessableEntity, "", 1, form)
	}
	if len(errs) > 0 {
		return fail(errs, "invalid input")
	}

	var row store.MailDomain
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		o, err := lockMailOwner(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if m := o.checkCount("mail domains", func(l store.Limits) int { return l.MaxMailDomains },
			func(u store.Usage) int { return u.MailDomains }, 1); m != "" {
			errs["domain"] = m
			return errRefused
		}
		row, err = store.NewMail(tx).CreateDomain(ctx, c.ID, domain)
		if errors.Is(err, store.ErrConflict) {
			errs["domain"] = "That mail domain already exists."
			return errRefused
		}
		return err
	})
	if err != nil && !errors.Is(err, errRefused) {
		h.audited(r, p, "mail_domain.create", "customer", idString(c.ID), store.OutcomeFailure, "refused: "+errDetail(err))
		return err
	}
	if len(errs) > 0 {
		return fail(errs, "limit or duplicate")
	}

	isp, serverID, err := h.mailISP(ctx, c)
	if err != nil {
		return h.finishCreate(ctx, store.KindMailDomain, row.ID, 0, err, nil)
	}
	ispID, addErr := isp.AddMailDomain(ctx, *c.ISPClientID, ispapi.MailDomainParams{
		ServerID: serverID, Domain: domain, Active: true, DKIMSelector: "default",
	})
	if err := h.finishCreate(ctx, store.KindMailDomain, row.ID, ispID, addErr, isp.DeleteMailDomain); err != nil {
		h.audited(r, p, "mail_domain.create", "mail_domain", domain, store.OutcomeFailure, errDetail(err))
		if m := remoteFieldErr(err); m != "" {
			return fail(views.FieldErrors{"domain": m}, "refused by ISPConfig")
		}
		return err
	}
	h.audited(r, p, "mail_domain.create", "mail_domain", idString(row.ID), store.OutcomeSuccess, domain)
	h.flash(r, "Mail domain "+domain+" added. "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(row.ID))
	return nil
}

// errDetail is a short audit detail for an error; user errors keep their message.
func errDetail(err error) string {
	var ue *userError
	if errors.As(err, &ue) {
		return ue.msg
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// mailDomainShow handles GET /mail/{mailDomainID} (owner's scope): the domain with its mailboxes, aliases,
// forwards and catch-all, from Postgres only.
func (h *Handler) mailDomainShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	v, err := h.mailDomainDetail(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, v.Domain.Domain, views.MailDomainPage(v))
}

func (h *Handler) mailDomainDetail(ctx context.Context, id int64) (views.MailDomainDetail, error) {
	mail := store.NewMail(h.pool)
	d, err := mail.Domain(ctx, id)
	if err != nil {
		return views.MailDomainDetail{}, err
	}
	boxes, err := mail.Mailboxes(ctx, id)
	if err != nil {
		return views.MailDomainDetail{}, err
	}
	fwds, err := mail.Forwards(ctx, id)
	if err != nil {
		return views.MailDomainDetail{}, err
	}
	all, err := mail.CustomerMailboxes(ctx, d.CustomerID)
	if err != nil {
		return views.MailDomainDetail{}, err
	}
	var dests []store.Mailbox
	for _, m := range all {
		if m.State == store.StateActive {
			dests = append(dests, m)
		}
	}
	return views.MailDomainDetail{Domain: d, Mailboxes: boxes, Forwards: fwds, Destinations: dests,
		Forward: views.ForwardForm{Kind: store.ForwardAlias}, Note: mailDelayNote}, nil
}

// mailOwnerOf loads the customer of a mail object and refuses a suspended or inactive one.
func (h *Handler) mailOwnerOf(ctx context.Context, customerID int64) (store.Customer, error) {
	c, err := store.NewCustomers(h.pool).ByID(ctx, customerID)
	if err != nil {
		return c, err
	}
	return c, mailWritable(c)
}

// mailDomainSetActive handles POST /mail/{mailDomainID}/active (owner's scope) with active=yes|no: enables or
// disables receiving mail for the domain. htmx gets the updated row.
func (h *Handler) mailDomainSetActive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	id, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "active")
	if err != nil {
		return err
	}
	if f["active"] != "yes" && f["active"] != "no" {
		return userErr(http.StatusBadRequest, "Choose yes or no.")
	}
	active := f["active"] == "yes"
	mail := store.NewMail(h.pool)
	d, err := mail.Domain(ctx, id)
	if err != nil {
		return err
	}
	c, err := h.mailOwnerOf(ctx, d.CustomerID)
	if err != nil {
		h.audited(r, p, "mail_domain.active", "mail_domain", idString(id), store.OutcomeDenied, errDetail(err))
		return err
	}
	if d.State != store.StateActive || d.ISPID == nil {
		return userErr(http.StatusConflict, "This mail domain is "+d.State+"; it can't be changed now.")
	}
	isp, _, err := h.mailISP(ctx, c)
	if err != nil {
		return err
	}
	if err := isp.SetMailDomainActive(ctx, *d.ISPID, active); err != nil {
		h.audited(r, p, "mail_domain.active", "mail_domain", idString(id), store.OutcomeFailure, errDetail(err))
		return err
	}
	if err := mail.SetActive(ctx, store.KindMailDomain, id, active); err != nil {
		return err
	}
	h.audited(r, p, "mail_domain.active", "mail_domain", idString(id), store.OutcomeSuccess, "active="+f["active"])
	if isPartial(r) {
		d.Active = active
		return h.renderFragment(w, r, http.StatusOK, views.MailDomainRow(d))
	}
	h.flash(r, "Mail domain "+d.Domain+" "+map[bool]string{true: "enabled", false: "disabled"}[active]+". "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(id))
	return nil
}

// mailDomainDelete handles POST /mail/{mailDomainID}/delete (owner's scope). Without confirm=yes it shows the
// confirmation step. A domain that still has mailboxes, aliases, forwards or a catch-all is deleted only with
// cascade=yes, children first (ISPConfig does not cascade), each row removed as ISPConfig confirms it.
func (h *Handler) mailDomainDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	id, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm", "cascade")
	if err != nil {
		return err
	}
	mail := store.NewMail(h.pool)
	d, err := mail.Domain(ctx, id)
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		c := views.MailConfirm{Title: "Delete " + d.Domain + "?", Action: "/mail/" + idString(id) + "/delete",
			Cancel: "/mail/" + idString(id), Message: "The mail domain " + d.Domain + " will be deleted from the mail server."}
		if d.Mailboxes > 0 || d.Forwards > 0 {
			c.Message = "The mail domain " + d.Domain + " still has " + strconv.Itoa(d.Mailboxes) + " mailbox(es) and " +
				strconv.Itoa(d.Forwards) + " alias(es), forward(s) or catch-all."
			c.Cascade = "Also delete its mailboxes (with all their mail), aliases, forwards and catch-all."
		}
		return h.render(w, r, http.StatusOK, "Delete mail domain", views.MailConfirmPage(c))
	}
	audit := func(outcome, detail string) {
		h.audited(r, p, "mail_domain.delete", "mail_domain", idString(id), outcome, d.Domain+": "+detail)
	}
	c, err := h.mailOwnerOf(ctx, d.CustomerID)
	if err != nil {
		audit(store.OutcomeDenied, errDetail(err))
		return err
	}

	var boxes []store.Mailbox
	var fwds []store.MailForward
	prevState := d.State
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if _, err := store.NewCustomers(tx).Lock(ctx, d.CustomerID); err != nil {
			return err
		}
		m := store.NewMail(tx)
		if boxes, err = m.Mailboxes(ctx, id); err != nil {
			return err
		}
		if fwds, err = m.Forwards(ctx, id); err != nil {
			return err
		}
		if (len(boxes) > 0 || len(fwds) > 0) && f["cascade"] != "yes" {
			return userErr(http.StatusConflict, "The mail domain still has "+strconv.Itoa(len(boxes))+
				" mailbox(es) and "+strconv.Itoa(len(fwds))+" alias(es), forward(s) or catch-all. Confirm deleting them as well.")
		}
		for _, b := range boxes {
			if b.State == store.StatePending || b.State == store.StateDeleting {
				return userErr(http.StatusConflict, "The mailbox "+b.Email+" is still being changed; try again in a moment.")
			}
			aliases, err := m.AliasesTo(ctx, b.Email)
			if err != nil {
				return err
			}
			for _, a := range aliases {
				if a.MailDomainID != id {
					return userErr(http.StatusConflict, "The alias "+a.Source+" in another domain delivers to "+b.Email+"; delete it first.")
				}
			}
		}
		for _, fw := range fwds {
			if fw.State == store.StatePending || fw.State == store.StateDeleting {
				return userErr(http.StatusConflict, fw.Source+" is still being changed; try again in a moment.")
			}
		}
		ok, err := m.SetState(ctx, store.KindMailDomain, id, store.StateDeleting, "", nil, store.StateActive, store.StateFailed)
		if err != nil {
			return err
		}
		if !ok {
			return userErr(http.StatusConflict, "This mail domain is "+d.State+"; it can't be deleted now.")
		}
		return nil
	})
	if err != nil {
		audit(store.OutcomeFailure, errDetail(err))
		return err
	}

	stop := func(err error) error {
		_, _ = mail.SetState(context.WithoutCancel(ctx), store.KindMailDomain, id, prevState, "deleting stopped: "+describeMailErr(err), nil, store.StateDeleting)
		audit(store.OutcomeFailure, errDetail(err))
		return err
	}
	isp, _, err := h.mailISP(ctx, c)
	if err != nil {
		return stop(err)
	}
	for _, fw := range fwds {
		if fw.ISPID != nil {
			if err := deleteForwarding(ctx, isp, fw.Kind, *fw.ISPID); err != nil {
				return stop(err)
			}
		}
		if err := mail.Delete(ctx, store.KindMailForward, fw.ID); err != nil {
			return stop(err)
		}
	}
	for _, b := range boxes {
		if b.ISPID != nil {
			if err := isp.DeleteMailUser(ctx, *b.ISPID); err != nil {
				return stop(err)
			}
		}
		if err := mail.Delete(ctx, store.KindMailbox, b.ID); err != nil {
			return stop(err)
		}
	}
	if d.ISPID != nil {
		if err := isp.DeleteMailDomain(ctx, *d.ISPID); err != nil {
			return stop(err)
		}
	}
	if err := mail.Delete(ctx, store.KindMailDomain, id); err != nil {
		return stop(err)
	}
	audit(store.OutcomeSuccess, strconv.Itoa(len(boxes))+" mailboxes, "+strconv.Itoa(len(fwds))+" forwardings")
	h.flash(r, "Mail domain "+d.Domain+" deleted. "+mailDelayNote)
	redirect(w, r, "/mail")
	return nil
}

// describeMailErr is a short reason stored on a row, never the raw error.
func describeMailErr(err error) string {
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	switch {
	case errors.As(err, &ve):
		return "ISPConfig refused it"
	case errors.As(err, &me):
		return "ISPConfig stored different values"
	case errors.Is(err, ispapi.ErrUnavailable):
		return "ISPConfig was not reachable"
	}
	return "an error occurred"
}

// deleteForwarding deletes an alias, forward or catch-all in ISPConfig with the function of its kind.
func deleteForwarding(ctx context.Context, isp tenancy.ISP, kind string, ispID int64) error {
	switch kind {
	case store.ForwardAlias:
		return isp.DeleteMailAlias(ctx, ispID)
	case store.ForwardForward:
		return isp.DeleteMailForward(ctx, ispID)
	}
	return isp.DeleteMailCatchall(ctx, ispID)
}
