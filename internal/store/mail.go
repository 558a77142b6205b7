package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// MailDomain is the portal's record of an ISPConfig mail domain.
type MailDomain struct {
	ID          int64
	CustomerID  int64
	ISPID       *int64
	Domain      string
	Active      bool
	PrevActive  *bool
	State       string
	StateDetail string
	CreatedAt   time.Time

	// Filled by list and detail queries.
	CustomerName string
	Mailboxes    int
	Forwards     int    // aliases, forwards and the catch-all
	Apply        string // ApplyApplying, ApplyApplied, or "" when the mail server's queue can't be read
}

// Mailbox is the portal's record of an ISPConfig mailbox (mail_user).
type Mailbox struct {
	ID           int64
	CustomerID   int64
	MailDomainID int64
	ISPID        *int64
	Email        string
	Name         string
	QuotaMB      int
	State        string
	StateDetail  string
	CreatedAt    time.Time
	Apply        string // as MailDomain.Apply
	// UsedBytes is what the mail server last reported the mailbox to hold (the usage job); nil when unknown. Only
	// Mailboxes fills it.
	UsedBytes *int64
}

// Kinds of mail_forwards rows.
const (
	ForwardAlias    = "alias"
	ForwardForward  = "forward"
	ForwardCatchall = "catchall"
)

// MailForward is the portal's record of an alias, forward or catch-all (ISPConfig's mail_forwarding).
type MailForward struct {
	ID           int64
	CustomerID   int64
	MailDomainID int64
	ISPID        *int64
	Kind         string
	Source       string
	Destination  string
	Active       bool
	State        string
	StateDetail  string
	CreatedAt    time.Time
	Apply        string // as MailDomain.Apply
}

// Mail reads and writes mail_domains, mailboxes and mail_forwards.
type Mail struct{ db DBTX }

// NewMail returns the mail tables over db.
func NewMail(db DBTX) Mail { return Mail{db: db} }

var mailDomainCols = `o.id, o.customer_id, o.isp_id, o.domain, o.active, o.prev_active, o.state, o.state_detail,
	o.created_at, c.name,
	(SELECT count(*) FROM mailboxes m WHERE m.mail_domain_id = o.id),
	(SELECT count(*) FROM mail_forwards f WHERE f.mail_domain_id = o.id), ` +
	applySQL(KindMailDomain, "mail_server_id", "o.id", "o.customer_id")

func scanMailDomain(row pgx.CollectableRow) (MailDomain, error) {
	var d MailDomain
	err := row.Scan(mailDomainDest(&d, nil)...)
	return d, err
}

// mailDomainDest appends to dest where mailDomainCols' columns go in d.
func mailDomainDest(d *MailDomain, dest []any) []any {
	return append(dest, &d.ID, &d.CustomerID, &d.ISPID, &d.Domain, &d.Active, &d.PrevActive, &d.State, &d.StateDetail,
		&d.CreatedAt, &d.CustomerName, &d.Mailboxes, &d.Forwards, &d.Apply)
}

var mailboxCols = `id, customer_id, mail_domain_id, isp_id, email, name, quota_mb, state, state_detail, created_at, ` +
	applySQL(KindMailbox, "mail_server_id", "mailboxes.id", "mailboxes.customer_id")

func scanMailbox(row pgx.CollectableRow) (Mailbox, error) {
	var m Mailbox
	err := row.Scan(&m.ID, &m.CustomerID, &m.MailDomainID, &m.ISPID, &m.Email, &m.Name, &m.QuotaMB, &m.State,
		&m.StateDetail, &m.CreatedAt, &m.Apply)
	return m, err
}

var forwardCols = `id, customer_id, mail_domain_id, isp_id, kind, source, destination, active, state, state_detail,
	created_at, ` + applySQL(KindMailForward, "mail_server_id", "mail_forwards.id", "mail_forwards.customer_id")

func scanForward(row pgx.CollectableRow) (MailForward, error) {
	var f MailForward
	err := row.Scan(&f.ID, &f.CustomerID, &f.MailDomainID, &f.ISPID, &f.Kind, &f.Source, &f.Destination, &f.Active,
		&f.State, &f.StateDetail, &f.CreatedAt, &f.Apply)
	return f, err
}

// MailDomainFilter selects a page of mail domains: Query is part of the domain or the customer's name.
type MailDomainFilter = ListFilter

