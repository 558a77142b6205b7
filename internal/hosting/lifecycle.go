package hosting

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// level is one plan an object counts against: the client's own, then its reseller's (whose usage is the sum over
// all its clients).
type level struct {
	who  i18n.Msg
	plan store.Plan
	used store.Usage
}

// owner is a client locked for a write, with the platform it lives on and the plans that bind it.
type owner struct {
	client   store.Customer
	platform store.Platform
	levels   []level
}

// lockOwner locks the client's customer row (its reseller's row first: the one order every request uses) until tx
// ends, applies the suspension rules, and reads the usage from the portal's own rows.
func lockOwner(ctx context.Context, tx pgx.Tx, clientID int64) (owner, error) {
	customers := store.NewCustomers(tx)
	c, err := customers.ByID(ctx, clientID)
	if err != nil {
		return owner{}, err
	}
	var reseller *store.Customer
	if c.ResellerID != nil {
		r, err := customers.Lock(ctx, *c.ResellerID)
		if err != nil {
			return owner{}, err
		}
		reseller = &r
	}
	if c, err = customers.Lock(ctx, clientID); err != nil {
		return owner{}, err
	}
	if err := writable(c, reseller); err != nil {
		return owner{}, err
	}
	o := owner{client: c}
	if o.platform, err = store.NewPlatforms(tx).ByID(ctx, c.PlatformID); err != nil {
		return o, err
	}
	add := func(who string, cu store.Customer) error {
		plan, err := store.NewPlans(tx).ByID(ctx, cu.PlanID)
		if err != nil {
			return err
		}
		u, err := customers.UsageOf(ctx, cu)
		o.levels = append(o.levels, level{who: i18n.Msg(who), plan: plan, used: u})
		return err
	}
	if err := add(i18n.M("The client's plan"), c); err != nil {
		return o, err
	}
	if reseller != nil {
		if err := add(i18n.M("The reseller's plan"), *reseller); err != nil {
			return o, err
		}
	}
	return o, nil
}

// writable is the suspension rule for every write: a suspended client, or any client of a suspended or inactive
// reseller, can't create, enable or change anything, whoever asks; and a client must exist in ISPConfig.
func writable(c store.Customer, reseller *store.Customer) error {
	switch {
	case c.Kind != store.RoleClient:
		return fail.Field("customer_id", "Hosting belongs to clients; choose a client.")
	case c.Suspended() || (reseller != nil && reseller.Suspended()):
		return fail.Forbidden("This account is suspended: nothing can be created or changed until it is unsuspended.")
	case reseller != nil && reseller.State != store.StateActive:
		return fail.Conflict("The reseller of this client is not active (%s).", reseller.State)
	case c.State != store.StateActive || c.ISPClientID == nil || c.ISPGroupID == nil:
		return fail.Conflict("This client is not set up on the hosting platform yet (%s), so nothing can be changed for it.", c.State)
	}
	return nil
}

// countLimit refuses adding add objects when a count limit of any level would be passed.
func (o owner) countLimit(what string, limit func(store.Limits) int, used func(store.Usage) int, add int) error {
	for _, l := range o.levels {
		max := limit(l.plan.Limits)
		if max == store.Unlimited || used(l.used)+add <= max {
			continue
		}
		if max == 0 {
			return fail.Field("form", "%s allows no %s.", l.who, i18n.Msg(what))
		}
		return fail.Field("form", "%s allows %d %s, and %d are in use.", l.who, max, i18n.Msg(what), used(l.used))
	}
	return nil
}

// newObject is one object to create: what the lifecycle needs to know about this one request.
type newObject struct {
	kind   store.Kind
	action string // audit action, e.g. "site.create"
	label  string // the name the user gave: domain or address
	natKey string // the natural key ISPConfig finds it by, as store.ObjectRef.Key spells it ("": label)
	client int64  // the owning client's customer id
	claim  string // the host name the object uses, claimed in the domain registry ("" for none)
	field  string // the form field the name came from, for claim conflicts
	// check applies the kind's limits and rules under the owner's lock.
	check func(ctx context.Context, tx pgx.Tx, o owner) error
	// insert records the pending row and returns its id.
	insert func(ctx context.Context, tx pgx.Tx, o owner) (int64, error)
	// add creates the object in ISPConfig and returns its id (also alongside an error, when ISPConfig revealed
	// one).
	add func(ctx context.Context, isp tenancy.ISP, o owner) (int64, error)
}

