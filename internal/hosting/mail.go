package hosting

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// NewMailDomain is a request to create a mail domain.
type NewMailDomain struct {
	Customer string // the client, for admins and resellers (ignored for clients)
	Domain   string
}

// CreateMailDomain validates a new mail domain, then runs the shared lifecycle: the mail-domain limits, the
// operator's domain limit and the domain claim under the client's lock, a pending row, ISPConfig's add on the
// platform's mail server.
func (s *Service) CreateMailDomain(ctx context.Context, a Actor, in NewMailDomain) (int64, error) {
	errs := fail.Fields{}
	client, domain, err := s.domainFor(ctx, a, in.Customer, in.Domain, errs)
	if err != nil {
		return 0, err
	}
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "mail_domain.create", store.KindMailDomain, 0, err, in.Domain)
		return 0, err
	}
	return s.create(ctx, a, newObject{
		kind: store.KindMailDomain, action: "mail_domain.create", label: domain, client: client, claim: domain, field: "domain",
		check: func(ctx context.Context, tx pgx.Tx, o owner) error {
			return onField("domain", o.countLimit(i18n.M("mail domains"), func(l store.Limits) int { return l.MaxMailDomains },
				func(u store.Usage) int { return u.MailDomains }, 1))
		},
		insert: func(ctx context.Context, tx pgx.Tx, o owner) (int64, error) {
			d, err := store.NewMail(tx).CreateDomain(ctx, o.client.ID, domain)
			if err != nil && isConflict(err) {
				return 0, fail.Field("domain", "That mail domain already exists.")
			}
			return d.ID, err
		},
		add: func(ctx context.Context, isp tenancy.ISP, o owner) (int64, error) {
			id, err := isp.AddMailDomain(ctx, *o.client.ISPClientID, ispapi.MailDomainParams{
				ServerID: o.platform.MailServerID, Domain: domain, Active: true, DKIMSelector: "default",
			})
			return id, mailPlatformErr(err, "domain")
		},
	})
}

// SetMailDomainActive enables or disables receiving mail for a domain.
func (s *Service) SetMailDomainActive(ctx context.Context, a Actor, id int64, active bool) error {
	if err := s.visible(ctx, a, store.KindMailDomain, id); err != nil {
		return err
	}
	return s.change(ctx, a, store.KindMailDomain, id, "mail_domain.active", fmt.Sprintf("mail domain %d active=%v", id, active),
		func(ctx context.Context, t target) error {
			if err := t.isp.SetMailDomainActive(ctx, *t.ref.ISPID, active); err != nil {
				return err
			}
			return store.NewMail(t.conn).SetActive(ctx, store.KindMailDomain, id, active)
		})
}

// DeleteMailDomain deletes a mail domain. One that still has mailboxes, aliases, forwards or a catch-all is deleted
// only with cascade: under the owner's one lock its forwardings go first, then its mailboxes, then the domain
// (ISPConfig does not cascade), each row removed as ISPConfig confirms it. Nothing is touched while a child is
// being changed, or while an alias in another domain delivers to one of its mailboxes.
func (s *Service) DeleteMailDomain(ctx context.Context, a Actor, id int64, cascade bool) (err error) {
	label := fmt.Sprintf("mail domain %d", id)
	defer func() { s.audit(ctx, a, "mail_domain.delete", store.KindMailDomain, id, err, label) }()
	if err := s.visible(ctx, a, store.KindMailDomain, id); err != nil {
		return err
	}
	ref, err := store.NewObjects(s.pool).Ref(ctx, store.KindMailDomain, id)
	if err != nil {
		return err
	}
	label = ref.Key
	err = s.ten.Locked(ctx, ref.CustomerID, func(conn *pgxpool.Conn) error {
		mail := store.NewMail(conn)
		d, err := mail.Domain(ctx, id)
		if err != nil {
			return err
		}
		_, err = deletableOwner(ctx, conn, d.CustomerID)
		if err != nil {
			return err
		}
		switch {
		case d.State == store.StateDeleting:
			return fail.Conflict("This is already being deleted.")
		case d.State == store.StatePending && d.ISPID == nil:
			return fail.Conflict("This is still being set up; it can be deleted once that has finished.")
		}
		boxes, err := mail.Mailboxes(ctx, id)
		if err != nil {
			return err
		}
		fwds, err := mail.Forwards(ctx, id)
		if err != nil {
			return err
		}
		if (len(boxes) > 0 || len(fwds) > 0) && !cascade {
			return fail.Conflict("The mail domain still has %d mailbox(es) and %d alias(es), forward(s) or catch-all. Confirm deleting them as well.",
				len(boxes), len(fwds))
		}
		for _, b := range boxes {
			if busy(b.State, b.ISPID) {
				return fail.Conflict("The mailbox %s is still being changed; try again in a moment.", b.Email)
			}
			aliases, err := mail.AliasesTo(ctx, b.Email)
			if err != nil {
				return err
			}
			for _, al := range aliases {
				if al.MailDomainID != id {
					return fail.Conflict("The alias %s in another domain delivers to %s; delete it first.", al.Source, b.Email)
				}
			}
		}
		for _, fw := range fwds {
			if busy(fw.State, fw.ISPID) {
				return fail.Conflict("%s is still being changed; try again in a moment.", fw.Source)
			}
		}
		for _, fw := range fwds {
			if err := s.removeLocked(ctx, conn, store.KindMailForward, fw.ID); err != nil {
				return err
			}
		}
		for _, b := range boxes {
			if err := s.removeLocked(ctx, conn, store.KindMailbox, b.ID); err != nil {
				return err
			}
		}
		label = fmt.Sprintf("%s with %d mailboxes, %d forwardings", d.Domain, len(boxes), len(fwds))
		return s.removeLocked(ctx, conn, store.KindMailDomain, id)
	})
	return platformErr(err)
}

