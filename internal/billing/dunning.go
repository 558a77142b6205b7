package billing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/views"
)

// Dunning steps on an issued, unpaid invoice, each done once (recorded in dunning_steps in the transaction that
// does it), with the issuer's settings: reminders (by default 7 days before the due date, 1 and 3 days after),
// suspension (5 days after; never while a provider payment is pending) and, when enabled, termination (30 days).
// Running it twice, or at once with itself, does nothing twice.
func (s *Service) Dunning(ctx context.Context) error {
	today := s.today()
	open, err := store.NewBilling(s.pool).OpenInvoices(ctx, today.AddDate(0, 0, 60))
	if err != nil {
		return err
	}
	issuers := map[int64]store.Issuer{}
	var errs []error
	for _, inv := range open {
		iss, ok := issuers[inv.IssuerID]
		if !ok {
			if iss, err = store.NewBilling(s.pool).IssuerByID(ctx, inv.IssuerID); err != nil {
				return err
			}
			issuers[inv.IssuerID] = iss
		}
		if err := s.dun(ctx, inv, iss); err != nil {
			errs = append(errs, fmt.Errorf("billing: dunning invoice %d: %w", inv.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) dun(ctx context.Context, inv store.Invoice, iss store.Issuer) error {
	late := days(*inv.DueOn, s.today()) // negative before the due date
	reminders := slices.Clone(iss.ReminderDays)
	slices.Sort(reminders)
	due := -1
	for i, r := range reminders {
		if int(r) <= late {
			due = i
		}
	}
	if due >= 0 {
		if err := s.remind(ctx, inv.ID, reminders[:due+1], late); err != nil {
			return err
		}
	}
	if late >= iss.SuspendAfterDays {
		if err := s.suspend(ctx, inv.ID, inv.CustomerID); err != nil {
			return err
		}
	}
	if iss.TerminateEnabled && late >= iss.TerminateAfterDays {
		return s.terminate(ctx, inv.ID)
	}
	return nil
}

// stillOwed locks an invoice and reports whether it is still issued and unpaid: every dunning step checks it
// under the row lock, so a payment being recorded at the same moment is either seen or waits.
func stillOwed(ctx context.Context, tx pgx.Tx, id int64) (store.Invoice, bool, error) {
	inv, err := store.NewBilling(tx).Invoice(ctx, id, true)
	if err != nil {
		return inv, false, err
	}
	return inv, inv.State == store.InvoiceIssued && inv.Open() > 0, nil
}

// remind sends the latest reminder due and records it with every earlier one (a run that missed days sends one
// reminder, not several).
func (s *Service) remind(ctx context.Context, id int64, steps []int32, late int) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		inv, owed, err := stillOwed(ctx, tx, id)
		if err != nil || !owed {
			return err
		}
		b := store.NewBilling(tx)
		fresh, err := b.StepDone(ctx, id, "reminder:"+strconv.Itoa(int(steps[len(steps)-1])))
		if err != nil || !fresh {
			return err
		}
		for _, r := range steps[:len(steps)-1] {
			if _, err := b.StepDone(ctx, id, "reminder:"+strconv.Itoa(int(r))); err != nil {
				return err
			}
		}
		if late > 0 && inv.SubscriptionID != nil {
			if _, err := tx.Exec(ctx, `UPDATE subscriptions SET state = 'past_due', updated_at = now()
				WHERE id = $1 AND state = 'active'`, *inv.SubscriptionID); err != nil {
				return err
			}
		}
		to, name, err := recipient(ctx, tx, inv.CustomerID)
		if err != nil || to == "" {
			return err
		}
		open := Money{inv.Open(), inv.Currency}
		subject := "Reminder: invoice " + inv.Number + " is due on " + inv.DueOn.Format("2 January 2006")
		line := fmt.Sprintf("Invoice %s over %s is due on %s.", inv.Number, open, inv.DueOn.Format("2 January 2006"))
		if late > 0 {
			subject = "Overdue: invoice " + inv.Number
			line = fmt.Sprintf("Invoice %s over %s was due on %s and is not paid yet.", inv.Number, open, inv.DueOn.Format("2 January 2006"))
		}
		_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "invoice_reminder", CustomerID: &inv.CustomerID, To: to,
			ToName: name, Subject: subject, Body: views.EmailBody{Greeting: greet(name), Lines: []string{line},
				Link: fmt.Sprintf("%s/invoices/%d", s.baseURL, inv.ID), LinkLabel: "View and pay it",
				After: []string{"If you have paid it already, thank you, and please ignore this message."}}})
		return err
	})
}

