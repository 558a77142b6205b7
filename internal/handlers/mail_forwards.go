package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

// mailForwardCreate handles POST /mail/{mailDomainID}/forwards (owner's scope): kind=alias (local → mailbox_id, a
// mailbox of the same client), kind=forward (local → destination, any address) or kind=catchall (@domain →
// destination, one per domain). Aliases and forwards count together against the plans' max_mail_aliases. Duplicates,
// which ISPConfig accepts, and sources that are mailbox addresses are refused here first.
func (h *Handler) mailForwardCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	domainID, err := ownedID(r, "mailDomainID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "kind", "local", "destination", "mailbox_id")
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
		h.audited(r, p, "mail_forward.create", "mail_domain", idString(domainID), store.OutcomeDenied, errDetail(err))
		return err
	}
	errs := views.FieldErrors{}
	kind := f["kind"]
	var source, dest string
	switch kind {
	case store.ForwardAlias, store.ForwardForward:
		local := strings.TrimSpace(f["local"])
		s, err := ispapi.NormalizeEmail(local + "@" + d.Domain)
		if local == "" || strings.Contains(local, "@") || err != nil {
			errs["local"] = "Enter the part before the @: letters, digits, dots, hyphens or underscores (no +)."
		}
		source = s
	case store.ForwardCatchall:
		if strings.TrimSpace(f["local"]) != "" {
			errs["local"] = "A catch-all takes every address of the domain; leave the address empty."
		}
		source = "@" + d.Domain
	default:
		return userErr(http.StatusBadRequest, "Choose alias, forward or catch-all.")
	}
	if kind == store.ForwardAlias {
		// The destination is a mailbox of the same client, resolved against the caller's scope.
		id, perr := strconv.ParseInt(strings.TrimSpace(f["mailbox_id"]), 10, 64)
		if perr != nil || id <= 0 {
			errs["mailbox_id"] = "Choose the mailbox the alias delivers to."
		} else {
			if err := store.Resolve(ctx, h.pool, store.ScopeOf(p.Effective), store.KindMailbox, id); err != nil {
				h.audited(r, p, "mail_forward.create", "mailbox", idString(id), store.OutcomeDenied, "destination not visible")
				return err
			}
			m, err := mail.Mailbox(ctx, id)
			if err != nil {
				return err
			}
			switch {
			case m.CustomerID != d.CustomerID:
				errs["mailbox_id"] = "Choose a mailbox of the same client."
			case m.State != store.StateActive:
				errs["mailbox_id"] = "That mailbox is not active."
			}
			dest = m.Email
		}
	} else {
		e, err := ispapi.NormalizeEmail(f["destination"])
		if err != nil {
			errs["destination"] = "Enter a valid e-mail address (no +)."
		}
		dest = e
	}
	if len(errs) == 0 && strings.EqualFold(source, dest) {
		errs["destination"] = "The destination can't be the address itself."
	}
	fail := func(errs views.FieldErrors, detail string) error {
		h.audited(r, p, "mail_forward.create", "mail_domain", idString(domainID), store.OutcomeFailure, detail)
		v, err := h.mailDomainDetail(ctx, domainID)
		if err != nil {
			return err
		}
		v.Forward = views.ForwardForm{Kind: kind, Local: f["local"], Destination: f["destination"], MailboxID: f["mailbox_id"], Errs: errs}
		return h.render(w, r, http.StatusUnprocessableEntity, d.Domain, views.MailDomainPage(v))
	}
	if len(errs) > 0 {
		return fail(errs, "invalid input")
	}
	field := "local"
	if kind == store.ForwardCatchall {
		field = "kind"
	}

	var row store.MailForward
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
			return userErr(http.StatusConflict, "This mail domain is "+cur.State+"; nothing can be added now.")
		}
		if kind != store.ForwardCatchall {
			if msg := o.checkCount("aliases and forwards", func(l store.Limits) int { return l.MaxMailAliases },
				func(u store.Usage) int { return u.MailAliases }, 1); msg != "" {
				errs[field] = msg
				return errRefused
			}
			used, err := m.AddressInUse(ctx, source)
			if err != nil {
				return err
			}
			if used == "mailbox" {
				errs[field] = "A mailbox already has this address."
				return errRefused
			}
		}
		row, err = m.CreateForward(ctx, store.MailForward{CustomerID: c.ID, MailDomainID: domainID, Kind: kind, Source: source, Destination: dest})
		if errors.Is(err, store.ErrConflict) {
			if kind == store.ForwardCatchall {
				errs[field] = "This domain already has a catch-all."
			} else {
				errs[field] = "That " + kind + " already exists."
			}
			return errRefused
		}
		return err
	})
	if err != nil && !errors.Is(err, errRefused) {
		h.audited(r, p, "mail_forward.create", "mail_domain", idString(domainID), store.OutcomeFailure, errDetail(err))
		return err
	}
	if len(errs) > 0 {
		return fail(errs, "limit or duplicate")
	}

	isp, serverID, err := h.mailISP(ctx, c)
	if err != nil {
		return h.finishCreate(ctx, store.KindMailForward, row.ID, 0, err, nil)
	}
	var ispID int64
	var addErr error
	switch kind {
	case store.ForwardAlias:
		ispID, addErr = isp.AddMailAlias(ctx, *c.ISPClientID, ispapi.MailAliasParams{ServerID: serverID, Source: source,
			Destination: dest, Active: true, AllowSendAs: true})
	case store.ForwardForward:
		ispID, addErr = isp.AddMailForward(ctx, *c.ISPClientID, ispapi.MailForwardParams{ServerID: serverID, Source: source,
			Destinations: []string{dest}, Active: true})
	default:
		ispID, addErr = isp.AddMailCatchall(ctx, *c.ISPClientID, ispapi.MailCatchallParams{ServerID: serverID, Domain: d.Domain,
			Destination: dest, Active: true})
	}
	undo := func(ctx context.Context, id int64) error { return deleteForwarding(ctx, isp, kind, id) }
	if err := h.finishCreate(ctx, store.KindMailForward, row.ID, ispID, addErr, undo); err != nil {
		h.audited(r, p, "mail_forward.create", "mail_forward", source, store.OutcomeFailure, errDetail(err))
		if m := remoteFieldErr(err); m != "" {
			return fail(views.FieldErrors{field: m}, "refused by ISPConfig")
		}
		return err
	}
	h.audited(r, p, "mail_forward.create", "mail_forward", idString(row.ID), store.OutcomeSuccess, kind+" "+source+" → "+dest)
	h.flash(r, mailKindName(kind)+" "+source+" → "+dest+" added. "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(domainID))
	return nil
}