// ListDomains returns one page of the mail domains visible to scope that match f, by domain, and its pager.
func (s Mail) ListDomains(ctx context.Context, scope Scope, f MailDomainFilter) ([]MailDomain, Paging, error) {
	f.normalize()
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := scopeWhere(scope, arg)
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + escapeLike(strings.ToLower(q)) + "%")
		where = append(where, "(lower(o.domain) LIKE "+p+" OR lower(c.name) LIKE "+p+")")
	}
	from := ` FROM mail_domains o JOIN customers c ON c.id = o.customer_id WHERE ` + strings.Join(where, " AND ")
	sp := domainSpec(mailDomainCols, from, f)
	if scope.Role == RoleClient && scope.CustomerID != 0 && strings.TrimSpace(f.Query) == "" {
		sp.count = counterTotal("mail_domains", scope.CustomerID, arg) // a client's whole list is all its mail domains
	}
	list, pg, err := listPage(ctx, s.db, sp, f.Keyset, args, mailDomainDest)
	return list, pg, wrap(err, "list mail domains")
}

// Domain returns a mail domain without an ownership check: callers resolve ownership first. Errors: ErrNotFound.
func (s Mail) Domain(ctx context.Context, id int64) (MailDomain, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+mailDomainCols+` FROM mail_domains o JOIN customers c ON c.id = o.customer_id
		WHERE o.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, scanMailDomain)
	return d, wrap(err, "mail domain %d", id)
}

// CreateDomain records a pending mail domain. Errors: ErrConflict when the domain is already recorded.
func (s Mail) CreateDomain(ctx context.Context, customerID int64, domain string) (MailDomain, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO mail_domains (customer_id, domain, active, state)
		VALUES ($1, $2, true, 'pending') RETURNING id`, customerID, domain).Scan(&id)
	if err != nil {
		return MailDomain{}, wrap(err, "create mail domain %q", domain)
	}
	return s.Domain(ctx, id)
}

// Mailboxes lists the mailboxes of a mail domain, by address.
func (s Mail) Mailboxes(ctx context.Context, domainID int64) ([]Mailbox, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+mailboxCols+`, (SELECT used_bytes FROM mailbox_usage u WHERE u.mailbox_id = mailboxes.id)
		FROM mailboxes WHERE mail_domain_id = $1 ORDER BY lower(email), id`, domainID)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Mailbox, error) {
		var m Mailbox
		err := row.Scan(&m.ID, &m.CustomerID, &m.MailDomainID, &m.ISPID, &m.Email, &m.Name, &m.QuotaMB, &m.State,
			&m.StateDetail, &m.CreatedAt, &m.Apply, &m.UsedBytes)
		return m, err
	})
	return list, wrap(err, "mailboxes of domain %d", domainID)
}

// CustomerMailboxes lists a customer's mailboxes in every domain, by address (alias destinations).
func (s Mail) CustomerMailboxes(ctx context.Context, customerID int64) ([]Mailbox, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+mailboxCols+` FROM mailboxes WHERE customer_id = $1 ORDER BY lower(email), id`, customerID)
	list, err := pgx.CollectRows(rows, scanMailbox)
	return list, wrap(err, "mailboxes of customer %d", customerID)
}

// Mailbox returns a mailbox without an ownership check. Errors: ErrNotFound.
func (s Mail) Mailbox(ctx context.Context, id int64) (Mailbox, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+mailboxCols+` FROM mailboxes WHERE id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, scanMailbox)
	return m, wrap(err, "mailbox %d", id)
}

// MailboxForPassword returns the mailbox with address email (already normalised) and the password hash the portal
// keeps for it ("" when the portal never set its password). Errors: ErrNotFound.
func (s Mail) MailboxForPassword(ctx context.Context, email string) (Mailbox, string, error) {
	var hash string
	rows, _ := s.db.Query(ctx, `SELECT `+mailboxCols+`, password_hash FROM mailboxes WHERE lower(email) = lower($1)`, email)
	m, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (Mailbox, error) {
		var m Mailbox
		err := row.Scan(&m.ID, &m.CustomerID, &m.MailDomainID, &m.ISPID, &m.Email, &m.Name, &m.QuotaMB, &m.State,
			&m.StateDetail, &m.CreatedAt, &m.Apply, &hash)
		return m, err
	})
	return m, hash, wrap(err, "mailbox %q", email)
}

// SetMailboxPasswordHash stores the hash of a password the portal has just set (ispapi.HashMailPassword).
func (s Mail) SetMailboxPasswordHash(ctx context.Context, id int64, hash string) error {
	_, err := s.db.Exec(ctx, `UPDATE mailboxes SET password_hash = $2 WHERE id = $1`, id, hash)
	return wrap(err, "set mailbox %d password hash", id)
}

// SyncMailboxPasswordHash replaces the portal's copy of a mailbox's password hash with ISPConfig's (drift check).
func (s Mail) SyncMailboxPasswordHash(ctx context.Context, id int64, hash string) error {
	_, err := s.db.Exec(ctx, `UPDATE mailboxes SET password_hash = $2 WHERE id = $1 AND password_hash <> $2`, id, hash)
	return wrap(err, "sync mailbox %d password hash", id)
}

// CreateMailbox records a pending mailbox. Errors: ErrConflict when the address is already recorded.
func (s Mail) CreateMailbox(ctx context.Context, m Mailbox) (Mailbox, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO mailboxes (customer_id, mail_domain_id, email, name, quota_mb, state)
		VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING `+mailboxCols, m.CustomerID, m.MailDomainID, m.Email, m.Name, m.QuotaMB)
	out, err := pgx.CollectExactlyOneRow(rows, scanMailbox)
	return out, wrap(err, "create mailbox %q", m.Email)
}

