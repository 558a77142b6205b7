// Package hosting owns the whole lifecycle of the hosted objects a client has: web sites, mail domains, mailboxes,
// aliases, forwards, catch-alls and domain-limit entries.
//
// Every kind has the same shape: validate, take the owner's lock, check the suspension rules, limits and domain
// claims, record the intent as a pending row, call ISPConfig, verify, then settle or undo. The lifecycle is written
// once (lifecycle.go); a kind describes itself in a kindSpec (how ISPConfig finds and removes it) and in the
// newObject its create method builds (its limits, its row, its add call). No transaction is held across an
// ISPConfig call; an answer that never arrived leaves the row pending with whatever id ISPConfig revealed, and the
// settle job (settle.go) confirms or undoes it.
package hosting

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// Settings are the operator's choices that shape hosted objects.
type Settings struct {
	DomainLimit           bool     // sites and mail domains only on a client's allowed domains (domain-limit table)
	DomainLimitSubdomains bool     // … and on their subdomains
	PHPModes              []string // PHP modes clients may choose for a site
}

// Actor is who asks; the same for every service.
type Actor = tenancy.Actor

// Service runs hosted-object operations.
type Service struct {
	pool *pgxpool.Pool
	ten  *tenancy.Service // the ISPConfig seam per platform, and the per-customer lock
	set  Settings
	log  *slog.Logger
	// Down, when set, reports that a platform is known to be unreachable (from the last calls and the probe):
	// writes then fail fast, before anything is recorded.
	Down func(platformID int64) bool
	// SettleAfter is how long after an add whose answer was lost the object may still appear on the panel (its
	// PHP may still be running); a settle that doesn't find it sooner tries again later instead of giving up.
	SettleAfter time.Duration
}

// New returns a Service.
func New(pool *pgxpool.Pool, ten *tenancy.Service, set Settings, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(set.PHPModes) == 0 {
		set.PHPModes = []string{"php-fpm", "fast-cgi", "no"}
	}
	s := &Service{pool: pool, ten: ten, set: set, log: log, SettleAfter: 2 * time.Minute}
	ten.Objects = s.ObjectOps()
	return s
}

// reachable refuses a write at once while the platform is known to be down.
func (s *Service) reachable(platformID int64) error {
	if s.Down != nil && s.Down(platformID) {
		return fail.Platform("The hosting platform isn't responding. Please try again shortly; nothing was changed.")
	}
	return nil
}

// Settings returns the service's settings (for forms).
func (s *Service) Settings() Settings { return s.set }

// audit writes an audit entry for an operation's outcome: success, unknown (ISPConfig's answer was lost; the
// settle job decides) or failure. A failure to audit is logged loudly; the action has happened either way.
func (s *Service) audit(ctx context.Context, a Actor, action string, kind store.Kind, id int64, err error, detail string) {
	outcome := store.OutcomeSuccess
	switch {
	case errors.Is(err, errUnsettled):
		outcome = store.OutcomeUnknown
	case err != nil:
		outcome = store.OutcomeFailure
		detail += ": " + err.Error()
	}
	e := a.Entry(action, string(kind), id, outcome, detail)
	if aerr := store.NewAuditLog(s.pool).Append(context.WithoutCancel(ctx), e); aerr != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", aerr, "action", action)
	}
}

// errUnsettled marks a write whose outcome ISPConfig did not reveal; the object stays pending until the settle job
// confirms or undoes it.
var errUnsettled = fail.New(http.StatusBadGateway,
	"The hosting platform did not confirm the change. It is kept as being set up and checked again automatically; nothing is lost.")

// platformErr turns an ISPConfig failure into what the user sees. Errors that are already user-facing pass.
func platformErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := fail.As(err); ok {
		return err
	}
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	switch {
	case errors.As(err, &ve) && !ve.Local:
		return fail.Field("form", "The hosting platform refused it (%s).", strings.Join(ve.Keys, ", "))
	case errors.As(err, &me):
		return fail.Platform("The hosting platform did not store the change as sent (%s). Nothing was confirmed; please check and try again.", strings.Join(me.Fields, ", "))
	case errors.Is(err, ispapi.ErrUnavailable), errors.Is(err, tenancy.ErrWaiting):
		return fail.Platform("The hosting platform isn't responding. Please try again shortly.")
	case errors.Is(err, ispapi.ErrUnauthorized):
		return fail.Platform("The portal is not allowed to do that on the hosting platform. The operator has been notified.")
	}
	return err
}

// ambiguous reports whether ISPConfig may have done what was asked although the call failed: the request may
// have reached it and the answer was lost, or it answered something that made no sense. Refusals, errors before
// anything was sent, and errors that are not about the call at all (the portal's own rules, the database) are not.
func ambiguous(err error) bool {
	var ae *ispapi.APIError
	switch {
	case err == nil, errors.Is(err, ispapi.ErrNotSent):
		return false
	case errors.Is(err, ispapi.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &ae):
		return ae.Code == "ok"
	}
	return false
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

func isMismatch(err error) bool {
	var me *ispapi.MismatchError
	return errors.As(err, &me)
}
