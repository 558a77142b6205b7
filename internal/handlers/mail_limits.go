package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// mailDelayNote says honestly what the portal can't see: ISPConfig's server jobs.
const mailDelayNote = "ISPConfig applies mail changes on the mail server with a delay (usually within a minute or two); the portal cannot see when that has happened."

// mailOwner is a client locked for a limit check, with the plans that bind it (the client's, then its reseller's).
type mailOwner struct {
	client store.Customer
	levels []objectLevel
}

// lockMailOwner locks the client's row (and its reseller's first) until tx ends, refuses a client that can't take
// mail changes, and reads the usage from the portal's rows.
func lockMailOwner(ctx context.Context, tx pgx.Tx, clientID int64) (mailOwner, error) {
	c, levels, err := lockObjectOwner(ctx, tx, clientID, mailWritable)
	return mailOwner{client: c, levels: levels}, err
}

var errSuspended = userErr(http.StatusForbidden, "This account is suspended: its mail can't be changed until it is unsuspended.")

// mailWritable refuses changes for a client that is not an active, unsuspended client.
func mailWritable(c store.Customer) error {
	switch {
	case c.Kind != store.RoleClient:
		return userErr(http.StatusUnprocessableEntity, "Mail belongs to clients; choose a client.")
	case c.Suspended():
		return errSuspended
	case c.State != store.StateActive || c.ISPClientID == nil:
		return userErr(http.StatusConflict, "This client is not ready on the hosting platform yet ("+c.State+").")
	}
	return nil
}

// checkCount returns a message when adding add objects would pass a count limit of any level.
func (o mailOwner) checkCount(what string, limit func(store.Limits) int, used func(store.Usage) int, add int) string {
	for _, l := range o.levels {
		max := limit(l.plan.Limits)
		if max != store.Unlimited && used(l.used)+add > max {
			if max == 0 {
				return fmt.Sprintf("%s allows no %s.", l.who, what)
			}
			return fmt.Sprintf("%s allows at most %d %s (%d in use).", l.who, max, what, used(l.used))
		}
	}
	return ""
}

// checkQuota returns a message when a mailbox quota change from oldMB to newMB breaks a total mail quota. A plan
// with a limited total never hands out an unlimited (0) mailbox.
func (o mailOwner) checkQuota(oldMB, newMB int) string {
	for _, l := range o.levels {
		max := l.plan.MaxMailQuotaMB
		if max == store.Unlimited {
			continue
		}
		if newMB == 0 {
			return fmt.Sprintf("%s limits the total mail quota to %d MB, so each mailbox needs a quota.", l.who, max)
		}
		if l.used.MailQuotaMB-oldMB+newMB > max {
			return fmt.Sprintf("%s allows %d MB of mail quota in all; %d MB are in use, %d MB are left.", l.who, max,
				l.used.MailQuotaMB, max-l.used.MailQuotaMB+oldMB)
		}
	}
	return ""
}

// mailISP returns the ISPConfig client and mail server of a customer's platform.
func (h *Handler) mailISP(ctx context.Context, c store.Customer) (tenancy.ISP, int64, error) {
	isp, err := h.tenancy.ISP(c.PlatformID)
	if err != nil {
		return nil, 0, err
	}
	if c.PlatformID == h.opts.Platform.ID {
		return isp, h.opts.Platform.MailServerID, nil
	}
	pl, err := store.NewPlatforms(h.pool).ByID(ctx, c.PlatformID)
	if err != nil {
		return nil, 0, err
	}
	return isp, pl.MailServerID, nil
}

// finishCreate records the outcome of an ISPConfig add for the pending row id of kind: active with its ISPConfig id,
// or, on any failure, nothing left behind. When ISPConfig stored the object but not as sent (*MismatchError), the
// object is deleted there again; only when that fails too does the row stay, marked failed, so it can be deleted
// later. It returns the add's error.
func (h *Handler) finishCreate(ctx context.Context, kind store.Kind, id int64, ispID int64, addErr error, undo func(context.Context, int64) error) error {
	ctx = context.WithoutCancel(ctx)
	mail := store.NewMail(h.pool)
	if addErr == nil {
		if err := mail.SetProvisioned(ctx, kind, id, ispID); err != nil {
			return err
		}
		return nil
	}
	var me *ispapi.MismatchError
	if errors.As(addErr, &me) && ispID > 0 {
		if err := undo(ctx, ispID); err != nil {
			h.log.WarnContext(ctx, "could not undo a mismatched mail add", "kind", kind, "id", id, "isp_id", ispID, "err", err)
			_, serr := mail.SetState(ctx, kind, id, store.StateFailed, "ISPConfig stored different values; delete and create it again", &ispID, store.StatePending)
			return errors.Join(addErr, serr)
		}
	}
	if err := mail.Delete(ctx, kind, id); err != nil {
		return errors.Join(addErr, err)
	}
	return addErr
}

// remoteFieldErr maps ISPConfig's own validation refusal to a form message, or "" when it is not one.
func remoteFieldErr(err error) string {
	var ve *ispapi.ValidationError
	if !errors.As(err, &ve) || ve.Local {
		return ""
	}
	switch {
	case ve.Has("domain_error_unique"):
		return "The hosting platform already has that domain."
	case ve.Has("email_error_unique"), ve.Has("login_error_unique"):
		return "The hosting platform already has a mailbox with that address."
	case ve.Has(ispapi.KeyMailboxExists):
		return "The hosting platform already has a mailbox with that address."
	case ve.Has(ispapi.KeyWeakPassword):
		return "The hosting platform considers that password too weak."
	case ve.Has(ispapi.KeyMailDomainMissing):
		return "The hosting platform does not have this mail domain."
	}
	return "The hosting platform refused it (" + fmt.Sprint(ve.Keys) + ")."
}

// errRefused rolls back a create transaction whose refusal is already in the form's errors (a failed INSERT
// aborts the transaction, so it must not be committed).
var errRefused = errors.New("mail: refused")
