package hosting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/store"
)

// SettleArgs is the durable job that settles one object a write left pending.
type SettleArgs struct {
	Object store.Kind `json:"kind"`
	ID     int64      `json:"id"`
}

// Kind names the job.
func (SettleArgs) Kind() string { return "settle_object" }

type settleWorker struct {
	river.WorkerDefaults[SettleArgs]
	s *Service
}

func (w *settleWorker) Work(ctx context.Context, j *river.Job[SettleArgs]) error {
	return w.s.Settle(ctx, j.Args.Object, j.Args.ID)
}

// AddWorkers registers the hosting service's durable jobs.
func (s *Service) AddWorkers(w *river.Workers) { river.AddWorker(w, &settleWorker{s: s}) }

// Settle decides a pending object: under its owner's lock, ISPConfig is asked for the client's object with the
// row's natural key (compared exactly). Found: the row becomes active under that id (and, when the client was
// suspended meanwhile, it is switched off like the rest, remembering that it was on). Not found: the row goes.
// Rows that are no longer pending are left alone; an unreachable platform returns an error so the job retries.
func (s *Service) Settle(ctx context.Context, kind store.Kind, id int64) error {
	ref, err := store.NewObjects(s.pool).Ref(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil || ref.State == store.StateFailed {
		return err
	}
	var outcome string
	err = s.ten.Locked(ctx, ref.CustomerID, func(conn *pgxpool.Conn) error {
		objects := store.NewObjects(conn)
		ref, err := objects.Ref(ctx, kind, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		c, err := store.NewCustomers(conn).ByID(ctx, ref.CustomerID)
		if err != nil {
			return err
		}
		isp, err := s.ten.ISP(c.PlatformID)
		if err != nil {
			return err
		}
		spec := kinds[kind]
		switch {
		case ref.State == store.StateDeleting && ref.ISPID == nil:
			outcome = "deleted (nothing on the hosting platform)"
			return objects.Delete(ctx, kind, id)
		case ref.State == store.StateDeleting:
			if err := spec.remove(ctx, isp, *ref.ISPID); err != nil {
				return err
			}
			outcome = "deleted"
			return objects.Delete(ctx, kind, id)
		case ref.State == store.StateActive && ref.ISPID != nil && spec.refresh != nil:
			if err := spec.refresh(ctx, conn, isp, ref); err != nil {
				return err
			}
			outcome = "re-read from the hosting platform"
			return objects.SetDetail(ctx, kind, id, "")
		case ref.State != store.StatePending:
			return nil
		}
		found := int64(0)
		if c.ISPClientID != nil {
			if found, err = spec.find(ctx, isp, c, ref.Key); err != nil {
				return err
			}
		}
		if found == 0 {
			// An add whose answer was lost may still be running on the panel: only a row older than SettleAfter is
			// given up; a younger one is tried again later.
			if time.Since(ref.UpdatedAt) < s.SettleAfter {
				return fmt.Errorf("hosting: %s %d not on the platform yet; checking again later", kind, id)
			}
			outcome = "not on the hosting platform: removed"
			return objects.Delete(ctx, kind, id)
		}
		if c.Suspended() && spec.setActive != nil && ref.Active {
			on := true
			if err := objects.SetPrevActive(ctx, kind, id, &on); err != nil {
				return err
			}
			if err := spec.setActive(ctx, isp, found, false); err != nil {
				return err
			}
		}
		if _, err := objects.Provisioned(ctx, kind, id, found); err != nil {
			return err
		}
		outcome = fmt.Sprintf("confirmed as ISPConfig id %d", found)
		return nil
	})
	if outcome != "" {
		s.audit(ctx, Actor{}, string(kind)+".settle", kind, id, err, ref.Key+": "+outcome)
	}
	return err
}

// SettleStale settles every object left pending or deleting for more than two minutes: the rows whose settle job
// was lost, or that a crashed process left behind. It stops at the first platform error (the next run tries
// again).
func (s *Service) SettleStale(ctx context.Context) error { return s.SettleOlder(ctx, 2*time.Minute) }

// SettleOlder settles the objects left pending or deleting for longer than age. A failure on one object is logged
// and the rest are still settled; the first error is returned.
func (s *Service) SettleOlder(ctx context.Context, age time.Duration) error {
	var first error
	// Parents first: a mail domain is confirmed before the mailboxes in it.
	for _, kind := range []store.Kind{store.KindDomain, store.KindSite, store.KindMailDomain, store.KindMailbox, store.KindMailForward} {
		list, err := store.NewObjects(s.pool).Pending(ctx, kind, age.String())
		if err != nil {
			return err
		}
		for _, o := range list {
			if err := s.Settle(ctx, kind, o.ID); err != nil {
				s.log.WarnContext(ctx, "settle failed; tried again on the next run", "kind", kind, "id", o.ID, "err", err)
				if first == nil {
					first = err
				}
			}
		}
	}
	return first
}
