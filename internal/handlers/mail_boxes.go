package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/auth"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

// maxMailboxQuotaMB bounds a single mailbox quota (1 TiB), far below int64 overflow in bytes.
const maxMailboxQuotaMB = 1 << 20

func quotaBytes(mb int) int64 { return int64(mb) << 20 }

// parseQuota reads a quota in MB: a whole number from 0 (unlimited) to maxMailboxQuotaMB.
func parseQuota(s string) (int, string) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > maxMailboxQuotaMB {
		return 0, "Enter a whole number of MB from 0 to " + strconv.Itoa(maxMailboxQuotaMB) + "."
	}
	return n, ""
}

// mailboxCreate handles POST /mail/{mailDomainID}/mailboxes (owner's scope): a new mailbox in the domain, within
// the plans' mailbox count and total mail quota.
func (h *Handler) mailboxCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	domainID, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "local", "name", "password", "quota_mb")
	if err != nil {
		return err
	}
	mail := store.NewMail(h.pool)
	d, err := mail.Domain(ctx, domainID)
	if err != nil {
		return err
	}
	c, err := h.mailOwnerOf(ctx, d.CustomerID)
	if err != nil {
		h.audited(r, p, "mailbox.create", "mail_domain", idString(domainID), store.OutcomeDenied, errDetail(err))
		return err
	}
	errs := views.FieldErrors{}
	local := strings.TrimSpace(f["local"])
	email, eerr := ispapi.NormalizeEmail(local + "@" + d.Domain)
	if local == "" || strings.Contains(local, "@") || eerr != nil {
		errs["local"] = "Enter the part before the @: letters, digits, dots, hyphens or underscores (no +)."
	}
	name := strings.TrimSpace(f["name"])
	if len(name) > 200 || strings.ContainsAny(name, "<>\r\n") {
		errs["name"] = "Use at most 200 characters, without < > or line breaks."
	}
	if m := auth.CheckNew(f["password"]); m != "" {
		errs["password"] = m
	}
	quota, qmsg := parseQuota(f["quota_mb"])
	if qmsg != "" {
		errs["quota_mb"] = qmsg
	}
	fail := func(errs views.FieldErrors, detail string) error {
		h.audited(r, p, "mailbox.create", "mail_domain", idString(domainID), store.OutcomeFailure, detail)
		v, err := h.mailDomainDetail(ctx, domainID)
		if err != nil {
			return err
		}
		v.Mailbox = views.MailboxForm{Local: f["local"], Name: f["name"], QuotaMB: f["quota_mb"], Errs: errs}
		return h.render(w, r, http.StatusUnprocessableEntity, d.Domain, views.MailDomainPage(v))
	}
	if len(errs) > 0 {
		return fail(errs, "invalid input")
	}

	var row store.Mailbox
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		o, err := lockMailOwner(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		m := store.NewMail(tx)
		cur, err := m.Domain(ctx, domainID)
		if err != nil {
			return err
		}
		if cur.State != store.StateActive || cur.ISPID == nil {
			return userErr(http.StatusConflict, "This mail domain is "+cur.State+"; mailboxes can't be added now.")
		}
		if msg := o.checkCount("mailboxes", func(l store.Limits) int { return l.MaxMailboxes },
			func(u store.Usage) int { return u.Mailboxes }, 1); msg != "" {
			errs["local"] = msg
			return errRefused
		}
		if msg := o.checkQuota(0, quota); msg != "" {
			errs["quota_mb"] = msg
			return errRefused
		}
		used, err := m.AddressInUse(ctx, email)
		if err != nil {
			return err
		}
		if used != "" {
			errs["local"] = "That address is already used by " + articled(used) + "."
			return errRefused
		}
		row, err = m.CreateMailbox(ctx, store.Mailbox{CustomerID: c.ID, MailDomainID: domainID, Email: email, Name: name, QuotaMB: quota})
		if errors.Is(err, store.ErrConflict) {
			errs["local"] = "That mailbox already exists."
			return errRefused
		}
		return err
	})
	if err != nil && !errors.Is(err, errRefused) {
		h.audited(r, p, "mailbox.create", "mail_domain", idString(domainID), store.OutcomeFailure, errDetail(err))
		return err
	}
	if len(errs) > 0 {
		return fail(errs, "limit or duplicate")
	}

	isp, serverID, err := h.mailISP(ctx, c)
	if err != nil {
		return h.finishCreate(ctx, store.KindMailbox, row.ID, 0, err, nil)
	}
	ispID, addErr := isp.AddMailUser(ctx, *c.ISPClientID, ispapi.MailUserParams{
		ServerID: serverID, Email: email, Login: email, Password: f["password"], Name: name, QuotaBytes: quotaBytes(quota),
		Maildir: ispapi.DefaultMaildir(email), Homedir: ispapi.DefaultHomedir, Postfix: true, MoveJunk: "y",
		BackupInterval: "none", BackupCopies: 1,
	})
	if err := h.finishCreate(ctx, store.KindMailbox, row.ID, ispID, addErr, isp.DeleteMailUser); err != nil {
		h.audited(r, p, "mailbox.create", "mailbox", email, store.OutcomeFailure, errDetail(err))
		if m := remoteFieldErr(err); m != "" {
			return fail(views.FieldErrors{"local": m}, "refused by ISPConfig")
		}
		return err
	}
	h.audited(r, p, "mailbox.create", "mailbox", idString(row.ID), store.OutcomeSuccess, email+" quota "+strconv.Itoa(quota)+" MB")
	h.flash(r, "Mailbox "+email+" added. "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(domainID))
	return nil
}

