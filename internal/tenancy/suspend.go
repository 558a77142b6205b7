package tenancy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// SetSuspended suspends or unsuspends a customer on behalf of by (store.SuspendedByAdmin, …Reseller or
// …Billing). A suspension records who imposed it, and only that level or a higher one may lift it (a reseller
// can't lift an admin's); a lower level can't replace a higher one's suspension either. A reseller's suspension
// covers all its clients; unsuspending it restores only the clients that were not also suspended on their own.
// It holds the customer's lock (the one every object write takes), changes the flags in one transaction with a
// durable job per customer, and then brings ISPConfig in line at once.
func (s *Service) SetSuspended(ctx context.Context, id int64, suspend bool, by string) error {
	if store.SuspensionRank(by) == 0 {
		return fmt.Errorf("tenancy: unknown suspension level %q", by)
	}
	var affected []int64
	err := s.withCustomerLock(ctx, id, func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) (err error) {
			affected, err = s.setSuspendedTx(ctx, tx, id, suspend, by)
			return err
		})
	})
	if err != nil {
		return err
	}
	s.ApplySuspensions(ctx, affected)
	return nil
}

// SetSuspendedTx records, in the caller's tx, a suspension (or its lifting) of customer id by by with
// SetSuspended's rules, and enqueues the jobs that apply it; it returns the customers whose flags changed, for the
// caller to ApplySuspensions once tx has committed (no transaction is held across ISPConfig calls). It doesn't take
// the customer's lock: applying does, so an object write that is under way is switched when it is done. A caller
// that must decide and (un)suspend atomically (billing, under the invoice's row lock) uses it instead of
// SetSuspended, and needs no second connection for it.
func (s *Service) SetSuspendedTx(ctx context.Context, tx pgx.Tx, id int64, suspend bool, by string) ([]int64, error) {
	if store.SuspensionRank(by) == 0 {
		return nil, fmt.Errorf("tenancy: unknown suspension level %q", by)
	}
	return s.setSuspendedTx(ctx, tx, id, suspend, by)
}

// ApplySuspensions brings ISPConfig in line for each customer (ApplySuspension); what fails now is left to the
// jobs enqueued with the change.
func (s *Service) ApplySuspensions(ctx context.Context, ids []int64) {
	for _, cid := range ids {
		if err := s.ApplySuspension(ctx, cid); err != nil {
			s.log.WarnContext(ctx, "suspension not applied yet; the job will retry", "customer_id", cid, "err", err)
		}
	}
}

