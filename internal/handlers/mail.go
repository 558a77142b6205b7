package handlers

import (
	"context"
	"net/http"
	"strconv"

	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

const mailPerPage = 25

// mailDomainList handles GET /mail (any role): the mail domains the scope may see, filtered by ?q= and paginated
// by ?page=, from Postgres only.
func (h *Handler) mailDomainList(w http.ResponseWriter, r *http.Request) error {
	lq, err := listQuery(r)
	if err != nil {
		return err
	}
	form, err := h.mailDomainForm(r.Context(), r, "", "", nil)
	if err != nil {
		return err
	}
	return h.renderMailList(w, r, http.StatusOK, lq, form)
}

func (h *Handler) renderMailList(w http.ResponseWriter, r *http.Request, status int, lq views.ListQuery, form views.MailDomainForm) error {
	list, pg, err := h.hosting.MailDomains(r.Context(), h.actor(r),
		store.MailDomainFilter{Query: lq.Q, Keyset: lq.Keyset, PerPage: mailPerPage})
	if err != nil {
		return err
	}
	known := len(list) > 0
	for _, d := range list {
		known = known && d.Apply != ""
	}
	v := views.MailList{ObjectPager: objectPager("/mail", lq, pg), Domains: list, Form: form, Note: mailNoteFor(known)}
	return h.render(w, r, status, "Mail", views.MailDomainsPage(v))
}

// mailQueueNote replaces mailDelayNote where the portal reads the mail server's job queue (the applying state).
var mailQueueNote = i18n.M("Mail changes reach the mail server with a delay; a changed entry shows as applying until the mail server has taken the change.")

// mailNoteFor is the sentence about the delay: mailQueueNote when the mail server's queue is known.
func mailNoteFor(known bool) string {
	if known {
		return mailQueueNote
	}
	return mailDelayNote
}

// mailDelayNote says honestly what the portal can't see: ISPConfig's server jobs.
var mailDelayNote = i18n.M("Mail changes reach the mail server with a delay (usually within a minute or two); the portal cannot see when that has happened.")

// mailDomainForm builds the create form: a client creates for itself, resellers and admins choose a client.
func (h *Handler) mailDomainForm(ctx context.Context, r *http.Request, domain, customerID string, errs views.FieldErrors) (views.MailDomainForm, error) {
	p, _ := principalFrom(ctx)
	f := views.MailDomainForm{Domain: domain, CustomerID: customerID, Errs: errs}
	if p.Effective.Role == store.RoleClient {
		f.ForClient = true
		return f, nil
	}
	var err error
	f.Picker, err = h.clientPicker(ctx, r, "objects", r.PostFormValue("client_q"), customerID, 0)
	f.Picker.Err = errs["customer_id"]
	return f, err
}

// mailDomainCreate handles POST /mail (any role): a client adds a mail domain for itself, a reseller or admin for
// one of its clients (customer_id).
func (h *Handler) mailDomainCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	allowed := []string{"domain"}
	if p.Effective.Role != store.RoleClient {
		allowed = append(allowed, "customer_id", "client_q")
	}
	f, err := parseForm(r, allowed...)
	if err != nil {
		return err
	}
	id, err := h.hosting.CreateMailDomain(ctx, h.actor(r), hosting.NewMailDomain{Customer: f["customer_id"], Domain: f["domain"]})
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			form, err := h.mailDomainForm(ctx, r, f["domain"], f["customer_id"], errs)
			if err != nil {
				return err
			}
			return h.renderMailList(w, r, http.StatusUnprocessableEntity, views.ListQuery{}, form)
		})
	}
	d, err := h.hosting.MailDomain(ctx, id)
	if err != nil {
		return err
	}
	h.flash(r, "Mail domain %s added. %s", d.Domain, i18n.Msg(mailNoteFor(d.Apply != "")))
	redirect(w, r, "/mail/"+idString(id))
	return nil
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
	v, err := h.hosting.MailDomainView(ctx, id)
	if err != nil {
		return views.MailDomainDetail{}, err
	}
	return views.MailDomainDetail{Domain: v.MailDomain, Mailboxes: v.MailboxList, Forwards: v.ForwardList, Destinations: v.Destinations,
		Forward: views.ForwardForm{Kind: store.ForwardAlias}, Note: mailNoteFor(v.Apply != ""),
		Settings: v.Settings, DKIM: v.DKIM}, nil
}

// mailDomainSetActive handles POST /mail/{mailDomainID}/active (owner's scope) with active=yes|no: enables or
// disables receiving mail for the domain. htmx gets the updated row.
func (h *Handler) mailDomainSetActive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
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
	if err := h.hosting.SetMailDomainActive(ctx, h.actor(r), id, active); err != nil {
		return err
	}
	d, err := h.hosting.MailDomain(ctx, id)
	if err != nil {
		return err
	}
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusOK, views.MailDomainRow(d))
	}
	if active {
		h.flash(r, "Mail domain %s enabled. %s", d.Domain, i18n.Msg(mailNoteFor(d.Apply != "")))
	} else {
		h.flash(r, "Mail domain %s disabled. %s", d.Domain, i18n.Msg(mailNoteFor(d.Apply != "")))
	}
	redirect(w, r, "/mail/"+idString(id))
	return nil
}

// mailDomainDelete handles POST /mail/{mailDomainID}/delete (owner's scope). Without confirm=yes it shows the
// confirmation step. A domain that still has mailboxes, aliases, forwards or a catch-all is deleted only with
// cascade=yes.
func (h *Handler) mailDomainDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm", "cascade")
	if err != nil {
		return err
	}
	d, err := h.hosting.MailDomain(ctx, id)
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
	if err := h.hosting.DeleteMailDomain(ctx, h.actor(r), id, f["cascade"] == "yes"); err != nil {
		return err
	}
	h.flash(r, "Mail domain %s deleted. %s", d.Domain, i18n.Msg(mailDelayNote))
	redirect(w, r, "/mail")
	return nil
}

// removedRow answers htmx with an empty 200 body, which swaps the deleted row away.
func removedRow(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
}