func mailKindName(kind string) string {
	switch kind {
	case store.ForwardAlias:
		return "Alias"
	case store.ForwardForward:
		return "Forward"
	}
	return "Catch-all"
}

// ownedForward loads the alias, forward or catch-all in route parameter mailForwardID and its writable owner.
func (h *Handler) ownedForward(r *http.Request) (store.MailForward, store.Customer, error) {
	id, err := ownedID(r, "mailForwardID")
	if err != nil {
		return store.MailForward{}, store.Customer{}, err
	}
	fw, err := store.NewMail(h.pool).Forward(r.Context(), id)
	if err != nil {
		return fw, store.Customer{}, err
	}
	c, err := h.mailOwnerOf(r.Context(), fw.CustomerID)
	return fw, c, err
}

// mailForwardSetActive handles POST /mail/forwards/{mailForwardID}/active (owner's scope) with active=yes|no.
func (h *Handler) mailForwardSetActive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "active")
	if err != nil {
		return err
	}
	if f["active"] != "yes" && f["active"] != "no" {
		return userErr(http.StatusBadRequest, "Choose yes or no.")
	}
	active := f["active"] == "yes"
	fw, c, err := h.ownedForward(r)
	if err != nil {
		h.audited(r, p, "mail_forward.active", "mail_forward", idString(fw.ID), store.OutcomeDenied, errDetail(err))
		return err
	}
	if fw.State != store.StateActive || fw.ISPID == nil {
		return userErr(http.StatusConflict, "This entry is "+fw.State+"; it can't be changed now.")
	}
	isp, _, err := h.mailISP(ctx, c)
	if err == nil {
		u := ispapi.MailForwardingUpdate{Active: &active}
		switch fw.Kind {
		case store.ForwardAlias:
			err = isp.UpdateMailAlias(ctx, *fw.ISPID, u)
		case store.ForwardForward:
			err = isp.UpdateMailForward(ctx, *fw.ISPID, u)
		default:
			err = isp.UpdateMailCatchall(ctx, *fw.ISPID, u)
		}
	}
	if err != nil {
		h.audited(r, p, "mail_forward.active", "mail_forward", idString(fw.ID), store.OutcomeFailure, errDetail(err))
		return err
	}
	if err := store.NewMail(h.pool).SetActive(ctx, store.KindMailForward, fw.ID, active); err != nil {
		return err
	}
	h.audited(r, p, "mail_forward.active", "mail_forward", idString(fw.ID), store.OutcomeSuccess, "active="+f["active"])
	fw.Active = active
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusOK, views.ForwardRow(fw))
	}
	h.flash(r, mailKindName(fw.Kind)+" "+fw.Source+" updated. "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(fw.MailDomainID))
	return nil
}

