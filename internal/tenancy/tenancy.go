// Package tenancy creates, suspends and deletes resellers and clients in Postgres and ISPConfig without leaving
// orphans on either side. Each operation records its intent in Postgres with a durable river job in the same
// transaction, then tries the ISPConfig side at once; when that fails the job finishes (or undoes) it later. Every
// step is idempotent, and no transaction is held open across an ISPConfig call.
package tenancy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/secret"
	"portal/internal/store"
)

// Service runs tenancy operations.
type Service struct {
	pool      *pgxpool.Pool
	platMu    sync.RWMutex
	platforms map[int64]ISP
	dial      Dialer      // builds the seams of platforms added by admins (platforms.go)
	box       *secret.Box // opens their stored passwords
	jobs      *river.Client[pgx.Tx]
	log       *slog.Logger
	// RetryDelay is how long a durable job waits before its first attempt; the request tries at once.
	RetryDelay time.Duration
	// DriftEvery is how often the drift check runs as a periodic job; 0 disables it. Set before NewJobs.
	DriftEvery time.Duration
	// QueueEvery is how often the servers' job queues are read (the applying state); 0 disables it. Set before
	// NewJobs.
	QueueEvery time.Duration
	// UsageEvery is how often the quota functions are read into Postgres (disk, traffic and mailbox use, DKIM
	// keys); 0 disables it. Set before NewJobs.
	UsageEvery time.Duration
	// SettleStale, when set, settles hosted objects that requests left pending; the drift job runs it first so
	// the comparison sees finished records.
	SettleStale func(ctx context.Context) error
	// Objects removes, switches and finds hosted objects in ISPConfig; the hosting service provides it.
	Objects ObjectOps
	// Invite sends a new account's owner an invitation in the transaction that creates it (the access service).
	Invite func(ctx context.Context, tx pgx.Tx, acct store.Account) error
	// Hasher hashes the passwords set for new customers, within the argon2id concurrency limit it shares with
	// sign-in.
	Hasher *auth.Hasher
	// SuspensionNotice tells a customer, in the transaction that changes it, that it was suspended or unsuspended.
	SuspensionNotice func(ctx context.Context, tx pgx.Tx, customerID int64, suspended bool) error
	// PlanChange, when set, runs in the transaction that records a customer's new plan (billing prorates there).
	PlanChange func(ctx context.Context, tx pgx.Tx, customerID, oldPlanID, newPlanID int64) error
	// Created, when set, runs in the transaction that records a new customer (billing subscribes it there, so no
	// customer exists without a subscription).
	Created func(ctx context.Context, tx pgx.Tx, c store.Customer) error

	instMu sync.Mutex
	inst   string
}

// ObjectOps is how whole-customer operations (suspension, deletion) act on hosted objects, described once by the
// hosting service.
type ObjectOps interface {
	// Remove deletes an object in ISPConfig; what is already gone is not an error.
	Remove(ctx context.Context, isp ISP, kind store.Kind, ispID int64) error
	// SetActive switches an object on or off; only sites and mail domains.
	SetActive(ctx context.Context, isp ISP, kind store.Kind, ispID int64, active bool) error
	// Find returns the ISPConfig id of the client's object of kind with natural key key, 0 when it has none.
	Find(ctx context.Context, isp ISP, c store.Customer, kind store.Kind, key string) (int64, error)
	// Reconcile switches the customer's objects in ISPConfig on or off as the portal recorded them.
	Reconcile(ctx context.Context, db store.DBTX, isp ISP, c store.Customer) error
}

// New returns a Service. Call SetJobs with the river client before use (the workers need the Service first).
func New(pool *pgxpool.Pool, platforms map[int64]ISP, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if platforms == nil {
		platforms = map[int64]ISP{}
	}
	return &Service{pool: pool, platforms: platforms, log: log, RetryDelay: 30 * time.Second}
}

// SetJobs sets the river client used to enqueue durable jobs.
func (s *Service) SetJobs(c *river.Client[pgx.Tx]) { s.jobs = c }

// PlatformIDs lists the platforms the service has an ISPConfig seam for, in id order.
func (s *Service) PlatformIDs() []int64 {
	s.platMu.RLock()
	defer s.platMu.RUnlock()
	return slices.Sorted(maps.Keys(s.platforms))
}

// ISP returns the ISPConfig seam of a platform.
func (s *Service) ISP(platformID int64) (ISP, error) {
	s.platMu.RLock()
	c, ok := s.platforms[platformID]
	s.platMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("tenancy: no ISPConfig client for platform %d", platformID)
	}
	return c, nil
}

// userErr is a refusal the user should see as it is (limits, plans, states).

// ErrWaiting means an operation could not finish now and its job will retry.
var ErrWaiting = errors.New("tenancy: waiting for ISPConfig")

// withCustomerLock serialises work on one customer across requests and workers with a session advisory lock on a
// dedicated connection (not a transaction: ISPConfig calls happen inside). fn does all its database work on that
// connection, so an operation holds exactly one pool connection and concurrent operations can't starve the pool.
func (s *Service) withCustomerLock(ctx context.Context, id int64, fn func(conn *pgxpool.Conn) error) error {
	return s.LockedAll(ctx, []int64{id}, fn)
}