func articled(kind string) string {
	if kind == "alias" {
		return "an alias"
	}
	return "a " + kind
}

// ownedMailbox loads the mailbox in route parameter mailboxID and its writable owner.
func (h *Handler) ownedMailbox(r *http.Request) (store.Mailbox, store.Customer, error) {
	id, err := ownedID(r, "mailboxID")
	if err != nil {
		return store.Mailbox{}, store.Customer{}, err
	}
	m, err := store.NewMail(h.pool).Mailbox(r.Context(), id)
	if err != nil {
		return m, store.Customer{}, err
	}
	c, err := h.mailOwnerOf(r.Context(), m.CustomerID)
	if err != nil {
		return m, c, err
	}
	if m.State != store.StateActive || m.ISPID == nil {
		return m, c, userErr(http.StatusConflict, "This mailbox is "+m.State+"; it can't be changed now.")
	}
	return m, c, nil
}

// mailboxDone answers a successful row action: the row for htmx, a flash and the domain page otherwise.
func (h *Handler) mailboxDone(w http.ResponseWriter, r *http.Request, m store.Mailbox, msg string) error {
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusOK, views.MailboxRow(m))
	}
	h.flash(r, msg+" "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(m.MailDomainID))
	return nil
}

// mailboxSetPassword handles POST /mail/mailboxes/{mailboxID}/password (owner's scope): sets a new password.
func (h *Handler) mailboxSetPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "password")
	if err != nil {
		return err
	}
	m, c, err := h.ownedMailbox(r)
	if err != nil {
		h.audited(r, p, "mailbox.password", "mailbox", idString(m.ID), store.OutcomeDenied, errDetail(err))
		return err
	}
	if msg := auth.CheckNew(f["password"]); msg != "" {
		return userErr(http.StatusUnprocessableEntity, "New password: "+msg)
	}
	isp, _, err := h.mailISP(ctx, c)
	if err != nil {
		return err
	}
	pw := f["password"]
	if err := isp.UpdateMailUser(ctx, *m.ISPID, ispapi.MailUserUpdate{Password: &pw}); err != nil {
		h.audited(r, p, "mailbox.password", "mailbox", idString(m.ID), store.OutcomeFailure, errDetail(err))
		if msg := remoteFieldErr(err); msg != "" {
			return userErr(http.StatusUnprocessableEntity, msg)
		}
		return err
	}
	h.audited(r, p, "mailbox.password", "mailbox", idString(m.ID), store.OutcomeSuccess, m.Email)
	return h.mailboxDone(w, r, m, "The password of "+m.Email+" was changed.")
}

