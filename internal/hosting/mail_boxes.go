package hosting

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// MaxMailboxQuotaMB bounds a single mailbox quota (1 TiB), far below int64 overflow in bytes.
const MaxMailboxQuotaMB = 1 << 20

func quotaBytes(mb int) int64 { return int64(mb) << 20 }

// mailboxQuota reads a mailbox quota in MB: a whole number from 0 (unlimited) to MaxMailboxQuotaMB.
func mailboxQuota(raw string, errs fail.Fields) int {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 0 || n > MaxMailboxQuotaMB {
		errs.Addf("quota_mb", "Enter a whole number of MB from 0 to %d.", MaxMailboxQuotaMB)
		return 0
	}
	return n
}

// localPart builds local@domain, or records a field error.
func localPart(local, domain, field string, errs fail.Fields) string {
	local = strings.TrimSpace(local)
	email, err := ispapi.NormalizeEmail(local + "@" + domain)
	if local == "" || strings.Contains(local, "@") || err != nil {
		errs.Addf(field, "Enter the part before the @: letters, digits, dots, hyphens or underscores (no +).")
	}
	return email
}

func articled(kind string) string {
	switch kind {
	case "alias":
		return i18n.M("an alias")
	case "forward":
		return i18n.M("a forward")
	case "catchall":
		return i18n.M("a catch-all")
	}
	return "a " + kind
}

// NewMailbox is a request to create a mailbox in a mail domain.
type NewMailbox struct {
	Local    string // the part before the @
	Name     string
	Password string
	QuotaMB  string // 0 unlimited
}

// CreateMailbox validates a new mailbox in mail domain domainID, then runs the shared lifecycle: the mailbox count
// and the total mail quota of the client's and reseller's plans and the address's uniqueness under the client's
// lock, a pending row, ISPConfig's add.
func (s *Service) CreateMailbox(ctx context.Context, a Actor, domainID int64, in NewMailbox) (int64, error) {
	if err := s.visible(ctx, a, store.KindMailDomain, domainID); err != nil {
		return 0, err
	}
	d, err := store.NewMail(s.pool).Domain(ctx, domainID)
	if err != nil {
		return 0, err
	}
	errs := fail.Fields{}
	email := localPart(in.Local, d.Domain, "local", errs)
	name, msg := ispapi.CleanText(in.Name, ispapi.MaxMailboxName, false)
	errs.Add("name", msg)
	errs.Add("password", CheckMailboxPassword(in.Password))
	quota := mailboxQuota(in.QuotaMB, errs)
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "mailbox.create", store.KindMailbox, 0, err, in.Local+"@"+d.Domain)
		return 0, err
	}
	password := in.Password
	return s.create(ctx, a, newObject{
		kind: store.KindMailbox, action: "mailbox.create", label: email, client: d.CustomerID, field: "local",
		check: func(ctx context.Context, tx pgx.Tx, o owner) error {
			if _, err := activeMailDomain(ctx, tx, domainID, o.client.ID); err != nil {
				return err
			}
			if err := o.countLimit(i18n.M("mailboxes"), func(l store.Limits) int { return l.MaxMailboxes },
				func(u store.Usage) int { return u.Mailboxes }, 1); err != nil {
				return onField("local", err)
			}
			if err := o.mailQuota(0, quota); err != nil {
				return err
			}
			used, err := store.NewMail(tx).AddressInUse(ctx, email)
			if err != nil {
				return err
			}
			if used != "" {
				return fail.Field("local", "That address is already used by %s.", i18n.Msg(articled(used)))
			}
			return nil
		},
		insert: func(ctx context.Context, tx pgx.Tx, o owner) (int64, error) {
			m, err := store.NewMail(tx).CreateMailbox(ctx, store.Mailbox{CustomerID: o.client.ID, MailDomainID: domainID,
				Email: email, Name: name, QuotaMB: quota})
			if err != nil && isConflict(err) {
				return 0, fail.Field("local", "That mailbox already exists.")
			}
			if err != nil {
				return 0, err
			}
			// The portal's copy of the hash, for the public password page.
			return m.ID, store.NewMail(tx).SetMailboxPasswordHash(ctx, m.ID, ispapi.HashMailPassword(password))
		},
		add: func(ctx context.Context, isp tenancy.ISP, o owner) (int64, error) {
			id, err := isp.AddMailUser(ctx, *o.client.ISPClientID, ispapi.MailUserParams{
				ServerID: o.platform.MailServerID, Email: email, Login: email, Password: password, Name: name,
				QuotaBytes: quotaBytes(quota), Maildir: ispapi.DefaultMaildir(email), Homedir: ispapi.DefaultHomedir,
				Postfix: true, MoveJunk: "y", BackupInterval: "none", BackupCopies: 1,
			})
			return id, mailPlatformErr(err, "local")
		},
	})
}