// LockedAll runs fn holding the locks of several customers at once (an operation that changes two, such as moving
// a domain between clients), taken on one connection in one global order so that two such operations can't deadlock.
func (s *Service) LockedAll(ctx context.Context, ids []int64, fn func(conn *pgxpool.Conn) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = lockKey(id)
	}
	slices.Sort(keys)
	for _, key := range slices.Compact(keys) {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
			return err
		}
		defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	}
	return fn(conn)
}

// Locked runs fn holding customer id's lock: the one lock that suspension, unsuspension, provisioning, deletion
// and every write to the customer's hosted objects take. fn does all its database work on conn (transactions
// included) and may call ISPConfig; it must not take another customer's lock.
func (s *Service) Locked(ctx context.Context, id int64, fn func(conn *pgxpool.Conn) error) error {
	return s.withCustomerLock(ctx, id, fn)
}

func lockKey(id int64) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "customer:%d", id)
	return int64(h.Sum64())
}

// enqueue inserts a durable job in tx, delayed by RetryDelay so the request's own attempt goes first.
func (s *Service) enqueue(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if s.jobs == nil {
		return errors.New("tenancy: no job client configured")
	}
	_, err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: time.Now().Add(s.RetryDelay)})
	if err != nil {
		return fmt.Errorf("tenancy: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueOn inserts a durable job, delayed by RetryDelay, on conn: a caller that holds a customer lock must not ask
// the pool for a second connection.
func (s *Service) EnqueueOn(ctx context.Context, conn *pgxpool.Conn, args river.JobArgs) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return s.enqueue(ctx, tx, args) })
}

// customerNo marks an ISPConfig client as created by this portal database for one customer, so a retry can tell
// its own earlier (ambiguous) add from a stranger that happens to use the same username — including a customer of
// another portal database that shares the ISPConfig, whose marker carries another installation id.
// It reads the installation id on db (the caller's connection: a caller holding a customer lock must not ask the
// pool for a second one) and keeps it.
func (s *Service) customerNo(ctx context.Context, db store.DBTX, id int64) (string, error) {
	s.instMu.Lock()
	defer s.instMu.Unlock()
	if s.inst == "" {
		id, err := store.InstallationID(ctx, db)
		if err != nil {
			return "", err
		}
		s.inst = id
	}
	return fmt.Sprintf("portal-%s-%d", s.inst, id), nil
}

// panelPassword is a strong random password for the customer's ISPConfig panel login, which the portal never uses
// or stores; ISPConfig checks strength, so every character class is present.
func panelPassword() string {
	const alnum = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := []byte("Aa1#")
	for range 24 {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		b = append(b, alnum[n.Int64()])
	}
	return string(b)
}

// describe turns an ISPConfig failure into a short user-visible reason, kept (i18n.Keep) for a state detail: it
// is shown in the reader's language. ISPConfig's own field keys stay as they are.
func describe(err error) string {
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	switch {
	case errors.As(err, &ve):
		return i18n.Keep("the hosting platform refused it: %s", strings.Join(ve.Keys, ", "))
	case errors.As(err, &me):
		return i18n.Keep("the hosting platform stored different values for: %s", strings.Join(me.Fields, ", "))
	case errors.Is(err, ispapi.ErrUnavailable):
		return i18n.Keep("the hosting platform is not reachable; retrying automatically")
	case errors.Is(err, ispapi.ErrUnauthorized):
		return i18n.Keep("the portal lacks a permission on the hosting platform; retrying automatically")
	}
	return i18n.Keep("the hosting platform failed; retrying automatically")
}

// permanent reports whether ISPConfig refused the request for a reason a retry won't change.
func permanent(err error) bool {
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	var ae *ispapi.APIError
	return errors.As(err, &ve) || errors.As(err, &me) || errors.As(err, &ae)
}

// ownMarker reports whether an ISPConfig client carrying customer_no no is c's own: it carries this installation's
// marker, or — for a customer recorded before installation markers existed — the earlier "portal-<id>" one.
func (s *Service) ownMarker(ctx context.Context, db store.DBTX, c store.Customer, no, marker string) bool {
	if no == marker {
		return true
	}
	if no != fmt.Sprintf("portal-%d", c.ID) {
		return false
	}
	var before bool
	err := db.QueryRow(ctx, `SELECT $1 < created_at FROM installation`, c.CreatedAt).Scan(&before)
	return err == nil && before
}

// CheckContact validates a customer's contact fields as ISPConfig's client form stores them (contact_name and
// company_name are varchar(64) with STRIPTAGS/STRIPNL filters) and the sign-in email, and returns them trimmed
// and normalised, or field errors keyed name, company and email. Handlers and the service share it, so no value
// ISPConfig would alter or refuse is ever sent.
func CheckContact(kind store.Role, name, company, email string) (string, string, string, fail.Fields) {
	errs := fail.Fields{}
	name, msg := ispapi.CleanText(name, ispapi.MaxContactName, true)
	errs.Add("name", msg)
	company, msg = ispapi.CleanText(company, ispapi.MaxCompanyName, false)
	errs.Add("company", msg)
	email = strings.TrimSpace(email)
	if e, err := ispapi.NormalizeEmail(email); err != nil || len(e) > ispapi.MaxEmail {
		errs.Addf("email", "Enter a valid email address.")
	} else if kind == store.RoleReseller && strings.Contains(e, "+") {
		errs.Addf("email", "The hosting platform does not accept '+' in a reseller's email.")
	} else {
		email = e
	}
	if len(errs) == 0 {
		return name, company, email, nil
	}
	return name, company, email, errs
}
