package handlers

import (
	"net/http"

	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/views"
)

// mailForwardCreate handles POST /mail/{mailDomainID}/forwards (owner's scope): kind=alias (local → mailbox_id, a
// mailbox of the same client), kind=forward (local → destination, any address) or kind=catchall (@domain →
// destination, one per domain).
func (h *Handler) mailForwardCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	domainID, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "kind", "local", "destination", "mailbox_id")
	if err != nil {
		return err
	}
	id, _, err := h.hosting.CreateForward(ctx, h.actor(r), domainID, hosting.NewForward{
		Kind: f["kind"], Local: f["local"], Destination: f["destination"], MailboxID: f["mailbox_id"]})
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			v, err := h.mailDomainDetail(ctx, domainID)
			if err != nil {
				return err
			}
			v.Forward = views.ForwardForm{Kind: f["kind"], Local: f["local"], Destination: f["destination"], MailboxID: f["mailbox_id"], Errs: errs}
			return h.render(w, r, http.StatusUnprocessableEntity, v.Domain.Domain, views.MailDomainPage(v))
		})
	}
	fw, err := h.hosting.Forward(ctx, id)
	if err != nil {
		return err
	}
	h.flash(r, "%s %s → %s added. %s", i18n.Msg(hosting.MailKindName(fw.Kind)), fw.Source, fw.Destination, i18n.Msg(mailNoteFor(fw.Apply != "")))
	redirect(w, r, "/mail/"+idString(domainID))
	return nil
}

// mailForwardSetActive handles POST /mail/forwards/{mailForwardID}/active (owner's scope) with active=yes|no.
func (h *Handler) mailForwardSetActive(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "mailForwardID")
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
	fw, err := h.hosting.SetForwardActive(r.Context(), h.actor(r), id, f["active"] == "yes")
	if err != nil {
		return err
	}
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusOK, views.ForwardRow(fw))
	}
	h.flash(r, "%s %s updated. %s", i18n.Msg(hosting.MailKindName(fw.Kind)), fw.Source, i18n.Msg(mailNoteFor(fw.Apply != "")))
	redirect(w, r, "/mail/"+idString(fw.MailDomainID))
	return nil
}

// mailForwardDelete handles POST /mail/forwards/{mailForwardID}/delete (owner's scope); without confirm=yes it
// shows the confirmation step.
func (h *Handler) mailForwardDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	id, err := ownedID(r, "mailForwardID")
	if err != nil {
		return err
	}
	fw, err := h.hosting.Forward(ctx, id)
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, "Delete", views.MailConfirmPage(views.MailConfirm{
			Title: "Delete " + fw.Source + "?", Message: hosting.MailKindName(fw.Kind) + " " + fw.Source + " → " + fw.Destination + " will be deleted.",
			Action: "/mail/forwards/" + idString(id) + "/delete", Cancel: "/mail/" + idString(fw.MailDomainID)}))
	}
	if err := h.hosting.DeleteForward(ctx, h.actor(r), id); err != nil {
		return err
	}
	if isPartial(r) {
		removedRow(w)
		return nil
	}
	h.flash(r, "%s %s deleted. %s", i18n.Msg(hosting.MailKindName(fw.Kind)), fw.Source, i18n.Msg(mailDelayNote))
	redirect(w, r, "/mail/"+idString(fw.MailDomainID))
	return nil
}
