package handlers

import (
	"net/http"
	"slices"

	"portal/internal/store"
	"portal/internal/views"
)

// outboxList serves GET /admin/mail (admins): the newest outgoing messages, optionally of one state.
func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) error {
	state := r.URL.Query().Get("state")
	if state != "" && !slices.Contains([]string{store.MailQueued, store.MailRetrying, store.MailSent, store.MailFailed, store.MailHeld}, state) {
		return userErr(http.StatusBadRequest, "Unknown state.")
	}
	list, err := store.NewOutbox(h.pool).List(r.Context(), state, 200)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Outbox", views.OutboxPage(state, list, h.mail != nil && h.mail.Off()))
}

// outboxShow serves GET /admin/mail/{outboxID}: one message with its text part.
func (h *Handler) outboxShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "outboxID")
	if err != nil {
		return err
	}
	m, err := store.NewOutbox(h.pool).ByID(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Message", views.OutboxMessagePage(m))
}

// outboxResend serves POST /admin/mail/{outboxID}/resend: a failed message is queued again.
func (h *Handler) outboxResend(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	id, err := ownedID(r, "outboxID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.mail.Resend(r.Context(), id); err != nil {
		h.audited(r, p, "mail.resend", "outbox", idString(id), store.OutcomeFailure, err.Error())
		return err
	}
	h.audited(r, p, "mail.resend", "outbox", idString(id), store.OutcomeSuccess, "")
	h.flash(r, "The message is queued again.")
	redirect(w, r, "/admin/mail")
	return nil
}