// busy reports whether an object is in the middle of a change that a cascade must not interfere with.
func busy(state string, ispID *int64) bool {
	return state == store.StateDeleting || (state == store.StatePending && ispID == nil)
}

// visible refuses an object the actor may not see (store.ErrNotFound), so that a service method never acts across
// tenants even when its caller forgot the ownership check.
func (s *Service) visible(ctx context.Context, a Actor, kind store.Kind, id int64) error {
	return store.Resolve(ctx, s.pool, a.Scope(), kind, id)
}

// activeMailDomain reads a mail domain under its owner's lock and refuses one that can't take new objects.
func activeMailDomain(ctx context.Context, tx pgx.Tx, id, clientID int64) (store.MailDomain, error) {
	d, err := store.NewMail(tx).Domain(ctx, id)
	if err != nil {
		return d, err
	}
	if d.CustomerID != clientID {
		return d, store.ErrNotFound
	}
	if d.State != store.StateActive || d.ISPID == nil {
		return d, fail.Conflict("This mail domain is %s; nothing can be added to it now.", d.State)
	}
	return d, nil
}

// mailQuota refuses a mailbox quota change from oldMB to newMB (0: unlimited) that breaks a total mail quota of
// any level. A plan with a limited total never hands out an unlimited mailbox.
func (o owner) mailQuota(oldMB, newMB int) error {
	for _, l := range o.levels {
		max := l.plan.MaxMailQuotaMB
		if max == store.Unlimited {
			continue
		}
		if newMB == 0 {
			return fail.Field("quota_mb", "%s limits the total mail quota to %d MB, so each mailbox needs a quota.", l.who, max)
		}
		if l.used.MailQuotaMB-oldMB+newMB > max {
			return fail.Field("quota_mb", "%s allows %d MB of mail quota in all; %d MB are in use, %d MB are left.", l.who, max,
				l.used.MailQuotaMB, max-l.used.MailQuotaMB+oldMB)
		}
	}
	return nil
}

// onField moves a refusal meant for the whole form ("form") next to field.
func onField(field string, err error) error {
	if e, ok := fail.As(err); ok && e.Field == "form" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// mailPlatformErr turns ISPConfig's mail-specific refusals into field errors; everything else passes unchanged
// (the lifecycle still needs the ISPConfig error itself to decide the row's fate, so only refusals that leave
// nothing behind are translated).
func mailPlatformErr(err error, field string) error {
	var ve *ispapi.ValidationError
	if err == nil || !errors.As(err, &ve) || ve.Local {
		return err
	}
	switch {
	case ve.Has(ispapi.KeyWeakPassword):
		return &mailRefusal{err: err, fe: fail.Field("password", "The hosting platform considers that password too weak.")}
	case ve.Has(ispapi.KeyMailDomainMissing):
		return &mailRefusal{err: err, fe: fail.Field(field, "The hosting platform does not have this mail domain.")}
	}
	return err
}

// mailRefusal is an ISPConfig refusal that the user sees as a field error; it still unwraps to the
// *ispapi.ValidationError so that the lifecycle knows nothing was created.
type mailRefusal struct {
	err error
	fe  *fail.Error
}

func (e *mailRefusal) Error() string { return e.fe.Error() }

// As lets fail.As find the field error first, before the ISPConfig error underneath.
func (e *mailRefusal) As(target any) bool {
	if p, ok := target.(**fail.Error); ok {
		*p = e.fe
		return true
	}
	return false
}

func (e *mailRefusal) Unwrap() error { return e.err }
