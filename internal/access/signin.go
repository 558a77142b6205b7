package access

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/store"
)

// Scopes of the sign-in's attempt counts (attempt_counts): the rate limits count every attempt per minute, the
// others count failed or refused attempts per hour (instead of one audit row each).
const (
	scopeSigninIP      = "signin.ip"      // attempts per client IP (IPv6: per /64) and minute
	scopeSigninEmail   = "signin.email"   // attempts per typed email (hashed) and minute
	countSigninFailed  = "signin.failed"  // wrong password or unknown account, per account or hashed email
	countSigninLocked  = "signin.locked"  // refused because the account is locked
	countSigninLimited = "signin.limited" // refused by a rate limit, per client IP
)

// ErrSignInFailed is the one answer for every failed sign-in: it never tells whether the account exists or is
// locked.
var ErrSignInFailed = fail.New(http.StatusUnauthorized, i18n.M("Sign-in failed. Check your email and password, or try again later."))

var errSignInLimited = fail.New(http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")

// SignInLimits bound sign-in: attempts per minute from one IP (IPv6: its /64) and for one typed email, and the
// consecutive failures that lock an account for Lockout.
type SignInLimits struct {
	PerIP, PerEmail, MaxFailures int
	Lockout                      time.Duration
}

// SignInAttempt is one password sign-in: what was typed, from where, under which limits, at what time.
type SignInAttempt struct {
	Email, Password, IP string
	Limits              SignInLimits
	Now                 time.Time
}

// SignIn checks a password sign-in and returns its account; the caller then asks for its second factor, if any,
// or signs the session in. Rate limits apply per IP and per typed email, in Postgres, so every replica shares them;
// MaxFailures wrong passwords in a row lock the account for Lockout. Each attempt is charged to the account before
// its password is compared (one statement), so concurrent guesses can't outrun the lock. An unknown email costs the
// same password-hashing work as a known one; hashing waits for one of the hasher's bounded slots. Failed and
// refused attempts are counted per key and hour, not audited; a lockout is audited (the success is audited where
// the session is signed in). Errors: ErrSignInFailed; 429 over a rate limit; auth.ErrBusy (503) when no hashing
// slot frees up in time.
func (s *Service) SignIn(ctx context.Context, in SignInAttempt) (store.Account, error) {
	email := TypedEmail(in.Email)
	ip := IPKey(in.IP)
	typedKey := store.AttemptKey(strings.ToLower(email)) // never the typed email itself
	limited, err := s.Limited(ctx, scopeSigninIP, ip, in.Limits.PerIP, in.Now)
	if err == nil && !limited {
		limited, err = s.Limited(ctx, scopeSigninEmail, typedKey, in.Limits.PerEmail, in.Now)
	}
	if err != nil {
		return store.Account{}, err
	}
	if limited {
		s.Count(ctx, countSigninLimited, ip, in.Now)
		return store.Account{}, errSignInLimited
	}
	if email == "" || in.Password == "" || len(in.Password) > auth.MaxPasswordLen {
		s.Count(ctx, countSigninFailed, typedKey, in.Now)
		return store.Account{}, ErrSignInFailed
	}
	release, err := s.hasher.Slot(ctx)
	if err != nil {
		return store.Account{}, err
	}
	defer release()

	accounts := store.NewAccounts(s.pool)
	acct, err := accounts.ByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		s.hasher.VerifyNothing(in.Password)
		s.Count(ctx, countSigninFailed, typedKey, in.Now)
		return store.Account{}, ErrSignInFailed
	}
	if err != nil {
		return store.Account{}, err
	}
	allowed, err := accounts.BeginSignIn(ctx, acct.ID, in.Limits.MaxFailures, in.Now)
	if err != nil {
		return store.Account{}, err
	}
	ok := s.hasher.Verify(in.Password, acct.PasswordHash) // always do the work, locked or not
	switch {
	case !allowed:
		s.Count(ctx, countSigninLocked, AccountKey(acct.ID), in.Now)
		return store.Account{}, ErrSignInFailed
	case !ok:
		locked, err := accounts.FailSignIn(ctx, acct.ID, in.Limits.MaxFailures, in.Limits.Lockout, in.Now)
		if err != nil {
			return store.Account{}, err
		}
		s.Count(ctx, countSigninFailed, AccountKey(acct.ID), in.Now)
		if locked {
			s.audit(ctx, nil, Actor{IP: in.IP}, "signin.lockout", &acct, store.OutcomeFailure,
				"locked after "+strconv.Itoa(in.Limits.MaxFailures)+" failures for "+in.Limits.Lockout.String())
		}
		return store.Account{}, ErrSignInFailed
	}
	if err := accounts.ResetFailures(ctx, acct.ID); err != nil {
		return store.Account{}, err
	}
	return acct, nil
}