// SetMailboxQuota records a mailbox's quota.
func (s Mail) SetMailboxQuota(ctx context.Context, id int64, quotaMB int) error {
	_, err := s.db.Exec(ctx, `UPDATE mailboxes SET quota_mb = $2, updated_at = now() WHERE id = $1`, id, quotaMB)
	return wrap(err, "mailbox %d quota", id)
}

// Forwards lists the aliases, forwards and catch-all of a mail domain: kind, then source.
func (s Mail) Forwards(ctx context.Context, domainID int64) ([]MailForward, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+forwardCols+` FROM mail_forwards WHERE mail_domain_id = $1
		ORDER BY kind, lower(source), lower(destination), id`, domainID)
	list, err := pgx.CollectRows(rows, scanForward)
	return list, wrap(err, "forwards of domain %d", domainID)
}

// Forward returns an alias, forward or catch-all without an ownership check. Errors: ErrNotFound.
func (s Mail) Forward(ctx context.Context, id int64) (MailForward, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+forwardCols+` FROM mail_forwards WHERE id = $1`, id)
	f, err := pgx.CollectExactlyOneRow(rows, scanForward)
	return f, wrap(err, "mail forward %d", id)
}

// CreateForward records a pending alias, forward or catch-all. Errors: ErrConflict for a duplicate (same kind,
// source and destination) or a second catch-all of a domain.
func (s Mail) CreateForward(ctx context.Context, f MailForward) (MailForward, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO mail_forwards (customer_id, mail_domain_id, kind, source, destination, active, state)
		VALUES ($1, $2, $3, $4, $5, true, 'pending') RETURNING `+forwardCols,
		f.CustomerID, f.MailDomainID, f.Kind, f.Source, f.Destination)
	out, err := pgx.CollectExactlyOneRow(rows, scanForward)
	return out, wrap(err, "create %s %q", f.Kind, f.Source)
}

// AddressInUse reports what already uses address (normalised) as a mailbox or as the source of an alias or
// forward: "mailbox", "alias", "forward", or "" when nothing does.
func (s Mail) AddressInUse(ctx context.Context, address string) (string, error) {
	var kind string
	err := s.db.QueryRow(ctx, `SELECT kind FROM (
		SELECT 'mailbox' AS kind FROM mailboxes WHERE lower(email) = lower($1)
		UNION ALL SELECT kind FROM mail_forwards WHERE kind IN ('alias', 'forward') AND lower(source) = lower($1)
	) u LIMIT 1`, address).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return kind, wrap(err, "address %q in use", address)
}

// SetActive records whether a mail domain or forwarding row is enabled.
func (s Mail) SetActive(ctx context.Context, kind Kind, id int64, active bool) error {
	if kind != KindMailDomain && kind != KindMailForward {
		return fmt.Errorf("store: %s has no active flag", kind)
	}
	_, err := s.db.Exec(ctx, `UPDATE `+objectTables[kind].name+` SET active = $2, updated_at = now() WHERE id = $1`, id, active)
	return wrap(err, "%s %d active", kind, id)
}

// AliasesTo lists the aliases whose destination is address (normalised).
func (s Mail) AliasesTo(ctx context.Context, address string) ([]MailForward, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+forwardCols+` FROM mail_forwards WHERE kind = 'alias'
		AND lower(destination) = lower($1) ORDER BY id`, address)
	list, err := pgx.CollectRows(rows, scanForward)
	return list, wrap(err, "aliases to %q", address)
}
