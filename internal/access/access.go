// Package access owns how people get into their accounts by email: invitations (a new account's owner chooses the
// password), password resets and email-address changes. Each works through a single-use link: 32 random bytes
// sent by email, only their SHA-256 stored, compared in constant time, bound to the address it was sent to, with
// its expiry checked in SQL. The link's message is written to the outbox in the same transaction as the token, and
// every use is audited.
package access

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/linktoken"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// How long links work.
const (
	InviteTTL      = 7 * 24 * time.Hour
	ResetTTL       = 30 * time.Minute
	EmailChangeTTL = 24 * time.Hour
)

// Limits are the abuse limits on requests anyone can make.
type Limits struct {
	ResetPerIP    int // reset requests per hour from one IP (IPv6: per /64)
	ResetPerEmail int // reset requests per hour for one address
}

// Service runs invitations, resets and email changes.
type Service struct {
	pool    *pgxpool.Pool
	mail    *mailer.Service
	hasher  *auth.Hasher
	baseURL string
	log     *slog.Logger
	Limits  Limits
}

// New returns a Service; baseURL is the portal's public address for links.
func New(pool *pgxpool.Pool, mail *mailer.Service, hasher *auth.Hasher, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, mail: mail, hasher: hasher, baseURL: strings.TrimRight(baseURL, "/"), log: log,
		Limits: Limits{ResetPerIP: 10, ResetPerEmail: 3}}
}

// Actor is who asks; the same for every service.
type Actor = tenancy.Actor

// invalidLink is the one answer for a link that is unknown, used, replaced, expired or malformed.
var invalidLink = fail.New(http.StatusNotFound,
	"This link is not valid any more: it was already used, replaced by a newer one, or it has expired.")

// usable finds the usable token of purpose for raw and locks it, comparing the stored hash in constant time.
func usable(ctx context.Context, tx pgx.Tx, purpose, raw string) (store.AccountToken, error) {
	h, ok := linktoken.Hash(raw)
	if !ok {
		return store.AccountToken{}, invalidLink
	}
	t, err := store.NewTokens(tx).Usable(ctx, purpose, h)
	if errors.Is(err, store.ErrNotFound) || (err == nil && subtle.ConstantTimeCompare(t.Hash, h) != 1) {
		return store.AccountToken{}, invalidLink
	}
	return t, err
}

// audit appends an entry; a failure to audit is logged loudly.
func (s *Service) audit(ctx context.Context, db store.DBTX, a Actor, action string, acct *store.Account, outcome, detail string) {
	e := store.AuditEntry{Action: action, ObjectType: "account", IP: a.IP, Outcome: outcome, Detail: detail}
	if a.Acting.ID != 0 {
		e.ActingAccountID, e.ActingEmail = &a.Acting.ID, a.Acting.Email
		e.EffectiveAccountID, e.EffectiveEmail = &a.Effective.ID, a.Effective.Email
	}
	if acct != nil {
		e.ObjectID = fmt.Sprint(acct.ID)
		if a.Acting.ID == 0 {
			e.ActingAccountID, e.ActingEmail = &acct.ID, acct.Email
			e.EffectiveAccountID, e.EffectiveEmail = &acct.ID, acct.Email
		}
	}
	if db == nil {
		db = s.pool
	}
	if err := store.NewAuditLog(db).Append(context.WithoutCancel(ctx), e); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", err, "action", action)
	}
}

func (s *Service) link(path, raw string) string { return s.baseURL + path + raw }

// checkPassword validates a new password and its confirmation as form fields.
func checkPassword(password, confirm string) error {
	f := fail.Fields{}
	if msg := auth.CheckNew(password); msg.Format != "" {
		f.Add("password", msg)
	} else if password != confirm {
		f.Addf("confirm_password", "The two passwords differ.")
	}
	return f.Err()
}

// suspendedOwner refuses an account whose customer, or whose customer's reseller, is suspended or gone.
func suspendedOwner(ctx context.Context, tx pgx.Tx, a store.Account) error {
	if a.CustomerID == nil {
		return nil
	}
	c, err := store.NewCustomers(tx).ByID(ctx, *a.CustomerID)
	if err != nil {
		return err
	}
	if c.State == store.StateDeleted || c.State == store.StateDeleting {
		return invalidLink
	}
	if c.Suspended() {
		return fail.Forbidden("This account is suspended. Please contact your provider.")
	}
	if c.ResellerID != nil {
		r, err := store.NewCustomers(tx).ByID(ctx, *c.ResellerID)
		if err != nil {
			return err
		}
		if r.Suspended() {
			return fail.Forbidden("This account is suspended. Please contact your provider.")
		}
	}
	return nil
}

// ipBucket is the rate-limit key of an IP: the address, or its /64 for IPv6.
func ipBucket(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// enqueue writes a message about account a (its customer's reseller signs it) in tx, composed in the recipient's
// language.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, kind string, a store.Account, to string, compose func(l i18n.Lang) (string, views.EmailBody)) error {
	_, err := s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: kind, CustomerID: a.CustomerID, To: to, ToName: a.Name, Compose: compose})
	return err
}