// ChangePassword sets the acting person's own password, which CheckNew accepts and confirm repeats, once it has
// confirmed who it is recently (fail.ErrReauth otherwise). Refused while impersonating: nobody changes another
// account's sign-in through impersonation. Every other session of the account signed in before the returned time
// is invalid from then on. Audited.
func (s *Service) ChangePassword(ctx context.Context, a Actor, password, confirm string) (time.Time, error) {
	if a.Impersonating() {
		s.audit(ctx, nil, a, "password.change", &a.Effective, store.OutcomeDenied, "while impersonating")
		return time.Time{}, fail.Forbidden("Passwords can't be changed while acting as another account.")
	}
	if !a.Recent {
		s.audit(ctx, nil, a, "password.change", &a.Acting, store.OutcomeDenied, "re-authentication needed")
		return time.Time{}, fail.ErrReauth
	}
	errs := fail.Fields{}
	if msg := auth.CheckNew(password); msg.Format != "" {
		errs.Addf("new_password", msg.Format, msg.Args...)
	} else if password != confirm {
		errs.Addf("confirm_password", "The two new passwords differ.")
	}
	if err := errs.Err(); err != nil {
		return time.Time{}, err
	}
	release, err := s.hasher.Slot(ctx)
	if err != nil {
		return time.Time{}, err
	}
	defer release()
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return time.Time{}, err
	}
	changedAt, err := store.NewAccounts(s.pool).SetPassword(ctx, a.Acting.ID, hash)
	if err != nil {
		return time.Time{}, err
	}
	s.audit(ctx, nil, a, "password.change", &a.Acting, store.OutcomeSuccess, "")
	return changedAt, nil
}

// Limited counts one attempt for scope and key (shared by every replica through Postgres) and reports whether the
// attempts of the last minute, a sliding-window estimate, are over limit.
func (s *Service) Limited(ctx context.Context, scope, key string, limit int, now time.Time) (bool, error) {
	n, err := store.NewAttempts(s.pool).Rate(ctx, scope, key, time.Minute, now)
	return n > float64(limit), err
}

// Count counts a failed or refused unauthenticated attempt for scope and key in now's hour. A failure to count is
// logged, never shown.
func (s *Service) Count(ctx context.Context, scope, key string, now time.Time) {
	if _, err := store.NewAttempts(s.pool).Hit(context.WithoutCancel(ctx), scope, key, time.Hour, now); err != nil {
		s.log.ErrorContext(ctx, "attempt count failed", "err", err, "scope", scope)
	}
}

// TypedEmail is an address as a sign-in form typed it, as the portal keeps and shows it again: trimmed, and cut
// at the longest an address may be (254 bytes).
func TypedEmail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 254 {
		s = s[:254]
	}
	return s
}

// IPKey is the rate-limit key of a client address: the address itself for IPv4 (and IPv4-mapped IPv6), its /64
// network for IPv6, where one subscriber usually holds a whole /64.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return "ip:" + a.String()
	}
	p, _ := a.Prefix(64)
	return "ip6:" + p.String()
}

// AccountKey is the counting key of a known account.
func AccountKey(id int64) string { return "account:" + strconv.FormatInt(id, 10) }

// The lockouts of the steps after a password (store.Lockouts, apart from the password's own on the account): each
// locks an account after MaxFailures wrong answers in a row, for Lockout.
const (
	LockSecondFactor = "signin.totp" // the second step of a sign-in: a code or a passkey
	LockReauth       = "confirm"     // confirming who one is before a sensitive change
)

// Guarded runs check, an answer of account id's, under scope's lockout (LockSecondFactor, LockReauth). The attempt
// is charged before check runs, in one statement, so concurrent attempts can't outrun the lock. While the account
// is locked check runs only when always is set (a re-authentication checks the password all the same, so that its
// cost says nothing) and the attempt fails whatever check says. A failure counts towards the lock; a success clears
// it. It reports whether the account was let try, and whether the attempt succeeded.
func (s *Service) Guarded(ctx context.Context, scope string, id int64, l SignInLimits, now time.Time, always bool,
	check func() (bool, error)) (allowed, ok bool, err error) {
	locks, key := store.NewLockouts(s.pool), AccountKey(id)
	if allowed, _, err = locks.Begin(ctx, scope, key, l.MaxFailures, now); err != nil {
		return false, false, err
	}
	if allowed || always {
		if ok, err = check(); err != nil {
			return allowed, false, err
		}
	}
	switch {
	case !allowed:
		return false, false, nil
	case !ok:
		_, err = locks.Fail(ctx, scope, key, l.MaxFailures, l.Lockout, now)
		return true, false, err
	}
	return true, true, locks.Succeed(ctx, scope, key)
}
