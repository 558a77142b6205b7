package access

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"portal/internal/i18n"
	"portal/internal/mailer"
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
	kind := "unsuspended"
	if suspended {
		kind = "suspended"
	}
	return s.enqueue(ctx, tx, kind, a, a.Email, func(l i18n.Lang) (string, views.EmailBody) {
		b := views.EmailBody{Greeting: mailer.Greeting(l, a.Name), Link: s.baseURL + "/login", LinkLabel: l.Text("Sign in")}
		if suspended {
			b.Lines = []string{l.Text("Your hosting account has been suspended: its web sites and mail domains are disabled, and nothing can be changed until it is unsuspended."),
				l.Text("You can still sign in to see it. Please contact your provider about the reason.")}
			return l.Text("Your hosting account has been suspended"), b
		}
		b.Lines = []string{l.Text("Your hosting account has been unsuspended: your web sites and mail domains are enabled again.")}
		return l.Text("Your hosting account is active again"), b
	})
}
