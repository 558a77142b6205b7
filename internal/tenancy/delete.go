package tenancy

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// Delete marks a customer for deletion with a durable job, then removes its ISPConfig objects one by one (never
// client_delete_everything, which dies half-way), then the client, and keeps a tombstone. A reseller with live
// clients is refused.
func (s *Service) Delete(ctx context.Context, id int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		customers := store.NewCustomers(tx)
		c, err := customers.Lock(ctx, id)
		if err != nil {
			return err
		}
		if c.Kind == store.RoleReseller {
			n, err := customers.CountClients(ctx, c.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return fail.Invalid("This reseller still has %d clients. Delete them first.", n)
			}
		}
		ok, err := customers.SetState(ctx, id, store.StateDeleting, "", store.StatePending, store.StateActive, store.StateFailed)
		if err != nil {
			return err
		}
		if !ok {
			return fail.Invalid("This customer is already being deleted.")
		}
		// The sign-in goes at once: a customer being deleted can't act any more.
		if err := store.NewAccounts(tx).DeleteByCustomer(ctx, id); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, DeleteArgs{CustomerID: id})
	})
	if err != nil {
		return err
	}
	if err := s.FinishDelete(ctx, id); err != nil {
		s.log.WarnContext(ctx, "delete not finished yet; the job will retry", "customer_id", id, "err", err)
	}
	return nil
}

// FinishDelete removes what a deleting customer still has in ISPConfig and turns it into a tombstone. Idempotent.
func (s *Service) FinishDelete(ctx context.Context, id int64) error {
	return s.withCustomerLock(ctx, id, func(db *pgxpool.Conn) error {
		customers := store.NewCustomers(db)
		objects := store.NewObjects(db)
		c, err := customers.ByID(ctx, id)
		if err != nil || c.State != store.StateDeleting {
			return err
		}
		isp, err := s.ISP(c.PlatformID)
		if err != nil {
			return err
		}
		for _, kind := range store.DeletionOrder {
			list, err := objects.Of(ctx, c.ID, kind)
			if err != nil {
				return err
			}
			for _, o := range list {
				if o.ISPID == nil && o.State == store.StatePending && c.ISPClientID != nil {
					// An add whose answer was lost may have created it: look before forgetting it.
					found, err := s.Objects.Find(ctx, isp, c, kind, o.Key)
					if err != nil {
						return s.waiting(ctx, db, c.ID, err)
					}
					if found > 0 {
						o.ISPID = &found
					}
				}
				if o.ISPID != nil {
					if err := s.Objects.Remove(ctx, isp, kind, *o.ISPID); err != nil {
						return s.waiting(ctx, db, c.ID, err)
					}
				}
				if err := objects.Delete(ctx, kind, o.ID); err != nil {
					return err
				}
			}
		}
		ispID := c.ISPClientID
		marker, err := s.customerNo(ctx, db, c.ID)
		if err != nil {
			return err
		}
		if ispID == nil {
			// Never activated: an earlier ambiguous add may still have created it.
			rec, err := isp.ClientByUsername(ctx, c.ISPUsername)
			switch {
			case err == nil && s.ownMarker(ctx, db, c, rec.CustomerNo, marker):
				v := int64(rec.ID)
				ispID = &v
			case err != nil && !errors.Is(err, ispapi.ErrNotFound):
				return s.waiting(ctx, db, c.ID, err)
			}
		}
		if ispID != nil {
			if err := isp.DeleteClient(ctx, *ispID); err != nil {
				return s.waiting(ctx, db, c.ID, err)
			}
		}
		_, err = customers.SetState(ctx, c.ID, store.StateDeleted, "", store.StateDeleting)
		return err
	})
}
