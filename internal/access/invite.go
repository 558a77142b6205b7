package access

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/linktoken"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/views"
)

// InviteTx sends account a's owner an invitation, in tx (the transaction that creates the account): any earlier
// invitation stops working.
func (s *Service) InviteTx(ctx context.Context, tx pgx.Tx, a store.Account) error {
	if _, err := store.NewTokens(tx).RevokeAll(ctx, a.ID, store.TokenInvite); err != nil {
		return err
	}
	raw, hash := linktoken.New()
	if _, err := store.NewTokens(tx).Create(ctx, store.TokenInvite, a.ID, a.Email, hash, InviteTTL); err != nil {
		return err
	}
	return s.enqueue(ctx, tx, "invite", a, a.Email, func(l i18n.Lang) (string, views.EmailBody) {
		return l.Text("Your hosting account is ready: choose a password"), views.EmailBody{
			Greeting:  mailer.Greeting(l, a.Name),
			Lines:     []string{l.Textf("A hosting account has been set up for you. To sign in, choose your password with the link below; you will sign in with this address, %s.", a.Email)},
			Link:      s.link("/invite/", raw),
			LinkLabel: l.Text("Choose your password"),
			After:     []string{l.Text("The link works once and for 7 days. If you did not expect this message, you can ignore it.")},
		}
	})
}

// ResendInvite revokes the customer's open invitation and sends a new one. Only while the owner has not chosen a
// password, and not while the account is suspended.
func (s *Service) ResendInvite(ctx context.Context, actor Actor, customerID int64) error {
	var acct store.Account
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a, err := store.NewAccounts(tx).ByCustomer(ctx, customerID)
		if err != nil {
			return err
		}
		if a, err = store.NewAccounts(tx).Lock(ctx, a.ID); err != nil {
			return err
		}
		acct = a
		if a.HasPassword() {
			return fail.Conflict("%s has already chosen a password; there is nothing to invite to.", a.Email)
		}
		if err := suspendedOwner(ctx, tx, a); err != nil {
			if errors.Is(err, invalidLink) {
				return fail.Conflict("This customer is being deleted.")
			}
			return err
		}
		return s.InviteTx(ctx, tx, a)
	})
	if err != nil {
		if acct.ID != 0 {
			s.audit(ctx, nil, actor, "invite.resend", &acct, store.OutcomeFailure, err.Error())
		}
		return err
	}
	s.audit(ctx, nil, actor, "invite.resend", &acct, store.OutcomeSuccess, "to "+acct.Email)
	return nil
}

// Invitation is what the invitation page shows.
type Invitation struct {
	Email string
	Name  string
}

// InvitationFor returns the invitation of link secret raw while it can be accepted.
func (s *Service) InvitationFor(ctx context.Context, raw string) (Invitation, error) {
	var inv Invitation
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := usable(ctx, tx, store.TokenInvite, raw)
		if err != nil {
			return err
		}
		a, err := store.NewAccounts(tx).ByID(ctx, t.AccountID)
		if err != nil {
			return err
		}
		if !strings.EqualFold(a.Email, t.Email) || a.HasPassword() {
			return invalidLink
		}
		inv = Invitation{Email: a.Email, Name: a.Name}
		return nil
	})
	return inv, err
}

// AcceptInvite sets the password of the invited account and confirms its address: the link is used up. It is
// refused when the account's address is no longer the one invited, when a password is already set, or while the
// account (or its reseller) is suspended, which leaves the link unused.
func (s *Service) AcceptInvite(ctx context.Context, raw, password, confirm, ip string) (store.Account, error) {
	if err := checkPassword(password, confirm); err != nil {
		return store.Account{}, err
	}
	hash, err := s.hasher.HashCtx(ctx, password)
	if err != nil {
		return store.Account{}, err
	}
	var acct store.Account
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := usable(ctx, tx, store.TokenInvite, raw)
		if err != nil {
			return err
		}
		if acct, err = store.NewAccounts(tx).Lock(ctx, t.AccountID); err != nil {
			return err
		}
		switch {
		case !strings.EqualFold(acct.Email, t.Email):
			return fail.Conflict("This invitation was sent to %s, which is no longer this account's address. Ask for a new invitation.", t.Email)
		case acct.HasPassword():
			return fail.Conflict("A password has already been chosen for this account. Sign in, or reset the password.")
		}
		if err := suspendedOwner(ctx, tx, acct); err != nil {
			return err
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
		return nil
	})
	var who *store.Account
	if acct.ID != 0 {
		who = &acct
	}
	if err != nil {
		if _, user := fail.As(err); user {
			s.audit(ctx, nil, Actor{IP: ip}, "invite.accept", who, store.OutcomeDenied, err.Error())
		}
		return store.Account{}, err
	}
	s.audit(ctx, nil, Actor{IP: ip}, "invite.accept", who, store.OutcomeSuccess, "password set, address confirmed")
	return acct, nil
}

// InviteState describes a customer's invitation for its page.
type InviteState struct {
	State string // "": never invited; pending, expired, revoked, accepted
	Email string
	Sent  string // when the newest invitation went out
	Until string // when it expires
}

// StateOf returns the invitation state of the customer's sign-in.
func (s *Service) StateOf(ctx context.Context, customerID int64) (InviteState, error) {
	a, err := store.NewAccounts(s.pool).ByCustomer(ctx, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return InviteState{}, nil
	}
	if err != nil {
		return InviteState{}, err
	}
	t, err := store.NewTokens(s.pool).Latest(ctx, a.ID, store.TokenInvite)
	if errors.Is(err, store.ErrNotFound) {
		return InviteState{}, nil
	}
	if err != nil {
		return InviteState{}, err
	}
	st := InviteState{Email: t.Email, Sent: t.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Until: t.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")}
	switch {
	case t.UsedAt != nil:
		st.State = "accepted"
	case a.HasPassword():
		st.State = "password set"
	case t.RevokedAt != nil:
		st.State = "revoked"
	case t.Expired:
		st.State = "expired"
	default:
		st.State = "pending"
	}
	return st, nil
}