// mailboxSetQuota handles POST /mail/mailboxes/{mailboxID}/quota (owner's scope): a new quota within the plans'
// total. The new value is reserved in the locked transaction, then sent; a failure puts the old one back.
func (h *Handler) mailboxSetQuota(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "quota_mb")
	if err != nil {
		return err
	}
	m, c, err := h.ownedMailbox(r)
	if err != nil {
		h.audited(r, p, "mailbox.quota", "mailbox", idString(m.ID), store.OutcomeDenied, errDetail(err))
		return err
	}
	quota, msg := parseQuota(f["quota_mb"])
	if msg != "" {
		return userErr(http.StatusUnprocessableEntity, "Quota: "+msg)
	}
	var old int
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		o, err := lockMailOwner(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		mail := store.NewMail(tx)
		cur, err := mail.Mailbox(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.State != store.StateActive {
			return userErr(http.StatusConflict, "This mailbox is "+cur.State+"; it can't be changed now.")
		}
		old = cur.QuotaMB
		if msg := o.checkQuota(old, quota); msg != "" {
			return userErr(http.StatusUnprocessableEntity, msg)
		}
		return mail.SetMailboxQuota(ctx, m.ID, quota)
	})
	if err != nil {
		h.audited(r, p, "mailbox.quota", "mailbox", idString(m.ID), store.OutcomeFailure, errDetail(err))
		return err
	}
	isp, _, err := h.mailISP(ctx, c)
	if err == nil {
		b := quotaBytes(quota)
		err = isp.UpdateMailUser(ctx, *m.ISPID, ispapi.MailUserUpdate{QuotaBytes: &b})
	}
	if err != nil {
		if rerr := store.NewMail(h.pool).SetMailboxQuota(context.WithoutCancel(ctx), m.ID, old); rerr != nil {
			err = errors.Join(err, rerr)
		}
		h.audited(r, p, "mailbox.quota", "mailbox", idString(m.ID), store.OutcomeFailure, errDetail(err))
		return err
	}
	h.audited(r, p, "mailbox.quota", "mailbox", idString(m.ID), store.OutcomeSuccess,
		m.Email+": "+strconv.Itoa(old)+" → "+strconv.Itoa(quota)+" MB")
	m.QuotaMB = quota
	return h.mailboxDone(w, r, m, "The quota of "+m.Email+" is now "+strconv.Itoa(quota)+" MB.")
}

// mailboxDelete handles POST /mail/mailboxes/{mailboxID}/delete (owner's scope). Without confirm=yes it shows the
// confirmation step; a mailbox that aliases deliver to is refused until they are deleted.
func (h *Handler) mailboxDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	id, err := ownedID(r, "mailboxID")
	if err != nil {
		return err
	}
	mail := store.NewMail(h.pool)
	m, err := mail.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, "Delete mailbox", views.MailConfirmPage(views.MailConfirm{
			Title: "Delete " + m.Email + "?", Message: "The mailbox " + m.Email + " and all the mail in it will be deleted.",
			Action: "/mail/mailboxes/" + idString(id) + "/delete", Cancel: "/mail/" + idString(m.MailDomainID)}))
	}
	audit := func(outcome, detail string) {
		h.audited(r, p, "mailbox.delete", "mailbox", idString(id), outcome, m.Email+": "+detail)
	}
	c, err := h.mailOwnerOf(ctx, m.CustomerID)
	if err != nil {
		audit(store.OutcomeDenied, errDetail(err))
		return err
	}
	prev := m.State
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if _, err := store.NewCustomers(tx).Lock(ctx, m.CustomerID); err != nil {
			return err
		}
		tm := store.NewMail(tx)
		aliases, err := tm.AliasesTo(ctx, m.Email)
		if err != nil {
			return err
		}
		if len(aliases) > 0 {
			return userErr(http.StatusConflict, "The alias "+aliases[0].Source+" delivers to this mailbox; delete it first.")
		}
		ok, err := tm.SetState(ctx, store.KindMailbox, id, store.StateDeleting, "", nil, store.StateActive, store.StateFailed)
		if err != nil {
			return err
		}
		if !ok {
			return userErr(http.StatusConflict, "This mailbox is "+m.State+"; it can't be deleted now.")
		}
		return nil
	})
	if err != nil {
		audit(store.OutcomeFailure, errDetail(err))
		return err
	}
	if m.ISPID != nil {
		isp, _, err := h.mailISP(ctx, c)
		if err == nil {
			err = isp.DeleteMailUser(ctx, *m.ISPID)
		}
		if err != nil {
			_, _ = mail.SetState(context.WithoutCancel(ctx), store.KindMailbox, id, prev, m.StateDetail, nil, store.StateDeleting)
			audit(store.OutcomeFailure, errDetail(err))
			return err
		}
	}
	if err := mail.Delete(ctx, store.KindMailbox, id); err != nil {
		return err
	}
	audit(store.OutcomeSuccess, "deleted")
	if isPartial(r) {
		removedRow(w)
		return nil
	}
	h.flash(r, "Mailbox "+m.Email+" deleted. "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(m.MailDomainID))
	return nil
}

// removedRow answers htmx with an empty 200 body, which swaps the deleted row away.
func removedRow(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
}
