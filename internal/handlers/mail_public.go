package handlers

import (
	"errors"
	"net/http"

	"portal/internal/access"
	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/ispapi"
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
// password and sets a new one (hosting.ChangeMailboxPassword: the same work for every attempt, a lock per address
// after repeated failures). The rate limits (per IP or IPv6 /64, per canonical address) live in Postgres. Failed
// and refused attempts are counted per hashed address and hour; a change is audited.
func (h *Handler) mailboxPasswordSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r, "email", "current_password", "new_password", "confirm_password")
	if err != nil {
		return err
	}
	typed := access.TypedEmail(f["email"])
	addrKey := store.AttemptKey(ispapi.CanonicalAddress(typed))
	ip := ipKey(clientIP(r))
	limited, err := h.overLimit(ctx, scopeMailboxIP, ip, h.opts.LoginRatePerIP)
	if err == nil && !limited {
		limited, err = h.overLimit(ctx, scopeMailboxAddr, addrKey, h.opts.LoginRatePerAccount)
	}
	if err != nil {
		return err
	}
	if limited {
		h.countAttempt(ctx, countMailboxLimit, ip)
		return userErr(http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again.")
	}
	errs := views.FieldErrors{}
	if m := hosting.CheckMailboxPassword(f["new_password"]); m.Format != "" {
		errs["new_password"] = m.In(i18n.From(ctx))
	} else if f["new_password"] != f["confirm_password"] {
		errs["confirm_password"] = i18n.T(ctx, "The two new passwords differ.")
	}
	if len(errs) > 0 {
		return h.render(w, r, http.StatusUnprocessableEntity, "Mailbox password", views.MailboxPasswordPage(typed, "", false, errs))
	}
	id, err := h.hosting.ChangeMailboxPassword(ctx, hosting.MailboxPasswordChange{
		Email: typed, Current: f["current_password"], New: f["new_password"],
		MaxFailures: h.opts.LoginMaxFailures, LockFor: h.opts.LoginLockout, Now: h.opts.Now(),
	})
	var mpe *hosting.MailboxPasswordError
	switch {
	case errors.As(err, &mpe):
		scope := countMailboxFailed
		if mpe.Locked {
			scope = countMailboxLocked
		}
		h.countAttempt(ctx, scope, addrKey)
		if mpe.Lock && id > 0 { // an address nobody has is only counted, so strangers can't grow the log
			h.appendAudit(ctx, store.AuditEntry{ObjectType: "mailbox", ObjectID: idString(id), IP: clientIP(r),
				Action: "mailbox.password.public.lockout", Outcome: store.OutcomeFailure,
				Detail: "page locked after " + idString(int64(h.opts.LoginMaxFailures)) + " failures for " + h.opts.LoginLockout.String()})
		}
		return h.render(w, r, http.StatusUnauthorized, "Mailbox password", views.MailboxPasswordPage(typed, mailboxPasswordFailed, false, nil))
	case fieldErrors(r, err) != nil:
		return h.render(w, r, http.StatusUnprocessableEntity, "Mailbox password",
			views.MailboxPasswordPage(typed, "", false, fieldErrors(r, err)))
	case err != nil:
		return err
	}
	email := ispapi.CanonicalAddress(typed)
	h.appendAudit(ctx, store.AuditEntry{ActingEmail: email, EffectiveEmail: email, ObjectType: "mailbox",
		ObjectID: idString(id), IP: clientIP(r), Action: "mailbox.password.public", Outcome: store.OutcomeSuccess})
	return h.render(w, r, http.StatusOK, "Mailbox password", views.MailboxPasswordPage("",
		"Your mailbox password has been changed. The mail server uses it after a short delay.", true, nil))
}
