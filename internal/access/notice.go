package access

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"portal/internal/store"
	"portal/internal/views"
)

// SuspensionNoticeTx mails a customer's sign-in, in tx, that its account was suspended or unsuspended.
func (s *Service) SuspensionNoticeTx(ctx context.Context, tx pgx.Tx, customerID int64, suspended bool) error {
	a, err := store.NewAccounts(tx).ByCustomer(ctx, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	b := views.EmailBody{Greeting: greeting(a.Name), Link: s.baseURL + "/login", LinkLabel: "Sign in"}
	subject := "Your hosting account is active again"
	b.Lines = []string{"Your hosting account has been unsuspended: your web sites and mail domains are enabled again."}
	if suspended {
		subject = "Your hosting account has been suspended"
		b.Lines = []string{"Your hosting account has been suspended: its web sites and mail domains are disabled, and nothing can be changed until it is unsuspended.",
			"You can still sign in to see it. Please contact your provider about the reason."}
	}
	kind := "unsuspended"
	if suspended {
		kind = "suspended"
	}
	return s.enqueue(ctx, tx, kind, a, a.Email, subject, b)
}
