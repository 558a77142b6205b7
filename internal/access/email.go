package access

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/linktoken"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/views"
)

// RequestEmailChange starts changing the acting account's sign-in address: once the acting person has confirmed it
// is them within the last few minutes (fail.ErrReauth otherwise), it keeps the new address pending, sends it a confirmation link (valid 24 hours), and tells the old address. Not while
// acting as another account.
func (s *Service) RequestEmailChange(ctx context.Context, a Actor, newEmail string) error {
	if a.Acting.ID != a.Effective.ID {
		s.audit(ctx, nil, a, "email.change.request", &a.Acting, store.OutcomeDenied, "while impersonating")
		return fail.Forbidden("The sign-in address can't be changed while acting as another account.")
	}
	f := fail.Fields{}
	norm, err := ispapi.NormalizeEmail(newEmail)
	switch {
	case err != nil || len(norm) > 254:
		f.Addf("email", "Enter a valid email address.")
	case strings.EqualFold(norm, a.Acting.Email):
		f.Addf("email", "That is already your address.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if !a.Recent {
		s.audit(ctx, nil, a, "email.change.request", &a.Acting, store.OutcomeDenied, "re-authentication needed")
		return fail.ErrReauth
	}
	raw, hash := linktoken.New()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		acct, err := store.NewAccounts(tx).Lock(ctx, a.Acting.ID)
		if err != nil {
			return err
		}
		if err := store.NewAccounts(tx).SetPendingEmail(ctx, acct.ID, &norm); err != nil {
			return err
		}
		if _, err := store.NewTokens(tx).RevokeAll(ctx, acct.ID, store.TokenEmailChange); err != nil {
			return err
		}
		if _, err := store.NewTokens(tx).Create(ctx, store.TokenEmailChange, acct.ID, norm, hash, EmailChangeTTL); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, "email_change", acct, norm, func(l i18n.Lang) (string, views.EmailBody) {
			return l.Text("Confirm your new sign-in address"), views.EmailBody{
				Greeting:  mailer.Greeting(l, acct.Name),
				Lines:     []string{l.Textf("Please confirm that you want to sign in to the hosting portal with this address, %s, from now on.", norm)},
				Link:      s.link("/account/email/confirm/", raw),
				LinkLabel: l.Text("Confirm the new address"),
				After:     []string{l.Textf("The link works once and for 24 hours. Until then you keep signing in with %s.", acct.Email)},
			}
		}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, "email_change_notice", acct, acct.Email, func(l i18n.Lang) (string, views.EmailBody) {
			return l.Text("Your sign-in address is being changed"), views.EmailBody{
				Greeting: mailer.Greeting(l, acct.Name),
				Lines: []string{l.Textf("Someone signed in to your hosting portal account asked to change its sign-in address from %s to %s. The change happens once the new address is confirmed.",
					acct.Email, norm)},
				After: []string{l.Text("If this wasn't you, sign in and change your password now: that also signs out every other session.")},
			}
		})
	})
	if err != nil {
		s.audit(ctx, nil, a, "email.change.request", &a.Acting, store.OutcomeFailure, err.Error())
		return err
	}
	s.audit(ctx, nil, a, "email.change.request", &a.Acting, store.OutcomeSuccess, "to "+norm)
	return nil
}

// EmailChangeFor returns the pending address of a usable confirmation link, for its page.
func (s *Service) EmailChangeFor(ctx context.Context, raw string) (string, error) {
	var email string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := usable(ctx, tx, store.TokenEmailChange, raw)
		email = t.Email
		return err
	})
	return email, err
}

// ConfirmEmailChange makes the pending address the account's sign-in address. The link is bound to the address it
// was sent to and must still be the pending one; an address another account took meanwhile is refused.
func (s *Service) ConfirmEmailChange(ctx context.Context, raw, ip string) (store.Account, error) {
	var acct store.Account
	var old string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := usable(ctx, tx, store.TokenEmailChange, raw)
		if err != nil {
			return err
		}
		if acct, err = store.NewAccounts(tx).Lock(ctx, t.AccountID); err != nil {
			return err
		}
		if acct.PendingEmail == nil || !strings.EqualFold(*acct.PendingEmail, t.Email) {
			return invalidLink
		}
		old = acct.Email
		if err := store.NewAccounts(tx).ChangeEmail(ctx, acct.ID, t.Email); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fail.Conflict("Another account uses %s now, so it can't become your sign-in address.", t.Email)
			}
			return err
		}
		acct.Email = t.Email
		if ok, err := store.NewTokens(tx).Use(ctx, t.ID); err != nil || !ok {
			return errors.Join(err, invalidLink)
		}
		return nil
	})
	var who *store.Account
	if acct.ID != 0 {
		who = &acct
	}
	if err != nil {
		if _, user := fail.As(err); user {
			s.audit(ctx, nil, Actor{IP: ip}, "email.change.confirm", who, store.OutcomeDenied, err.Error())
		}
		return store.Account{}, err
	}
	s.audit(ctx, nil, Actor{IP: ip}, "email.change.confirm", who, store.OutcomeSuccess, "from "+old+" to "+acct.Email)
	return acct, nil
}