// SetMailboxPassword sets a mailbox's password in ISPConfig.
func (s *Service) SetMailboxPassword(ctx context.Context, a Actor, id int64, password string) error {
	if err := s.visible(ctx, a, store.KindMailbox, id); err != nil {
		return err
	}
	label := fmt.Sprintf("mailbox %d", id)
	if m := CheckMailboxPassword(password); m.Format != "" {
		err := fail.Field("password", "New password: %s", m)
		s.audit(ctx, a, "mailbox.password", store.KindMailbox, id, err, label)
		return err
	}
	return s.change(ctx, a, store.KindMailbox, id, "mailbox.password", label, func(ctx context.Context, t target) error {
		if err := t.isp.UpdateMailUser(ctx, *t.ref.ISPID, ispapi.MailUserUpdate{Password: &password}); err != nil {
			return mailPlatformErr(err, "password")
		}
		return store.NewMail(t.conn).SetMailboxPasswordHash(ctx, id, ispapi.HashMailPassword(password))
	})
}

// SetMailboxQuota changes a mailbox's quota within the plans' total mail quota. Under the owner's lock the new
// value is checked and recorded (so a concurrent change counts it), then sent; a failure puts the old one back.
// It returns the mailbox as it now is.
func (s *Service) SetMailboxQuota(ctx context.Context, a Actor, id int64, raw string) (store.Mailbox, error) {
	if err := s.visible(ctx, a, store.KindMailbox, id); err != nil {
		return store.Mailbox{}, err
	}
	errs := fail.Fields{}
	quota := mailboxQuota(raw, errs)
	label := fmt.Sprintf("mailbox %d", id)
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "mailbox.quota", store.KindMailbox, id, err, label)
		return store.Mailbox{}, err
	}
	var box store.Mailbox
	err := s.change(ctx, a, store.KindMailbox, id, "mailbox.quota", fmt.Sprintf("mailbox %d quota %d MB", id, quota), func(ctx context.Context, t target) error {
		var old int
		err := pgx.BeginFunc(ctx, t.conn, func(tx pgx.Tx) error {
			o, err := lockOwner(ctx, tx, t.owner.client.ID)
			if err != nil {
				return err
			}
			cur, err := store.NewMail(tx).Mailbox(ctx, id)
			if err != nil {
				return err
			}
			old = cur.QuotaMB
			if err := o.mailQuota(old, quota); err != nil {
				return err
			}
			return store.NewMail(tx).SetMailboxQuota(ctx, id, quota)
		})
		if err != nil {
			return err
		}
		b := quotaBytes(quota)
		if err := t.isp.UpdateMailUser(ctx, *t.ref.ISPID, ispapi.MailUserUpdate{QuotaBytes: &b}); err != nil {
			if rerr := store.NewMail(t.conn).SetMailboxQuota(context.WithoutCancel(ctx), id, old); rerr != nil {
				s.log.ErrorContext(ctx, "could not put a mailbox quota back", "id", id, "err", rerr)
			}
			return err
		}
		box, err = store.NewMail(t.conn).Mailbox(ctx, id)
		return err
	})
	return box, err
}