// create runs the lifecycle of a new object: lock → rules, limits and claim → pending row (one transaction) →
// ISPConfig add → outcome. It returns the row id (also alongside errUnsettled, when the row stays pending).
func (s *Service) create(ctx context.Context, a Actor, n newObject) (id int64, err error) {
	defer func() { s.audit(ctx, a, n.action, n.kind, id, err, n.label) }()
	err = s.ten.Locked(ctx, n.client, func(conn *pgxpool.Conn) error {
		var o owner
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var err error
			if o, err = lockOwner(ctx, tx, n.client); err != nil {
				return err
			}
			if err := s.reachable(o.client.PlatformID); err != nil {
				return err
			}
			if err := s.allowedDomain(ctx, tx, n, o); err != nil {
				return err
			}
			if err := n.check(ctx, tx, o); err != nil {
				return err
			}
			if n.claim != "" {
				conflict, err := store.NewClaims(tx).Claim(ctx, o.client.ID, n.claim)
				if err != nil {
					return err
				}
				if conflict != nil {
					return fail.Field(n.field, "%s is already in use by another customer.", claimWords(n.claim, conflict.Name))
				}
			}
			id, err = n.insert(ctx, tx, o)
			return err
		})
		if err != nil {
			return err
		}
		isp, err := s.ten.ISP(o.client.PlatformID)
		if err != nil {
			s.forget(ctx, conn, n.kind, id)
			return err
		}
		ispID, addErr := n.add(ctx, isp, o)
		return s.outcome(ctx, conn, isp, o, n, id, ispID, addErr)
	})
	if errors.Is(err, errUnsettled) {
		return id, err
	}
	if err != nil {
		return 0, platformErr(err)
	}
	return id, nil
}

// claimWords says which name collides.
func claimWords(asked, claimed string) string {
	if asked == claimed {
		return asked
	}
	return fmt.Sprintf("%s (through %s)", asked, claimed)
}

// allowedDomain applies the operator's domain limit: with it on, sites and mail domains only on the client's
// active domain-limit entries (and, if allowed, their subdomains).
func (s *Service) allowedDomain(ctx context.Context, tx pgx.Tx, n newObject, o owner) error {
	if !s.set.DomainLimit || n.claim == "" || n.kind == store.KindDomain {
		return nil
	}
	ok, err := store.NewDomains(tx).Allows(ctx, o.client.ID, n.claim, s.set.DomainLimitSubdomains)
	if err != nil {
		return err
	}
	if !ok {
		return fail.Field(n.field, "This domain is not one of the client's allowed domains.")
	}
	return nil
}

// outcome records what ISPConfig's answer to an add means for the pending row id:
//   - success: the row becomes active under ISPConfig's id;
//   - stored, but not as sent: undone in ISPConfig, then the row goes (or, when the undo fails, is marked failed
//     with the id, so it can be deleted later);
//   - "already exists": adopted when it is this client's own (an earlier attempt whose answer was lost), else
//     refused;
//   - refused: the row goes, nothing exists upstream;
//   - anything else: the answer was lost, so ISPConfig may have the object. The row stays pending with whatever id
//     is known, a settle job is queued, and the caller gets errUnsettled.
func (s *Service) outcome(ctx context.Context, conn *pgxpool.Conn, isp tenancy.ISP, o owner, n newObject, id, ispID int64, addErr error) error {
	ctx = context.WithoutCancel(ctx)
	spec := kinds[n.kind]
	objects := store.NewObjects(conn)
	var me *ispapi.MismatchError
	var ve *ispapi.ValidationError
	switch {
	case addErr == nil:
		ok, err := objects.Provisioned(ctx, n.kind, id, ispID)
		if err != nil {
			return err
		}
		if !ok { // the row went meanwhile: ISPConfig must not keep an orphan
			return spec.remove(ctx, isp, ispID)
		}
		return nil
	case errors.As(addErr, &me) && me.ID > 0 && slices.Contains(me.Fields, "sys_groupid"):
		// A look-up after a lost answer found a record of the same name that belongs to someone else: it is not
		// ours to remove, and ours was not made.
		s.forget(ctx, conn, n.kind, id)
		return fail.Field(n.field, "The hosting platform already has %s.", n.label)
	case errors.As(addErr, &me) && me.ID > 0:
		if err := spec.remove(ctx, isp, me.ID); err != nil {
			_, _ = objects.SetState(ctx, n.kind, id, store.StateFailed,
				i18n.Keep("the hosting platform stored different values and removing it there failed; delete it to try again"), &me.ID, store.StatePending)
			return addErr
		}
		s.forget(ctx, conn, n.kind, id)
		return addErr
	case errors.As(addErr, &ve) && !ve.Local && spec.isDuplicate(ve):
		found, err := spec.find(ctx, isp, o.client, n.key())
		if err == nil && found > 0 {
			_, err = objects.Provisioned(ctx, n.kind, id, found)
			return err
		}
		if err != nil && ambiguous(err) {
			return s.unsettled(ctx, conn, n.kind, id, nil)
		}
		s.forget(ctx, conn, n.kind, id)
		return fail.Field(n.field, "The hosting platform already has %s.", n.label)
	case ambiguous(addErr):
		var known *int64
		if ispID > 0 {
			known = &ispID
		}
		return s.unsettled(ctx, conn, n.kind, id, known)
	}
	s.forget(ctx, conn, n.kind, id)
	return addErr
}