// setSuspendedTx changes the suspension flags in tx (see SetSuspended) and enqueues a job per affected customer;
// it returns the affected customers (none when nothing changed).
func (s *Service) setSuspendedTx(ctx context.Context, tx pgx.Tx, id int64, suspend bool, by string) ([]int64, error) {
	var affected []int64
	customers := store.NewCustomers(tx)
	c, err := customers.Lock(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.State != store.StateActive {
		return nil, fail.Invalid("Only an active customer can be suspended or unsuspended (this one is %s).", i18n.Msg(c.State))
	}
	if c.SuspendedSelf && store.SuspensionRank(by) < store.SuspensionRank(c.SuspendedBy) {
		return nil, fail.Forbidden("This customer was suspended by %s; only %s can lift it.", i18n.Msg(levelName(c.SuspendedBy)), i18n.Msg(levelName(c.SuspendedBy)))
	}
	if c.SuspendedSelf == suspend && (!suspend || c.SuspendedBy == by) {
		return nil, nil
	}
	// Billing neither takes over a reseller's suspension nor lifts one: lifting its own must give back
	// exactly the state before it, and a customer its reseller suspended stays suspended.
	if by == store.SuspendedByBilling && c.SuspendedSelf && c.SuspendedBy != store.SuspendedByBilling {
		return nil, nil
	}
	self := ""
	if suspend {
		self = by
	}
	if err := customers.SetSuspension(ctx, c.ID, self, c.SuspendedByReseller, progress(suspend || c.SuspendedByReseller, c.Suspension)); err != nil {
		return nil, err
	}
	affected = append(affected, c.ID)
	notify := []int64{c.ID}
	if c.Kind == store.RoleReseller && c.SuspendedSelf != suspend {
		clients, err := customers.LiveClients(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, cl := range clients {
			if err := customers.SetSuspension(ctx, cl.ID, cl.SuspendedBy, suspend, progress(suspend || cl.SuspendedSelf, cl.Suspension)); err != nil {
				return nil, err
			}
			affected = append(affected, cl.ID)
			if !cl.SuspendedSelf { // its own suspension, if any, stays: nothing changes for it
				notify = append(notify, cl.ID)
			}
		}
	}
	if s.SuspensionNotice != nil && c.SuspendedSelf != suspend {
		for _, cid := range notify {
			if err := s.SuspensionNotice(ctx, tx, cid, suspend); err != nil {
				return nil, err
			}
		}
	}
	for _, cid := range affected {
		if err := s.enqueue(ctx, tx, SuspensionArgs{CustomerID: cid}); err != nil {
			return nil, err
		}
	}
	return affected, nil
}

// WritesAllowed is the rule that a suspended customer, and every client of a suspended reseller, changes nothing —
// also when an admin or reseller acts as it. Admins themselves, and accounts without a customer, pass.
func (s *Service) WritesAllowed(ctx context.Context, a store.Account) error {
	if a.CustomerID == nil {
		return nil
	}
	c, err := store.NewCustomers(s.pool).ByID(ctx, *a.CustomerID)
	if err != nil {
		return err
	}
	if c.Suspended() {
		return fail.Forbidden("This account is suspended: nothing can be changed until it is unsuspended.")
	}
	return nil
}

func levelName(by string) string {
	switch by {
	case store.SuspendedByAdmin:
		return i18n.M("an administrator")
	case store.SuspendedByBilling:
		return i18n.M("billing (or an administrator)")
	}
	return i18n.M("its reseller (or an administrator)")
}

// progress is the suspension progress for a wanted state, given the current one.
func progress(want bool, current string) string {
	switch {
	case want && current == store.SuspensionSuspended:
		return current
	case want:
		return store.SuspensionSuspending
	case current == store.SuspensionNone:
		return current
	}
	return store.SuspensionUnsuspending
}

// suspendable are the objects a suspension disables, and how.
var suspendable = []store.Kind{store.KindSite, store.KindMailDomain}

func (s *Service) setActive(ctx context.Context, isp ISP, kind store.Kind, ispID int64, active bool) error {
	return s.Objects.SetActive(ctx, isp, kind, ispID, active)
}

// ApplySuspension brings ISPConfig in line with a customer's suspension flags. Suspending records each object's
// state before disabling it, then locks the client; unsuspending unlocks the client and restores exactly the
// recorded states. It is idempotent and resumes where an earlier attempt stopped.
func (s *Service) ApplySuspension(ctx context.Context, id int64) error {
	return s.withCustomerLock(ctx, id, func(db *pgxpool.Conn) error {
		customers := store.NewCustomers(db)
		objects := store.NewObjects(db)
		c, err := customers.ByID(ctx, id)
		if err != nil || c.State != store.StateActive || c.ISPClientID == nil {
			return err
		}
		isp, err := s.ISP(c.PlatformID)
		if err != nil {
			return err
		}
		want := c.Suspended()
		if (want && c.Suspension == store.SuspensionSuspended) || (!want && c.Suspension == store.SuspensionNone) {
			return nil
		}
		if want {
			for _, kind := range suspendable {
				list, err := objects.Of(ctx, c.ID, kind)
				if err != nil {
					return err
				}
				for _, o := range list {
					if o.ISPID == nil {
						continue
					}
					prev := o.Active
					if o.PrevActive != nil {
						prev = *o.PrevActive // an earlier attempt recorded it
					} else if err := objects.SetPrevActive(ctx, kind, o.ID, &prev); err != nil {
						return err
					}
					if prev {
						if err := s.setActive(ctx, isp, kind, *o.ISPID, false); err != nil {
							return s.waiting(ctx, db, c.ID, err)
						}
						if err := objects.Written(ctx, kind, o.ID); err != nil { // applying until its server has it
							return err
						}
					}
				}
			}
			if err := isp.UpdateClient(ctx, *c.ISPClientID, ispapi.ClientUpdate{Locked: ispapi.Ptr(true), Canceled: ispapi.Ptr(true)}); err != nil {
				return s.waiting(ctx, db, c.ID, err)
			}
			return customers.SetSuspensionProgress(ctx, c.ID, store.SuspensionSuspended)
		}
		if err := isp.UpdateClient(ctx, *c.ISPClientID, ispapi.ClientUpdate{Locked: ispapi.Ptr(false), Canceled: ispapi.Ptr(false)}); err != nil {
			return s.waiting(ctx, db, c.ID, err)
		}
		for _, kind := range suspendable {
			list, err := objects.Of(ctx, c.ID, kind)
			if err != nil {
				return err
			}
			for _, o := range list {
				if o.PrevActive == nil || o.ISPID == nil {
					continue
				}
				if *o.PrevActive {
					if err := s.setActive(ctx, isp, kind, *o.ISPID, true); err != nil {
						return s.waiting(ctx, db, c.ID, err)
					}
					if err := objects.Written(ctx, kind, o.ID); err != nil {
						return err
					}
				}
				if err := objects.SetPrevActive(ctx, kind, o.ID, nil); err != nil {
					return err
				}
			}
		}
		// ISPConfig forgets what it switched off when the client was updated while locked (updateClient): put
		// mailboxes and forwards back as the portal has them too.
		if err := s.Objects.Reconcile(ctx, db, isp, c); err != nil {
			return s.waiting(ctx, db, c.ID, err)
		}
		if err := customers.SetDetail(ctx, c.ID, ""); err != nil {
			return err
		}
		return customers.SetSuspensionProgress(ctx, c.ID, store.SuspensionNone)
	})
}

// waiting records why an operation stopped and reports ErrWaiting (or the permanent error) to the job.
func (s *Service) waiting(ctx context.Context, db store.DBTX, id int64, err error) error {
	_ = store.NewCustomers(db).SetDetail(ctx, id, describe(err))
	if permanent(err) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrWaiting, err)
}

// UpdateContact changes a customer's name, company and email (its sign-in) in ISPConfig, then in Postgres. A
// taken email is refused before anything changes.
func (s *Service) UpdateContact(ctx context.Context, id int64, name, company, email string) error {
	return s.withCustomerLock(ctx, id, func(conn *pgxpool.Conn) error {
		customers := store.NewCustomers(conn)
		c, err := customers.ByID(ctx, id)
		if err != nil {
			return err
		}
		var errs fail.Fields
		if name, company, email, errs = CheckContact(c.Kind, name, company, email); errs != nil {
			return errs.Err()
		}
		if other, err := store.NewAccounts(conn).ByEmail(ctx, email); err == nil && (other.CustomerID == nil || *other.CustomerID != id) {
			return fail.Invalid("An account with the email %s already exists.", email)
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if c.State == store.StateActive && c.ISPClientID != nil {
			isp, err := s.ISP(c.PlatformID)
			if err != nil {
				return err
			}
			if err := s.updateClient(ctx, conn, isp, c, ispapi.ClientUpdate{ContactName: &name, CompanyName: &company, Email: &email}); err != nil {
				if errors.Is(err, ispapi.ErrUnavailable) {
					return fail.Invalid("The hosting platform isn't responding; nothing was changed.")
				}
				return err
			}
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			return store.NewCustomers(tx).SetContact(ctx, id, name, company, email)
		})
		if errors.Is(err, store.ErrConflict) {
			return fail.Invalid("An account with the email %s already exists.", email)
		}
		return err
	})
}

// ChangePlan moves a customer to another plan of the same owner and audience, refusing when its current usage
// does not fit. It holds the customer's lock, so no object write can grow the usage between the check and the
// change. Billing's part (PlanChange: proration, which may refuse) is tried first in a transaction that is rolled
// back, so a refusal leaves ISPConfig untouched; then the plan's limits are mirrored to ISPConfig, and then the new
// plan and billing's proration are recorded in one transaction. No transaction is open across the ISPConfig call;
// should the recording fail after ISPConfig took the new limits, the old plan's limits are written back (or, if
// ISPConfig is unreachable then, a durable job syncs them).
func (s *Service) ChangePlan(ctx context.Context, id, planID int64) error {
	return s.withCustomerLock(ctx, id, func(conn *pgxpool.Conn) error {
		customers := store.NewCustomers(conn)
		c, err := customers.ByID(ctx, id)
		if err != nil {
			return err
		}
		plan, err := store.NewPlans(conn).ByID(ctx, planID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (plan.Audience != c.Kind || !sameOwner(plan.ResellerID, c.ResellerID))) {
			return fail.Field("plan_id", "Choose one of the plans.")
		}
		if err != nil {
			return err
		}
		u, err := customers.UsageOf(ctx, c)
		if err != nil {
			return err
		}
		if over := Exceeds(u, plan.Limits, c.Kind); len(over) > 0 {
			return fail.Invalid("The customer already uses more than that plan allows: %s.", i18n.List(over))
		}
		record := func(tx pgx.Tx) error {
			if err := store.NewCustomers(tx).SetPlan(ctx, id, planID); err != nil {
				return err
			}
			if s.PlanChange == nil {
				return nil
			}
			return s.PlanChange(ctx, tx, id, c.PlanID, planID)
		}
		if s.PlanChange != nil {
			// The check: exactly what the recording does, rolled back (numbers, mails and jobs with it).
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if err := record(tx); err != nil {
					return err
				}
				return errDryRun
			})
			if !errors.Is(err, errDryRun) {
				return err
			}
		}
		mirrored := c.State == store.StateActive && c.ISPClientID != nil
		var isp ISP
		if mirrored {
			if isp, err = s.ISP(c.PlatformID); err != nil {
				return err
			}
			l := ispLimits(plan)
			if err := s.updateClient(ctx, conn, isp, c, ispapi.ClientUpdate{Limits: &l}); err != nil {
				if errors.Is(err, ispapi.ErrUnavailable) {
					return fail.Invalid("The hosting platform isn't responding; the plan was not changed.")
				}
				return err
			}
		}
		err = pgx.BeginFunc(ctx, conn, record)
		if err == nil || !mirrored {
			return err
		}
		// Compensate: ISPConfig has the new plan's limits, Postgres still the old plan.
		old, perr := store.NewPlans(conn).ByID(ctx, c.PlanID)
		if perr == nil {
			l := ispLimits(old)
			perr = s.updateClient(ctx, conn, isp, c, ispapi.ClientUpdate{Limits: &l})
		}
		if perr != nil {
			s.log.WarnContext(ctx, "restoring the old plan's limits failed; the job will", "customer_id", id, "err", perr)
			if jerr := s.EnqueueOn(ctx, conn, PlanSyncArgs{PlanID: c.PlanID}); jerr != nil {
				return errors.Join(err, jerr)
			}
		}
		return err
	})
}