// DeleteMailbox deletes a mailbox in ISPConfig, then its row. A mailbox that aliases deliver to is refused until
// they are deleted.
func (s *Service) DeleteMailbox(ctx context.Context, a Actor, id int64) error {
	if err := s.visible(ctx, a, store.KindMailbox, id); err != nil {
		return err
	}
	return s.removeChecked(ctx, a, store.KindMailbox, id, "mailbox.delete", fmt.Sprintf("mailbox %d", id),
		func(ctx context.Context, conn *pgxpool.Conn) error {
			m, err := store.NewMail(conn).Mailbox(ctx, id)
			if err != nil {
				return err
			}
			aliases, err := store.NewMail(conn).AliasesTo(ctx, m.Email)
			if err != nil {
				return err
			}
			if len(aliases) > 0 {
				return fail.Conflict("The alias %s delivers to this mailbox; delete it first.", aliases[0].Source)
			}
			return nil
		})
}

// removeChecked is remove with a check that runs under the owner's lock before anything changes.
func (s *Service) removeChecked(ctx context.Context, a Actor, kind store.Kind, id int64, action, label string,
	check func(ctx context.Context, conn *pgxpool.Conn) error) (err error) {
	defer func() { s.audit(ctx, a, action, kind, id, err, label) }()
	ref, err := store.NewObjects(s.pool).Ref(ctx, kind, id)
	if err != nil {
		return err
	}
	label = ref.Key
	err = s.ten.Locked(ctx, ref.CustomerID, func(conn *pgxpool.Conn) error {
		if err := check(ctx, conn); err != nil {
			return err
		}
		return s.removeLocked(ctx, conn, kind, id)
	})
	return platformErr(err)
}

// CheckMailboxPassword returns an empty Text when password may become a mailbox password, otherwise the message
// for its field: the portal's password rules, and only characters ISO-8859-1 can represent (ISPConfig converts
// the password to ISO-8859-1 before hashing it, so any other character would silently become "?").
func CheckMailboxPassword(password string) fail.Text {
	if m := auth.CheckNew(password); m.Format != "" {
		return m
	}
	return fail.Text{Format: ispapi.MailPasswordProblem(password)}
}

// MailboxPasswordError is every failure of the public mailbox password change that the user must not tell apart:
// unknown mailbox, wrong password, locked page, inactive mailbox or owner, platform error. Reason is for the
// counts and logs only.
type MailboxPasswordError struct {
	Reason string
	Locked bool // the attempt was refused because the address's page is locked
	Lock   bool // this failure locked the address's page
}

func (e *MailboxPasswordError) Error() string { return "mailbox password not changed: " + e.Reason }

// MailboxPasswordChange is a mailbox owner's request on the public page, with the lockout policy.
type MailboxPasswordChange struct {
	Email, Current, New string
	MaxFailures         int           // failed attempts on one address that lock its page
	LockFor             time.Duration // for how long
	Now                 time.Time
}

// LockoutScope is the lockouts scope of the public mailbox page; its keys are store.AttemptKey of
// ispapi.CanonicalAddress.
const LockoutScope = "mailbox.page"

