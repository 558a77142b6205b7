package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/httprate"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
	"portal/internal/views"
)

// mailboxPasswordFailed is the one message for every failed attempt: it never tells whether the mailbox exists,
// whether the password was wrong, or whether the platform was down.
const mailboxPasswordFailed = "The password could not be changed. Check the mailbox address and the current password, or try again later."

// mailboxPasswordForm handles GET /mailbox/password (public).
func (h *Handler) mailboxPasswordForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "Mailbox password", views.MailboxPasswordPage("", "", false, nil))
}

// mailboxPasswordSubmit handles POST /mailbox/password (public): the owner of a mailbox proves its current
// password (checked against ISPConfig's stored SHA-512 crypt hash) and sets a new one. Every attempt is audited.
func (h *Handler) mailboxPasswordSubmit(w http.ResponseWriter, r *http.Request, ipLim, boxLim *httprate.RateLimiter) error {
	ctx := r.Context()
	f, err := parseForm(r, "email", "current_password", "new_password", "confirm_password")
	if err != nil {
		return err
	}
	email := strings.TrimSpace(f["email"])
	if len(email) > 254 {
		email = email[:254]
	}
	entry := store.AuditEntry{ActingEmail: email, EffectiveEmail: email, ObjectType: "mailbox", ObjectID: email,
		IP: clientIP(r), Action: "mailbox.password.public"}
	audit := func(outcome, detail string) {
		e := entry
		e.Outcome, e.Detail = outcome, detail
		h.appendAudit(ctx, e)
	}
	if ipLim.OnLimit(w, r, "ip:"+clientIP(r)) || boxLim.OnLimit(w, r, "mailbox:"+strings.ToLower(email)) {
		audit(store.OutcomeDenied, "rate limited")
		return userErr(http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again.")
	}
	errs := views.FieldErrors{}
	if m := hosting.CheckMailboxPassword(f["new_password"]); m != "" {
		errs["new_password"] = m
	} else if f["new_password"] != f["confirm_password"] {
		errs["confirm_password"] = "The two new passwords differ."
	}
	if len(errs) > 0 {
		audit(store.OutcomeFailure, "unusable new password")
		return h.render(w, r, http.StatusUnprocessableEntity, "Mailbox password", views.MailboxPasswordPage(email, "", false, errs))
	}
	id, err := h.hosting.ChangeMailboxPassword(ctx, email, f["current_password"], f["new_password"])
	if id > 0 {
		entry.ObjectID = idString(id)
	}
	var mpe *hosting.MailboxPasswordError
	switch {
	case errors.As(err, &mpe):
		audit(store.OutcomeFailure, mpe.Reason)
		return h.render(w, r, http.StatusUnauthorized, "Mailbox password", views.MailboxPasswordPage(email, mailboxPasswordFailed, false, nil))
	case fail.FieldsOf(err) != nil:
		audit(store.OutcomeFailure, "new password refused by ISPConfig")
		return h.render(w, r, http.StatusUnprocessableEntity, "Mailbox password",
			views.MailboxPasswordPage(email, "", false, views.FieldErrors(fail.FieldsOf(err))))
	case err != nil:
		return err
	}
	audit(store.OutcomeSuccess, "")
	return h.render(w, r, http.StatusOK, "Mailbox password", views.MailboxPasswordPage("",
		"Your mailbox password has been changed. The mail server uses it after a short delay.", true, nil))
}
