package access

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/linktoken"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/views"
)

// errTooMany is the answer to a request over its rate limit; it says nothing about any account.
var errTooMany = fail.New(http.StatusTooManyRequests, "Too many requests. Please wait an hour and try again.")

// RequestReset sends a password-reset link to email when an account uses it, and a note that no account does
// otherwise. Both cases do the same work: the same statements in the same order (the account lookup, the revoke
// and insert that match no row for an unknown address, one outbox message with its job) and one token
// generation, so neither the answer nor its cost tells whether the address is registered. Limits: ResetPerIP
// per hour from one IP (IPv6: its /64) and ResetPerEmail per hour for one address.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	norm, err := ispapi.NormalizeEmail(email)
	if err != nil || len(norm) > 254 {
		return fail.Field("email", "Enter a valid email address.")
	}
	raw, hash := linktoken.New()
	link := s.link("/password/reset/", raw)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, l := range []struct {
			bucket string
			limit  int
		}{{"reset-ip:" + ipBucket(ip), s.Limits.ResetPerIP}, {"reset-email:" + norm, s.Limits.ResetPerEmail}} {
			ok, err := store.RateHit(ctx, tx, l.bucket, l.limit, time.Hour)
			if err != nil {
				return err
			}
			if !ok {
				return errTooMany
			}
		}
		rows, _ := tx.Query(ctx, `SELECT id, name, customer_id FROM accounts WHERE lower(email) = lower($1)`, norm)
		var a store.Account
		found := false
		for rows.Next() {
			found = true
			if err := rows.Scan(&a.ID, &a.Name, &a.CustomerID); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET revoked_at = now() WHERE purpose = 'reset' AND used_at IS NULL
			AND revoked_at IS NULL AND account_id IN (SELECT id FROM accounts WHERE lower(email) = lower($1))`, norm); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_tokens (purpose, account_id, email, token_hash, expires_at)
			SELECT 'reset', id, email, $2, now() + $3::interval FROM accounts WHERE lower(email) = lower($1)`,
			norm, hash, ResetTTL.String()); err != nil {
			return err
		}
		if !found {
			return s.enqueue(ctx, tx, "reset_unknown", a, norm, func(l i18n.Lang) (string, views.EmailBody) {
				return l.Text("Password reset requested"), views.EmailBody{
					Greeting: mailer.Greeting(l, ""),
					Lines: []string{l.Textf("Someone asked to reset the password of the hosting portal account with this address, %s, but no account uses it. If you have an account, it is under another address.",
						norm)},
					After: []string{l.Text("If you did not ask for this, you can ignore this message.")},
				}
			})
		}
		return s.enqueue(ctx, tx, "reset", a, norm, func(l i18n.Lang) (string, views.EmailBody) {
			return l.Text("Reset your password"), views.EmailBody{
				Greeting:  mailer.Greeting(l, a.Name),
				Lines:     []string{l.Textf("Someone, hopefully you, asked to reset the password of your hosting portal account %s.", norm)},
				Link:      link,
				LinkLabel: l.Text("Choose a new password"),
				After: []string{l.Text("The link works once and for 30 minutes. Setting a new password signs out every session of this account."),
					l.Text("If you did not ask for this, you can ignore this message; your password stays as it is.")},
			}
		})
	})
	outcome := store.OutcomeSuccess
	if errors.Is(err, errTooMany) {
		outcome = store.OutcomeDenied
	} else if err != nil {
		return err
	}
	// The audit entry names the address asked for, not whether an account has it.
	s.audit(ctx, nil, Actor{IP: ip, Acting: store.Account{}}, "password.reset.request", nil, outcome, norm)
	return err
}

// ResetFor returns the address of a usable reset link, for its page.
func (s *Service) ResetFor(ctx context.Context, raw string) (string, error) {
	var email string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := usable(ctx, tx, store.TokenReset, raw)
		email = t.Email
		return err
	})
	return email, err
}

// Reset sets a new password through a reset link: the link is used up, every other reset link of the account is
// revoked, and every session of the account ends (they signed in before the new password_changed_at). The link is
// bound to the address it was sent to: if the account's address changed since, it is refused.
func (s *Service) Reset(ctx context.Context, raw, password, confirm, ip string) (store.Account, error) {
	if err := checkPassword(password, confirm); err != nil {
		return store.Account{}, err
	}
	hash, err := s.hasher.HashCtx(ctx, password)
	if err != nil {
		return store.Account{}, err
	}
	var acct store.Account
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := usable(ctx, tx, store.TokenReset, raw)
		if err != nil {
			return err
		}
		if acct, err = store.NewAccounts(tx).Lock(ctx, t.AccountID); err != nil {
			return err
		}
		if !strings.EqualFold(acct.Email, t.Email) {
			return invalidLink
		}
		if _, err := store.NewAccounts(tx).SetPassword(ctx, acct.ID, hash); err != nil {
			return err
		}
		if err := store.NewAccounts(tx).ConfirmEmail(ctx, acct.ID); err != nil {
			return err
		}
		if ok, err := store.NewTokens(tx).Use(ctx, t.ID); err != nil || !ok {
			return errors.Join(err, invalidLink)
		}
		_, err = store.NewTokens(tx).RevokeAll(ctx, acct.ID, store.TokenReset)
		return err
	})
	var who *store.Account
	if acct.ID != 0 {
		who = &acct
	}
	if err != nil {
		if _, user := fail.As(err); user {
			s.audit(ctx, nil, Actor{IP: ip}, "password.reset", who, store.OutcomeDenied, err.Error())
		}
		return store.Account{}, err
	}
	s.audit(ctx, nil, Actor{IP: ip}, "password.reset", who, store.OutcomeSuccess, "every session ended")
	return acct, nil
}