// ChangeMailboxPassword is a mailbox owner's own password change, without a portal account. Every attempt does the
// same work whether or not the mailbox exists: it charges one attempt to the address's lockout (one statement,
// before any comparison, so concurrent attempts can't exceed the limit), reads the mailbox row, and compares the
// current password with one SHA-512 crypt hash: the one the portal keeps, or a dummy. ISPConfig is called only
// after that comparison succeeded: to confirm the password (the portal's copy may be stale) and to set the new
// one. Repeated failures lock the page for the address (not the mailbox: IMAP and SMTP keep working). It returns
// the mailbox id when the mailbox was found, a *MailboxPasswordError for every failure the user must not tell
// apart, or a field error for new_password. Rate limits are the caller's.
func (s *Service) ChangeMailboxPassword(ctx context.Context, in MailboxPasswordChange) (int64, error) {
	newPassword := in.New
	if m := CheckMailboxPassword(newPassword); m.Format != "" {
		return 0, fail.Field("new_password", m.Format, m.Args...)
	}
	addr := ispapi.CanonicalAddress(in.Email)
	key := store.AttemptKey(addr)
	locks := store.NewLockouts(s.pool)
	allowed, _, err := locks.Begin(ctx, LockoutScope, key, in.MaxFailures, in.Now)
	if err != nil {
		return 0, err
	}
	m, hash, lookupErr := store.NewMail(s.pool).MailboxForPassword(ctx, addr)
	if lookupErr != nil && !errors.Is(lookupErr, store.ErrNotFound) {
		return 0, lookupErr
	}
	if hash == "" {
		hash = ispapi.DummyMailPasswordHash
	}
	current := in.Current
	if len(current) > auth.MaxPasswordLen {
		current = ""
	}
	ok := ispapi.VerifyMailPassword(current, hash) && current != ""
	failed := func(reason string) error {
		lock, err := locks.Fail(context.WithoutCancel(ctx), LockoutScope, key, in.MaxFailures, in.LockFor, in.Now)
		if err != nil {
			s.log.ErrorContext(ctx, "mailbox lockout", "err", err)
		}
		return &MailboxPasswordError{Reason: reason, Lock: lock}
	}
	switch {
	case !allowed:
		return m.ID, &MailboxPasswordError{Reason: "locked", Locked: true}
	case lookupErr != nil:
		return 0, failed("unknown mailbox")
	case !ok:
		return m.ID, failed("wrong current password")
	case m.State != store.StateActive || m.ISPID == nil:
		return m.ID, failed("mailbox not active")
	}
	err = s.ten.Locked(ctx, m.CustomerID, func(conn *pgxpool.Conn) error {
		customers := store.NewCustomers(conn)
		c, err := customers.ByID(ctx, m.CustomerID)
		if err != nil {
			return err
		}
		var reseller *store.Customer
		if c.ResellerID != nil {
			r, err := customers.ByID(ctx, *c.ResellerID)
			if err != nil {
				return err
			}
			reseller = &r
		}
		if writable(c, reseller) != nil {
			return &MailboxPasswordError{Reason: "customer suspended or inactive"}
		}
		isp, err := s.ten.ISP(c.PlatformID)
		if err != nil {
			return &MailboxPasswordError{Reason: "platform error: " + err.Error()}
		}
		// The portal's copy matched; ISPConfig confirms it is still the current password (it may have been
		// changed in ISPConfig or webmail since).
		ok, err := isp.CheckMailUserPassword(ctx, *m.ISPID, current)
		if err != nil {
			s.log.WarnContext(ctx, "mailbox password check failed", "err", err, "mailbox_id", m.ID)
			return &MailboxPasswordError{Reason: "platform error: " + err.Error()}
		}
		if !ok {
			_ = store.NewMail(conn).SetMailboxPasswordHash(ctx, m.ID, "")
			return failed("stale password copy: changed outside the portal")
		}
		err = isp.UpdateMailUser(ctx, *m.ISPID, ispapi.MailUserUpdate{Password: &newPassword})
		var ve *ispapi.ValidationError
		switch {
		case err == nil:
			if err := store.NewMail(conn).SetMailboxPasswordHash(ctx, m.ID, ispapi.HashMailPassword(newPassword)); err != nil {
				return err
			}
			return locks.Succeed(ctx, LockoutScope, key)
		case errors.As(err, &ve) && !ve.Local:
			if ve.Has(ispapi.KeyWeakPassword) {
				return fail.Field("new_password", "The hosting platform considers that password too weak.")
			}
			return fail.Field("new_password", "The hosting platform refused it (%s).", strings.Join(ve.Keys, ", "))
		}
		s.log.WarnContext(ctx, "mailbox password change failed", "err", err, "mailbox_id", m.ID)
		return &MailboxPasswordError{Reason: "platform error: " + err.Error()}
	})
	return m.ID, err
}
