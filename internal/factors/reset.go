package factors

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/views"
)

// ResetResult says what a reset removed.
type ResetResult struct {
	Account  store.Account
	TOTP     bool
	Passkeys int64
}

// Reset removes every second factor (TOTP, recovery codes, passkeys) of the sign-in of customer customerID, for an
// admin whose owner lost them. Only an admin acting as itself may; the caller has checked the admin's recent
// re-authentication and that the customer exists. It is audited with who reset whose factors, and the account is
// told by mail (written to the outbox in the same transaction).
func (s *Service) Reset(ctx context.Context, a Actor, customerID int64) (ResetResult, error) {
	if a.Acting.Role != store.RoleAdmin || a.impersonating() {
		s.audit(ctx, nil, a, "second_factors.reset", a.Effective.ID, store.OutcomeDenied, fmt.Sprintf("customer %d", customerID))
		return ResetResult{}, fail.Forbidden("Only an admin, acting as itself, can reset another account's second factors.")
	}
	var res ResetResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		acct, err := store.NewAccounts(tx).ByCustomer(ctx, customerID)
		if errors.Is(err, store.ErrNotFound) {
			return fail.Conflict("This customer has no sign-in.")
		}
		if err != nil {
			return err
		}
		if acct, err = store.NewAccounts(tx).Lock(ctx, acct.ID); err != nil {
			return err
		}
		res.Account, res.TOTP = acct, acct.HasTOTP()
		if res.Passkeys, err = store.NewAccounts(tx).ResetSecondFactors(ctx, acct.ID); err != nil {
			return err
		}
		s.audit(ctx, tx, a, "second_factors.reset", acct.ID, store.OutcomeSuccess,
			fmt.Sprintf("%s by %s: totp %t, passkeys %d", acct.Email, a.Acting.Email, res.TOTP, res.Passkeys))
		_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "second_factors_reset", CustomerID: acct.CustomerID, To: acct.Email, ToName: acct.Name,
			Compose: func(l i18n.Lang) (string, views.EmailBody) {
				return l.Text("Your two-factor sign-in was reset"), views.EmailBody{
					Greeting: mailer.Greeting(l, acct.Name),
					Lines: []string{l.Textf("An administrator of the hosting portal removed the second factors of your account (%s): its authenticator app, recovery codes and passkeys.", acct.Email),
						l.Text("You now sign in with your password alone. Please set up two-factor sign-in again.")},
					Link: s.baseURL + "/account/2fa", LinkLabel: l.Text("Set up two-factor sign-in"),
					After: []string{l.Text("If you did not ask for this, tell your provider at once.")},
				}
			}})
		return err
	})
	return res, err
}
