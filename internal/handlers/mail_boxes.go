package handlers

import (
	"net/http"

	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

// mailboxCreate handles POST /mail/{mailDomainID}/mailboxes (owner's scope): a new mailbox in the domain, within
// the plans' mailbox count and total mail quota.
func (h *Handler) mailboxCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	domainID, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "local", "name", "password", "quota_mb")
	if err != nil {
		return err
	}
	id, err := h.hosting.CreateMailbox(ctx, h.actor(r), domainID, hosting.NewMailbox{
		Local: f["local"], Name: f["name"], Password: f["password"], QuotaMB: f["quota_mb"]})
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			v, err := h.mailDomainDetail(ctx, domainID)
			if err != nil {
				return err
			}
			v.Mailbox = views.MailboxForm{Local: f["local"], Name: f["name"], QuotaMB: f["quota_mb"], Errs: errs}
			return h.render(w, r, http.StatusUnprocessableEntity, v.Domain.Domain, views.MailDomainPage(v))
		})
	}
	m, err := h.hosting.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	h.flash(r, "Mailbox %s added. %s", m.Email, i18n.Msg(mailNoteFor(m.Apply != "")))
	redirect(w, r, "/mail/"+idString(domainID))
	return nil
}

// mailboxDone answers a successful row action: the row for htmx, a flash (format and args, then the note about
// the delay) and the domain page otherwise.
func (h *Handler) mailboxDone(w http.ResponseWriter, r *http.Request, m store.Mailbox, format string, args ...any) error {
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusOK, views.MailboxRow(m))
	}
	h.flash(r, format, append(args, i18n.Msg(mailNoteFor(m.Apply != "")))...)
	redirect(w, r, "/mail/"+idString(m.MailDomainID))
	return nil
}

// mailboxSetPassword handles POST /mail/mailboxes/{mailboxID}/password (owner's scope): sets a new password.
func (h *Handler) mailboxSetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "mailboxID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "password")
	if err != nil {
		return err
	}
	if err := h.hosting.SetMailboxPassword(r.Context(), h.actor(r), id, f["password"]); err != nil {
		return err
	}
	m, err := h.hosting.Mailbox(r.Context(), id)
	if err != nil {
		return err
	}
	return h.mailboxDone(w, r, m, "The password of %s was changed. %s", m.Email)
}

// mailboxSetQuota handles POST /mail/mailboxes/{mailboxID}/quota (owner's scope): a new quota within the plans'
// total.
func (h *Handler) mailboxSetQuota(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "mailboxID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "quota_mb")
	if err != nil {
		return err
	}
	m, err := h.hosting.SetMailboxQuota(r.Context(), h.actor(r), id, f["quota_mb"])
	if err != nil {
		return err
	}
	return h.mailboxDone(w, r, m, "The quota of %s is now %d MB. %s", m.Email, m.QuotaMB)
}

// mailboxDelete handles POST /mail/mailboxes/{mailboxID}/delete (owner's scope). Without confirm=yes it shows the
// confirmation step.
func (h *Handler) mailboxDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	id, err := ownedID(r, "mailboxID")
	if err != nil {
		return err
	}
	m, err := h.hosting.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, "Delete mailbox", views.MailConfirmPage(views.MailConfirm{
			Title: "Delete " + m.Email + "?", Message: "The mailbox " + m.Email + " and all the mail in it will be deleted.",
			Action: "/mail/mailboxes/" + idString(id) + "/delete", Cancel: "/mail/" + idString(m.MailDomainID)}))
	}
	if err := h.hosting.DeleteMailbox(ctx, h.actor(r), id); err != nil {
		return err
	}
	if isPartial(r) {
		removedRow(w)
		return nil
	}
	h.flash(r, "Mailbox %s deleted. %s", m.Email, i18n.Msg(mailDelayNote))
	redirect(w, r, "/mail/"+idString(m.MailDomainID))
	return nil
}