// mailForwardDelete handles POST /mail/forwards/{mailForwardID}/delete (owner's scope); without confirm=yes it
// shows the confirmation step.
func (h *Handler) mailForwardDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	id, err := ownedID(r, "mailForwardID")
	if err != nil {
		return err
	}
	mail := store.NewMail(h.pool)
	fw, err := mail.Forward(ctx, id)
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, "Delete", views.MailConfirmPage(views.MailConfirm{
			Title: "Delete " + fw.Source + "?", Message: mailKindName(fw.Kind) + " " + fw.Source + " → " + fw.Destination + " will be deleted.",
			Action: "/mail/forwards/" + idString(id) + "/delete", Cancel: "/mail/" + idString(fw.MailDomainID)}))
	}
	audit := func(outcome, detail string) {
		h.audited(r, p, "mail_forward.delete", "mail_forward", idString(id), outcome, fw.Kind+" "+fw.Source+": "+detail)
	}
	c, err := h.mailOwnerOf(ctx, fw.CustomerID)
	if err != nil {
		audit(store.OutcomeDenied, errDetail(err))
		return err
	}
	prev := fw.State
	ok, err := mail.SetState(ctx, store.KindMailForward, id, store.StateDeleting, "", nil, store.StateActive, store.StateFailed)
	if err != nil {
		return err
	}
	if !ok {
		return userErr(http.StatusConflict, "This entry is "+fw.State+"; it can't be deleted now.")
	}
	if fw.ISPID != nil {
		isp, _, err := h.mailISP(ctx, c)
		if err == nil {
			err = deleteForwarding(ctx, isp, fw.Kind, *fw.ISPID)
		}
		if err != nil {
			_, _ = mail.SetState(context.WithoutCancel(ctx), store.KindMailForward, id, prev, fw.StateDetail, nil, store.StateDeleting)
			audit(store.OutcomeFailure, errDetail(err))
			return err
		}
	}
	if err := mail.Delete(ctx, store.KindMailForward, id); err != nil {
		return err
	}
	audit(store.OutcomeSuccess, "deleted")
	if isPartial(r) {
		removedRow(w)
		return nil
	}
	h.flash(r, mailKindName(fw.Kind)+" "+fw.Source+" deleted. "+mailDelayNote)
	redirect(w, r, "/mail/"+idString(fw.MailDomainID))
	return nil
}