// errDryRun rolls back ChangePlan's check transaction.
var errDryRun = errors.New("tenancy: plan change checked")

// PlanChanged queues mirroring a plan's new limits to ISPConfig for every customer on it. The portal enforces
// limits itself; the mirror keeps ISPConfig's panel showing the same numbers.
func (s *Service) PlanChanged(ctx context.Context, planID int64) error {
	if s.jobs == nil {
		return errors.New("tenancy: no job client configured")
	}
	_, err := s.jobs.Insert(ctx, PlanSyncArgs{PlanID: planID}, nil)
	return err
}

// SyncPlanLimits writes a plan's limits to every active customer on it in ISPConfig. It is idempotent; a failure
// leaves the rest for the job's retry.
func (s *Service) SyncPlanLimits(ctx context.Context, planID int64) error {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM customers
		WHERE plan_id = $1 AND state = 'active' AND isp_client_id IS NOT NULL ORDER BY id`, planID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := s.withCustomerLock(ctx, id, func(conn *pgxpool.Conn) error {
			c, err := store.NewCustomers(conn).ByID(ctx, id)
			if err != nil || c.PlanID != planID || c.State != store.StateActive || c.ISPClientID == nil {
				return err // moved to another plan or gone meanwhile: that change synced it
			}
			plan, err := store.NewPlans(conn).ByID(ctx, planID)
			if err != nil {
				return err
			}
			isp, err := s.ISP(c.PlatformID)
			if err != nil {
				return err
			}
			l := ispLimits(plan)
			return s.updateClient(ctx, conn, isp, c, ispapi.ClientUpdate{Limits: &l})
		})
		if err != nil {
			return fmt.Errorf("tenancy: sync plan %d to customer %d: %w", planID, id, err)
		}
	}
	return nil
}

// updateClient changes a client's record in ISPConfig (never its lock: ApplySuspension does that). ISPConfig's
// client_update also runs its lock routine on every update. For an unlocked client that switches every site, mail
// domain, mailbox and forward back on, so they are put back as the portal recorded them at once. For a locked
// (suspended) client it overwrites ISPConfig's memory of what was off with "everything"; the unsuspension
// reconciles then. The caller holds the customer's lock and does its database work on db.
// When putting them back fails, the update still stands and a durable job (ReconcileArgs) finishes it.
func (s *Service) updateClient(ctx context.Context, conn *pgxpool.Conn, isp ISP, c store.Customer, u ispapi.ClientUpdate) error {
	if err := isp.UpdateClient(ctx, *c.ISPClientID, u); err != nil {
		return err
	}
	if c.Suspension != store.SuspensionNone || s.Objects == nil {
		return nil
	}
	if err := s.Objects.Reconcile(ctx, conn, isp, c); err != nil {
		s.log.WarnContext(ctx, "switching objects back after a client update failed; the job will retry", "customer_id", c.ID, "err", err)
		return s.EnqueueOn(ctx, conn, ReconcileArgs{CustomerID: c.ID})
	}
	return nil
}

// Reconcile switches a customer's objects in ISPConfig back to the portal's record, unless a suspension owns them.
func (s *Service) Reconcile(ctx context.Context, id int64) error {
	return s.withCustomerLock(ctx, id, func(conn *pgxpool.Conn) error {
		c, err := store.NewCustomers(conn).ByID(ctx, id)
		if err != nil || c.State != store.StateActive || c.ISPClientID == nil || c.Suspension != store.SuspensionNone {
			return err
		}
		isp, err := s.ISP(c.PlatformID)
		if err != nil {
			return err
		}
		return s.Objects.Reconcile(ctx, conn, isp, c)
	})
}

func sameOwner(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// Exceeds lists the limits of l that usage u is already over.
func Exceeds(u store.Usage, l store.Limits, kind store.Role) []string {
	var over []string
	check := func(name string, used, max int) {
		if max != store.Unlimited && used > max {
			over = append(over, name)
		}
	}
	if kind == store.RoleReseller {
		check(i18n.M("clients"), u.Clients, l.MaxClients)
	}
	check(i18n.M("sites"), u.Sites, l.MaxSites)
	check(i18n.M("mail domains"), u.MailDomains, l.MaxMailDomains)
	check(i18n.M("mailboxes"), u.Mailboxes, l.MaxMailboxes)
	check(i18n.M("mail quota"), u.MailQuotaMB, l.MaxMailQuotaMB)
	check(i18n.M("aliases and forwards"), u.MailAliases, l.MaxMailAliases)
	check(i18n.M("domains"), u.Domains, l.MaxDomains)
	check(i18n.M("total disk"), u.DiskMB, l.MaxDiskMB)
	return over
}

// OverCeiling lists the clients of a reseller whose plan now allows more than the reseller's own plan (after the
// reseller's plan was lowered or changed), as "client name (limits)". Their usage still fits, or the change would
// have been refused; the list tells the reseller which client plans to lower.
func (s *Service) OverCeiling(ctx context.Context, resellerID int64) ([]string, error) {
	r, err := store.NewCustomers(s.pool).ByID(ctx, resellerID)
	if err != nil || r.Kind != store.RoleReseller {
		return nil, err
	}
	ceiling, err := store.NewPlans(s.pool).ByID(ctx, r.PlanID)
	if err != nil {
		return nil, err
	}
	clients, err := store.NewCustomers(s.pool).LiveClients(ctx, resellerID)
	if err != nil {
		return nil, err
	}
	plans := map[int64]store.Plan{}
	var out []string
	for _, c := range clients {
		p, ok := plans[c.PlanID]
		if !ok {
			if p, err = store.NewPlans(s.pool).ByID(ctx, c.PlanID); err != nil {
				return nil, err
			}
			plans[c.PlanID] = p
		}
		if over := p.Limits.Within(ceiling.Limits); len(over) > 0 {
			out = append(out, fmt.Sprintf("%s (%s)", c.Name, strings.Join(over, ", ")))
		}
	}
	return out, nil
}

// PlanOverCeiling is OverCeiling for every reseller on reseller plan planID.
func (s *Service) PlanOverCeiling(ctx context.Context, planID int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM customers WHERE plan_id = $1 AND kind = 'reseller' AND state <> 'deleted' ORDER BY id`, planID)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		over, err := s.OverCeiling(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, over...)
	}
	return out, nil
}