// key is the natural key of the object being created, as store.ObjectRef.Key spells it.
func (n newObject) key() string {
	if n.natKey != "" {
		return n.natKey
	}
	return n.label
}

// unsettled keeps a row pending with what is known and queues its settle job.
func (s *Service) unsettled(ctx context.Context, conn *pgxpool.Conn, kind store.Kind, id int64, ispID *int64) error {
	if err := store.NewObjects(conn).KeepPending(ctx, kind, id, ispID, ""); err != nil {
		return err
	}
	s.settleLater(ctx, conn, kind, id, i18n.Keep("the hosting platform's answer was lost; checking again"))
	return errUnsettled
}

// settleLater says on the row why it is being checked again (why is kept with i18n.Keep) and queues its settle job (on the lock's connection).
// A job that could not be queued is found by the periodic settle.
func (s *Service) settleLater(ctx context.Context, conn *pgxpool.Conn, kind store.Kind, id int64, why string) {
	ctx = context.WithoutCancel(ctx)
	if err := store.NewObjects(conn).SetDetail(ctx, kind, id, why); err != nil {
		s.log.WarnContext(ctx, "could not record why an object is checked again", "kind", kind, "id", id, "err", err)
	}
	if err := s.ten.EnqueueOn(ctx, conn, SettleArgs{Object: kind, ID: id}); err != nil {
		s.log.WarnContext(ctx, "settle job not queued; the periodic settle will find the row", "kind", kind, "id", id, "err", err)
	}
}

// forget removes a row whose object ISPConfig certainly does not have, releasing its claim.
func (s *Service) forget(ctx context.Context, db store.DBTX, kind store.Kind, id int64) {
	if err := store.NewObjects(db).Delete(context.WithoutCancel(ctx), kind, id); err != nil {
		s.log.ErrorContext(ctx, "could not remove a refused object's row", "kind", kind, "id", id, "err", err)
	}
}

// target is an existing object a write acts on, with its locked owner.
type target struct {
	ref   store.ObjectRef
	owner owner
	isp   tenancy.ISP
	conn  *pgxpool.Conn
}