// suspend suspends the buyer for an overdue invoice through tenancy's suspension with the level billing, unless
// the invoice was paid meanwhile or a provider payment for it is pending. The decision and the suspension's record
// are one transaction under the invoice's row lock, which a payment takes too: a payment lands either before (and
// nothing is suspended) or after the suspension is recorded (and its reinstate job lifts it). The decision and
// the record are made holding tenancy's customer lock, as every other suspension is (tenancy.SetSuspended), on
// that lock's one connection; ISPConfig is brought in line after the lock is released (applying takes the lock on
// a connection of its own, and holding one connection while asking the pool for another starves a small pool).
func (s *Service) suspend(ctx context.Context, id, customerID int64) error {
	var affected []int64
	err := s.ten.Locked(ctx, customerID, func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// The customer's row before the invoice's, the order a plan change takes them in.
			if _, err := store.NewCustomers(tx).Lock(ctx, customerID); err != nil {
				return err
			}
			inv, owed, err := stillOwed(ctx, tx, id)
			if err != nil || !owed {
				return err
			}
			b := store.NewBilling(tx)
			if done, err := b.HasStep(ctx, id, "suspend"); err != nil || done {
				return err
			}
			if pending, err := b.HasPending(ctx, id); err != nil || pending {
				return err
			}
			affected, err = s.ten.SetSuspendedTx(ctx, tx, customerID, true, store.SuspendedByBilling)
			if err != nil && !higherLevel(err) {
				return err
			}
			// Tenancy leaves an admin's or a reseller's suspension alone. The step is done only when billing's
			// suspension took effect: otherwise lifting the other one would free a customer that still owes this.
			c, err := store.NewCustomers(tx).ByID(ctx, customerID)
			if err != nil || !c.SuspendedSelf || c.SuspendedBy != store.SuspendedByBilling {
				return err
			}
			if inv.SubscriptionID != nil {
				if err := b.SetSubscriptionState(ctx, *inv.SubscriptionID, store.SubSuspended); err != nil {
					return err
				}
			}
			if _, err := b.StepDone(ctx, id, "suspend"); err != nil {
				return err
			}
			return audit(ctx, tx, nil, "invoice.dunning_suspend", id, "customer "+strconv.FormatInt(customerID, 10))
		})
	})
	if err != nil {
		return err
	}
	s.ten.ApplySuspensions(ctx, affected) // after releasing the customer's lock: applying takes it again
	return nil
}

// higherLevel is tenancy's refusal because an admin's suspension covers the customer: billing leaves it alone.
func higherLevel(err error) bool {
	fe, ok := fail.As(err)
	return ok && fe.Status == 403
}

// Reinstate lifts billing's suspension of a customer (restoring exactly what was active before, which tenancy
// remembers) once none of its invoices is overdue past the suspension threshold, and marks its subscription active
// again. It is what the job enqueued with a payment runs; it is safe to run twice.
func (s *Service) Reinstate(ctx context.Context, customerID int64) error {
	var affected []int64
	err := s.ten.Locked(ctx, customerID, func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			b := store.NewBilling(tx)
			sub, err := b.SubscriptionOf(ctx, customerID, false)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil || (sub.State != store.SubSuspended && sub.State != store.SubPastDue) {
				return err
			}
			c, err := store.NewCustomers(tx).ByID(ctx, customerID)
			if err != nil {
				return err
			}
			iss, err := b.Issuer(ctx, issuerOf(c), false)
			if err != nil {
				return err
			}
			if n, err := b.OverdueOf(ctx, customerID, s.today(), iss.SuspendAfterDays); err != nil || n > 0 {
				return err // still owes what it was suspended for
			}
			if sub.State == store.SubSuspended {
				if affected, err = s.ten.SetSuspendedTx(ctx, tx, customerID, false, store.SuspendedByBilling); err != nil && !higherLevel(err) {
					return err
				}
			}
			state := store.SubActive
			if n, err := b.OverdueOf(ctx, customerID, s.today(), 1); err != nil {
				return err
			} else if n > 0 {
				state = store.SubPastDue
			}
			return b.SetSubscriptionState(ctx, sub.ID, state)
		})
	})
	if err != nil {
		return err
	}
	s.ten.ApplySuspensions(ctx, affected) // after releasing the customer's lock, as in suspend
	return nil
}

// terminate ends a customer whose invoice is unpaid for the issuer's termination days (when enabled): it records
// the step, cancels the subscription and audits it in one transaction (the intent), then deletes the customer
// through tenancy's deletion (its sign-in at once, its objects and client in ISPConfig, then a tombstone; a durable
// job finishes what ISPConfig doesn't take now). A run after a crash between the two finds the step recorded and
// the customer not deleted yet, and deletes it then; a customer already being deleted is left to its job.
func (s *Service) terminate(ctx context.Context, id int64) error {
	var customerID int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		inv, owed, err := stillOwed(ctx, tx, id)
		if err != nil || !owed {
			return err
		}
		b := store.NewBilling(tx)
		if pending, err := b.HasPending(ctx, id); err != nil || pending {
			return err
		}
		customerID = inv.CustomerID
		fresh, err := b.StepDone(ctx, id, "terminate")
		if err != nil || !fresh {
			return err
		}
		if inv.SubscriptionID != nil {
			if err := b.SetSubscriptionState(ctx, *inv.SubscriptionID, store.SubCancelled); err != nil {
				return err
			}
		}
		return audit(ctx, tx, nil, "invoice.dunning_terminate", id, "customer "+strconv.FormatInt(inv.CustomerID, 10)+" terminated")
	})
	if err != nil || customerID == 0 {
		return err
	}
	c, err := store.NewCustomers(s.pool).ByID(ctx, customerID)
	if err != nil || c.State == store.StateDeleting || c.State == store.StateDeleted {
		return err
	}
	err = s.ten.Delete(ctx, customerID)
	outcome, detail := store.OutcomeSuccess, "deleted for unpaid invoice "+strconv.FormatInt(id, 10)
	if err != nil {
		outcome, detail = store.OutcomeFailure, err.Error()
	}
	if _, ok := fail.As(err); ok {
		// Tenancy refuses (a reseller that still has clients): a person decides. Audited once, not every run.
		outcome, err = store.OutcomeDenied, nil
		if fresh, serr := store.NewBilling(s.pool).StepDone(ctx, id, "terminate:refused"); serr != nil || !fresh {
			return serr
		}
	}
	if aerr := store.NewAuditLog(s.pool).Append(context.WithoutCancel(ctx), store.AuditEntry{Action: "customer.terminate",
		ObjectType: string(store.KindCustomer), ObjectID: strconv.FormatInt(customerID, 10), Outcome: outcome,
		Detail: detail, ActingEmail: "billing"}); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}
