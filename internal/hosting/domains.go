package hosting

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// CreateDomain assigns a domain to a client's domain-limit table: its limits and the domain claim under the
// client's lock, a pending row, ISPConfig's add.
func (s *Service) CreateDomain(ctx context.Context, a Actor, customer, name string) (int64, error) {
	errs := fail.Fields{}
	if a.Effective.Role == store.RoleClient {
		return 0, store.ErrNotFound
	}
	client, domain, err := s.domainFor(ctx, a, customer, name, errs)
	if err != nil {
		return 0, err
	}
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "domain.create", store.KindDomain, 0, err, name)
		return 0, err
	}
	return s.create(ctx, a, newObject{
		kind: store.KindDomain, action: "domain.create", label: domain, client: client, claim: domain, field: "domain",
		check: func(ctx context.Context, tx pgx.Tx, o owner) error {
			return o.countLimit(i18n.M("domains"), func(l store.Limits) int { return l.MaxDomains }, func(u store.Usage) int { return u.Domains }, 1)
		},
		insert: func(ctx context.Context, tx pgx.Tx, o owner) (int64, error) {
			d, err := store.NewDomains(tx).Create(ctx, o.client.ID, domain)
			if err != nil && isConflict(err) {
				return 0, fail.Field("domain", "This domain is already assigned to a client.")
			}
			return d.ID, err
		},
		add: func(ctx context.Context, isp tenancy.ISP, o owner) (int64, error) {
			return isp.AddDomain(ctx, *o.client.ISPClientID, domain)
		},
	})
}

// MoveDomain gives a domain-limit entry to another of the actor's clients. Under both clients' locks its limits are
// checked, the entry and its claim are re-assigned (the entry pending) — refused while the current owner still
// uses the name for a site or mail, or for something under it — then ISPConfig moves it; a failure moves
// everything back.
func (s *Service) MoveDomain(ctx context.Context, a Actor, id int64, customer string) (err error) {
	var label string
	defer func() { s.audit(ctx, a, "domain.move", store.KindDomain, id, err, label) }()
	if a.Effective.Role == store.RoleClient {
		return store.ErrNotFound
	}
	entry, err := store.NewDomains(s.pool).ByID(ctx, id)
	if err != nil {
		return err
	}
	label = entry.Domain
	targetID, err := s.clientFor(ctx, a, customer)
	if err != nil {
		return err
	}
	if targetID == entry.CustomerID {
		return fail.Field("customer_id", "The domain already belongs to that client.")
	}
	source, err := store.NewCustomers(s.pool).ByID(ctx, entry.CustomerID)
	if err != nil {
		return err
	}
	label = fmt.Sprintf("%s from customer %d to %d", entry.Domain, source.ID, targetID)
	// Both customers change: the source gives the entry up, the target takes it. Both locks, so neither a
	// suspension nor another write of either can run in between.
	err = s.ten.LockedAll(ctx, []int64{source.ID, targetID}, func(conn *pgxpool.Conn) error {
		var target owner
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var err error
			if target, err = lockOwner(ctx, tx, targetID); err != nil {
				return err
			}
			e, err := store.NewDomains(tx).Lock(ctx, id)
			if err != nil {
				return err
			}
			if e.State != store.StateActive || e.ISPID == nil || e.CustomerID != source.ID {
				return fail.Conflict("This domain can't be moved while it is %s.", i18n.Msg(e.State))
			}
			// The current owner gives the entry up: that is a change for it too, refused while it is suspended.
			if cur, err := store.NewCustomers(tx).ByID(ctx, source.ID); err != nil {
				return err
			} else if cur.Suspended() || cur.State != store.StateActive {
				return fail.Forbidden("The domain's current client is suspended or not active, so the domain can't be moved.")
			}
			entry = e
			for i, l := range target.levels {
				if i > 0 && source.ResellerID != nil && target.client.ResellerID != nil && *source.ResellerID == *target.client.ResellerID {
					continue // between two clients of one reseller the reseller's total doesn't change
				}
				if l.plan.MaxDomains != store.Unlimited && l.used.Domains >= l.plan.MaxDomains {
					return fail.Field("customer_id", "%s allows %d domains, and all are in use.", l.who, l.plan.MaxDomains)
				}
			}
			if err := s.reachable(target.client.PlatformID); err != nil {
				return err
			}
			if err := store.NewDomains(tx).SetOwner(ctx, id, targetID, store.StatePending, i18n.Keep("moving from %s", source.Name)); err != nil {
				return err
			}
			return transferClaim(ctx, tx, entry.Domain, source.ID, targetID)
		})
		if err != nil {
			return err
		}
		isp, err := s.ten.ISP(target.client.PlatformID)
		if err == nil {
			err = isp.MoveDomain(ctx, *entry.ISPID, *target.client.ISPClientID)
		}
		if err != nil {
			cleanup := context.WithoutCancel(ctx)
			if (isMismatch(err) || ambiguous(err)) && isp != nil && source.ISPClientID != nil {
				// The move may have happened: move it back (moving is idempotent) so both sides agree again.
				if uerr := isp.MoveDomain(cleanup, *entry.ISPID, *source.ISPClientID); uerr != nil {
					_, _ = store.NewObjects(conn).SetState(cleanup, store.KindDomain, id, store.StateFailed,
						i18n.Keep("the move was not confirmed and moving it back failed; check its owner"), nil, store.StatePending)
					return err
				}
			}
			if berr := pgx.BeginFunc(cleanup, conn, func(tx pgx.Tx) error {
				if err := store.NewDomains(tx).SetOwner(cleanup, id, source.ID, store.StateActive, ""); err != nil {
					return err
				}
				return transferClaim(cleanup, tx, entry.Domain, targetID, source.ID)
			}); berr != nil {
				s.log.ErrorContext(ctx, "could not move a domain entry back", "id", id, "err", berr)
			}
			return err
		}
		return store.NewDomains(conn).SetOwner(context.WithoutCancel(ctx), id, targetID, store.StateActive, "")
	})
	return platformErr(err)
}

// transferClaim moves the claim on name from one customer to another inside tx, after the entry's row has moved:
// the old owner keeps it while another of its objects still uses the name, and then the new owner's claim fails.
func transferClaim(ctx context.Context, tx pgx.Tx, name string, from, to int64) error {
	claims := store.NewClaims(tx)
	if err := claims.Release(ctx, from, name); err != nil {
		return err
	}
	conflict, err := claims.Claim(ctx, to, name)
	if err != nil {
		return err
	}
	if conflict != nil {
		return fail.Field("customer_id", "%s is still used by its current owner (a web site or mail on %s), so it can't move.", name, conflict.Name)
	}
	return nil
}

// DeleteDomain removes a domain-limit entry. Sites and mail domains on it stay.
func (s *Service) DeleteDomain(ctx context.Context, a Actor, id int64) error {
	if a.Effective.Role == store.RoleClient {
		return store.ErrNotFound
	}
	return s.remove(ctx, a, store.KindDomain, id, "domain.delete", fmt.Sprintf("domain %d", id))
}