// change runs fn on an existing, active object under its owner's lock, after the suspension rules. fn calls
// ISPConfig and records the outcome (on t.conn). Every change is audited.
func (s *Service) change(ctx context.Context, a Actor, kind store.Kind, id int64, action, label string, fn func(ctx context.Context, t target) error) (err error) {
	defer func() { s.audit(ctx, a, action, kind, id, err, label) }()
	ref, err := store.NewObjects(s.pool).Ref(ctx, kind, id)
	if err != nil {
		return err
	}
	err = s.ten.Locked(ctx, ref.CustomerID, func(conn *pgxpool.Conn) error {
		t := target{conn: conn}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var err error
			t.owner, err = lockOwner(ctx, tx, ref.CustomerID)
			return err
		})
		if err != nil {
			return err
		}
		if t.ref, err = store.NewObjects(conn).Ref(ctx, kind, id); err != nil {
			return err
		}
		if t.ref.State != store.StateActive || t.ref.ISPID == nil {
			return fail.Conflict("This can't be changed while it is %s.", i18n.Msg(t.ref.State))
		}
		if err := s.reachable(t.owner.client.PlatformID); err != nil {
			return err
		}
		if t.isp, err = s.ten.ISP(t.owner.client.PlatformID); err != nil {
			return err
		}
		err = fn(ctx, t)
		if err == nil {
			// Confirmed by ISPConfig; its server has yet to apply it.
			if werr := store.NewObjects(conn).Written(context.WithoutCancel(ctx), kind, id); werr != nil {
				s.log.WarnContext(ctx, "write time not recorded", "kind", kind, "id", id, "err", werr)
			}
		}
		if (ambiguous(err) || isMismatch(err)) && kinds[kind].refresh != nil {
			// The change may or may not have been applied (or was stored otherwise): the settle job reads the
			// object back and records what ISPConfig has.
			s.settleLater(ctx, conn, kind, id, i18n.Keep("the last change was not confirmed; checking again"))
		}
		return err
	})
	return platformErr(err)
}

// remove deletes an object: under its owner's lock it is marked deleting, removed from ISPConfig, and then its row
// goes (releasing its domain claim). When ISPConfig fails, the row returns to its previous state and nothing is
// lost. A suspended client's objects can't be removed (the suspension must be lifted first, so that what it
// restores stays consistent); a failed or pending object can always be cleaned up.
func (s *Service) remove(ctx context.Context, a Actor, kind store.Kind, id int64, action, label string) (err error) {
	defer func() { s.audit(ctx, a, action, kind, id, err, label) }()
	ref, err := store.NewObjects(s.pool).Ref(ctx, kind, id)
	if err != nil {
		return err
	}
	err = s.ten.Locked(ctx, ref.CustomerID, func(conn *pgxpool.Conn) error {
		return s.removeLocked(ctx, conn, kind, id)
	})
	return platformErr(err) // errUnsettled is a fail.Error and passes as it is
}

// deletableOwner returns the owner of objects about to be deleted, refusing while it is suspended (the suspension
// must be lifted first, so that what it restores stays consistent).
func deletableOwner(ctx context.Context, db store.DBTX, customerID int64) (store.Customer, error) {
	c, err := store.NewCustomers(db).ByID(ctx, customerID)
	if err != nil {
		return c, err
	}
	if c.Suspended() {
		return c, fail.Forbidden("This account is suspended: nothing can be deleted until it is unsuspended.")
	}
	return c, nil
}

// removeLocked is remove's work, for a caller that holds the owner's lock (a mail domain removes its mailboxes
// and forwards first).
func (s *Service) removeLocked(ctx context.Context, conn *pgxpool.Conn, kind store.Kind, id int64) error {
	objects := store.NewObjects(conn)
	ref, err := objects.Ref(ctx, kind, id)
	if err != nil {
		return err
	}
	c, err := deletableOwner(ctx, conn, ref.CustomerID)
	if err != nil {
		return err
	}
	if err := s.reachable(c.PlatformID); err != nil {
		return err
	}
	if ref.State == store.StatePending && ref.ISPID == nil {
		return fail.Conflict("This is still being set up; it can be deleted once that has finished.")
	}
	ok, err := objects.SetStateOf(ctx, kind, id, ref.CustomerID, store.StateDeleting, store.StateActive, store.StateFailed, store.StatePending)
	if err != nil {
		return err
	}
	if !ok {
		return fail.Conflict("This is already being deleted.")
	}
	if ref.ISPID != nil {
		isp, err := s.ten.ISP(c.PlatformID)
		if err == nil {
			err = kinds[kind].remove(ctx, isp, *ref.ISPID)
		}
		if ambiguous(err) {
			// ISPConfig may have deleted it: the row stays deleting, and the settle job deletes again (deleting is
			// idempotent) until it knows.
			s.settleLater(ctx, conn, kind, id, i18n.Keep("the hosting platform's answer was lost; deleting again"))
			return errUnsettled
		}
		if err != nil {
			_, _ = objects.SetState(context.WithoutCancel(ctx), kind, id, ref.State, "", nil, store.StateDeleting)
			return err
		}
	}
	return objects.Delete(context.WithoutCancel(ctx), kind, id)
}
