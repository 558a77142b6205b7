package hosting

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// NewForward is a request to create an alias (Local → the mailbox MailboxID of the same client), a forward (Local
// → Destination, any address) or a catch-all (@domain → Destination, one per domain).
type NewForward struct {
	Kind        string // store.ForwardAlias, ForwardForward or ForwardCatchall
	Local       string
	Destination string
	MailboxID   string
}

// MailKindName is how the screens name a forwarding kind.
func MailKindName(kind string) string {
	switch kind {
	case store.ForwardAlias:
		return "Alias"
	case store.ForwardForward:
		return "Forward"
	}
	return "Catch-all"
}

// CreateForward validates a new alias, forward or catch-all in mail domain domainID, then runs the shared
// lifecycle. Aliases and forwards count together against the plans' max_mail_aliases. Duplicates, which ISPConfig
// accepts, and sources that are mailbox addresses are refused here first. It returns the row id and the
// destination it resolved.
func (s *Service) CreateForward(ctx context.Context, a Actor, domainID int64, in NewForward) (int64, string, error) {
	if err := s.visible(ctx, a, store.KindMailDomain, domainID); err != nil {
		return 0, "", err
	}
	mail := store.NewMail(s.pool)
	d, err := mail.Domain(ctx, domainID)
	if err != nil {
		return 0, "", err
	}
	errs := fail.Fields{}
	kind := in.Kind
	var source, dest string
	switch kind {
	case store.ForwardAlias, store.ForwardForward:
		source = localPart(in.Local, d.Domain, "local", errs)
	case store.ForwardCatchall:
		if strings.TrimSpace(in.Local) != "" {
			errs.Addf("local", "A catch-all takes every address of the domain; leave the address empty.")
		}
		source = "@" + d.Domain
	default:
		return 0, "", fail.New(http.StatusBadRequest, "Choose alias, forward or catch-all.")
	}
	if kind == store.ForwardAlias {
		// The destination is a mailbox of the same client, resolved against the actor's scope.
		id, perr := strconv.ParseInt(strings.TrimSpace(in.MailboxID), 10, 64)
		if perr != nil || id <= 0 {
			errs.Addf("mailbox_id", "Choose the mailbox the alias delivers to.")
		} else {
			if err := s.visible(ctx, a, store.KindMailbox, id); err != nil {
				s.audit(ctx, a, "mail_forward.create", store.KindMailForward, 0, err, "destination mailbox "+in.MailboxID+" not visible")
				return 0, "", err
			}
			m, err := mail.Mailbox(ctx, id)
			if err != nil {
				return 0, "", err
			}
			switch {
			case m.CustomerID != d.CustomerID:
				errs.Addf("mailbox_id", "Choose a mailbox of the same client.")
			case m.State != store.StateActive:
				errs.Addf("mailbox_id", "That mailbox is not active.")
			}
			dest = m.Email
		}
	} else {
		e, err := ispapi.NormalizeEmail(in.Destination)
		if err != nil {
			errs.Addf("destination", "Enter a valid e-mail address (no +).")
		}
		dest = e
	}
	if len(errs) == 0 && strings.EqualFold(source, dest) {
		errs.Addf("destination", "The destination can't be the address itself.")
	}
	label := kind + " " + source + " → " + dest
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "mail_forward.create", store.KindMailForward, 0, err, label)
		return 0, "", err
	}
	field := "local"
	if kind == store.ForwardCatchall {
		field = "kind"
	}
	id, err := s.create(ctx, a, newObject{
		kind: store.KindMailForward, action: "mail_forward.create", label: label, client: d.CustomerID, field: field,
		natKey: kind + "|" + strings.ToLower(source) + "|" + strings.ToLower(dest),
		check: func(ctx context.Context, tx pgx.Tx, o owner) error {
			if _, err := activeMailDomain(ctx, tx, domainID, o.client.ID); err != nil {
				return err
			}
			if kind == store.ForwardCatchall {
				return nil
			}
			if err := o.countLimit(i18n.M("aliases and forwards"), func(l store.Limits) int { return l.MaxMailAliases },
				func(u store.Usage) int { return u.MailAliases }, 1); err != nil {
				return onField(field, err)
			}
			used, err := store.NewMail(tx).AddressInUse(ctx, source)
			if err != nil {
				return err
			}
			if used == "mailbox" {
				return fail.Field(field, "A mailbox already has this address.")
			}
			return nil
		},
		insert: func(ctx context.Context, tx pgx.Tx, o owner) (int64, error) {
			f, err := store.NewMail(tx).CreateForward(ctx, store.MailForward{CustomerID: o.client.ID, MailDomainID: domainID,
				Kind: kind, Source: source, Destination: dest})
			if err != nil && isConflict(err) {
				if kind == store.ForwardCatchall {
					return 0, fail.Field(field, "This domain already has a catch-all.")
				}
				return 0, fail.Field(field, "That %s already exists.", kind)
			}
			return f.ID, err
		},
		add: func(ctx context.Context, isp tenancy.ISP, o owner) (int64, error) {
			server, client := o.platform.MailServerID, *o.client.ISPClientID
			var id int64
			var err error
			switch kind {
			case store.ForwardAlias:
				id, err = isp.AddMailAlias(ctx, client, ispapi.MailAliasParams{ServerID: server, Source: source,
					Destination: dest, Active: true, AllowSendAs: true})
			case store.ForwardForward:
				id, err = isp.AddMailForward(ctx, client, ispapi.MailForwardParams{ServerID: server, Source: source,
					Destinations: []string{dest}, Active: true})
			default:
				id, err = isp.AddMailCatchall(ctx, client, ispapi.MailCatchallParams{ServerID: server, Domain: d.Domain,
					Destination: dest, Active: true})
			}
			return id, mailPlatformErr(err, field)
		},
	})
	return id, dest, err
}

// SetForwardActive enables or disables an alias, forward or catch-all. It returns the row as it now is.
func (s *Service) SetForwardActive(ctx context.Context, a Actor, id int64, active bool) (store.MailForward, error) {
	if err := s.visible(ctx, a, store.KindMailForward, id); err != nil {
		return store.MailForward{}, err
	}
	var fw store.MailForward
	err := s.change(ctx, a, store.KindMailForward, id, "mail_forward.active", fmt.Sprintf("mail forward %d active=%v", id, active),
		func(ctx context.Context, t target) error {
			mail := store.NewMail(t.conn)
			cur, err := mail.Forward(ctx, id)
			if err != nil {
				return err
			}
			u := ispapi.MailForwardingUpdate{Active: &active}
			switch cur.Kind {
			case store.ForwardAlias:
				err = t.isp.UpdateMailAlias(ctx, *t.ref.ISPID, u)
			case store.ForwardForward:
				err = t.isp.UpdateMailForward(ctx, *t.ref.ISPID, u)
			default:
				err = t.isp.UpdateMailCatchall(ctx, *t.ref.ISPID, u)
			}
			if err != nil {
				return err
			}
			if err := mail.SetActive(ctx, store.KindMailForward, id, active); err != nil {
				return err
			}
			fw, err = mail.Forward(ctx, id)
			return err
		})
	return fw, err
}

// DeleteForward deletes an alias, forward or catch-all in ISPConfig, then its row.
func (s *Service) DeleteForward(ctx context.Context, a Actor, id int64) error {
	if err := s.visible(ctx, a, store.KindMailForward, id); err != nil {
		return err
	}
	return s.remove(ctx, a, store.KindMailForward, id, "mail_forward.delete", fmt.Sprintf("mail forward %d", id))
}
