package factors

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/store"
)

// totpContext binds a sealed TOTP secret to its account: a sealed value copied to another account's row does not
// open there.
func totpContext(accountID int64) string { return fmt.Sprintf("totp:account:%d", accountID) }

// TOTPAvailable reports whether new TOTP secrets can be stored (PORTAL_SECRET_KEY is set).
func (s *Service) TOTPAvailable() bool { return s.box != nil }

// errNoKey explains why no authenticator app can be set up.
var errNoKey = fail.Conflict("Authenticator apps can't be set up: the operator has not configured PORTAL_SECRET_KEY, which protects their secrets. Use a passkey, or ask the operator.")

// NewTOTP returns a new secret for the acting account to set up, with a QR code of it as a data: URL, and the
// secret sealed for the caller to keep until the first code confirms it (sessions live in Postgres too: it never
// holds the secret in the clear). Nothing is stored until ConfirmTOTP.
func (s *Service) NewTOTP(a Actor) (secret, qr, pending string, err error) {
	if a.impersonating() {
		return "", "", "", errImpersonating
	}
	if s.box == nil {
		return "", "", "", errNoKey
	}
	secret, _, qr, err = auth.NewTOTP("Portal", a.Acting.Email)
	if err != nil {
		return "", "", "", err
	}
	return secret, qr, base64.RawStdEncoding.EncodeToString(s.box.Seal(secret, pendingContext(a.Acting.ID))), nil
}

// PendingTOTP opens what NewTOTP returned as pending for the same acting account; false when it can't.
func (s *Service) PendingTOTP(a Actor, pending string) (string, bool) {
	sealed, err := base64.RawStdEncoding.DecodeString(pending)
	if err != nil || s.box == nil || pending == "" {
		return "", false
	}
	secret, err := s.box.Open(sealed, pendingContext(a.Acting.ID))
	return secret, err == nil
}

// pendingContext binds a TOTP secret being set up to its account.
func pendingContext(accountID int64) string { return fmt.Sprintf("totp-setup:account:%d", accountID) }

// ConfirmTOTP turns TOTP on for the acting account when code matches secret (the one NewTOTP gave), sealing the
// secret, and returns ten new recovery codes to show once. A wrong code is a field error on "code".
func (s *Service) ConfirmTOTP(ctx context.Context, a Actor, secret, code string, now time.Time) ([]string, error) {
	if a.impersonating() {
		return nil, errImpersonating
	}
	if s.box == nil {
		return nil, errNoKey
	}
	step, ok := auth.CheckTOTP(secret, code, now)
	if !ok {
		return nil, fail.Field("code", "That code does not match. Check the app's clock and try the current code.")
	}
	codes, hashes := auth.NewRecoveryCodes()
	sealed := s.box.Seal(secret, totpContext(a.Acting.ID))
	if err := store.NewAccounts(s.pool).EnableTOTP(ctx, a.Acting.ID, sealed, step, hashes); err != nil {
		return nil, err
	}
	s.audit(ctx, nil, a, "totp.enable", a.Acting.ID, store.OutcomeSuccess, "")
	return codes, nil
}

// DisableTOTP turns the acting account's TOTP off, with its recovery codes.
func (s *Service) DisableTOTP(ctx context.Context, a Actor) error {
	if a.impersonating() {
		s.audit(ctx, nil, a, "totp.disable", a.Effective.ID, store.OutcomeDenied, "while impersonating")
		return errImpersonating
	}
	if err := store.NewAccounts(s.pool).DisableTOTP(ctx, a.Acting.ID); err != nil {
		return err
	}
	s.audit(ctx, nil, a, "totp.disable", a.Acting.ID, store.OutcomeSuccess, "")
	return nil
}

// secretOf opens the account's TOTP secret: the sealed one, or a plain one from before secrets were sealed.
func (s *Service) secretOf(acct store.Account) (string, error) {
	if len(acct.TOTPSealed) == 0 {
		return acct.TOTPSecret, nil
	}
	if s.box == nil {
		return "", fmt.Errorf("factors: account %d: TOTP secret is sealed but PORTAL_SECRET_KEY is not set", acct.ID)
	}
	plain, err := s.box.Open(acct.TOTPSealed, totpContext(acct.ID))
	if err != nil {
		return "", fmt.Errorf("factors: account %d: TOTP secret: %w", acct.ID, err)
	}
	return plain, nil
}

// CheckTOTP reports whether code is the account's current TOTP code, accepting each time step once. A secret still
// stored in the clear is sealed on its first successful use (when PORTAL_SECRET_KEY is set). A secret that can't
// be opened (PORTAL_SECRET_KEY changed or missing) matches no code and is logged: recovery codes still work.
func (s *Service) CheckTOTP(ctx context.Context, acct store.Account, code string, now time.Time) (bool, error) {
	secret, err := s.secretOf(acct)
	if err != nil {
		s.log.ErrorContext(ctx, "TOTP secret can't be opened", "err", err, "account_id", acct.ID)
		return false, nil
	}
	if secret == "" {
		return false, nil
	}
	step, ok := auth.CheckTOTP(secret, code, now)
	if !ok {
		return false, nil
	}
	fresh, err := store.NewAccounts(s.pool).UseTOTPStep(ctx, acct.ID, step)
	if err != nil || !fresh {
		return false, err
	}
	if acct.TOTPSecret != "" && s.box != nil {
		if _, err := store.NewAccounts(s.pool).SealTOTP(ctx, acct.ID, acct.TOTPSecret, s.box.Seal(acct.TOTPSecret, totpContext(acct.ID))); err != nil {
			s.log.ErrorContext(ctx, "sealing a plain TOTP secret failed", "err", err, "account_id", acct.ID)
		}
	}
	return true, nil
}

// SealPlainTOTP seals every TOTP secret still stored in the clear (accounts that set up TOTP before secrets were
// sealed), and returns how many it sealed. serve runs it at start when PORTAL_SECRET_KEY is set; it is safe to run
// on several replicas at once.
func (s *Service) SealPlainTOTP(ctx context.Context) (int, error) {
	if s.box == nil {
		return 0, nil
	}
	accounts := store.NewAccounts(s.pool)
	plain, err := accounts.PlainTOTP(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for id, secret := range plain {
		done, err := accounts.SealTOTP(ctx, id, secret, s.box.Seal(secret, totpContext(id)))
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}
