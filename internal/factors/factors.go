// Package factors owns the second factors of portal accounts: TOTP authenticators, whose secrets are sealed at rest
// with PORTAL_SECRET_KEY (internal/secret, bound to the account id); single-use recovery codes, stored hashed;
// passkeys (WebAuthn, github.com/go-webauthn/webauthn), whose public keys and signature counters live in Postgres;
// and an admin's reset of another account's factors, audited and mailed to the account.
//
// The HTTP layer keeps the ceremony's short-lived state (a TOTP secret being set up, a WebAuthn challenge) in the
// session and passes it back in; this package keeps what outlives a request.
package factors

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/mailer"
	"portal/internal/secret"
	"portal/internal/store"
)

// Service runs second factors.
type Service struct {
	pool    *pgxpool.Pool
	box     *secret.Box // nil: no PORTAL_SECRET_KEY, so no new TOTP secret can be stored
	mail    *mailer.Service
	wa      *webauthn.WebAuthn // nil: passkeys unavailable (the base URL's host is an IP address)
	waErr   error
	baseURL string
	log     *slog.Logger
}

// New returns a Service. baseURL is the portal's public address: its host is the WebAuthn relying party id and its
// origin the one origin passkey ceremonies are accepted from. A host that can't be a relying party id (an IP
// address) leaves passkeys unavailable; box nil leaves new TOTP secrets unavailable.
func New(pool *pgxpool.Pool, box *secret.Box, mail *mailer.Service, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{pool: pool, box: box, mail: mail, baseURL: strings.TrimRight(baseURL, "/"), log: log}
	s.wa, s.waErr = relyingParty(s.baseURL)
	return s
}

// relyingParty configures WebAuthn for the portal's public address.
func relyingParty(baseURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("factors: base URL %q has no host", baseURL)
	}
	return webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Hosting portal",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: 5 * time.Minute, TimeoutUVD: 5 * time.Minute},
		},
	})
}

// Actor is who asks.
type Actor struct {
	Acting    store.Account
	Effective store.Account
	IP        string
}

func (a Actor) impersonating() bool { return a.Acting.ID != a.Effective.ID }

// errImpersonating refuses changes to second factors made while acting as another account.
var errImpersonating = fail.Forbidden("Two-factor sign-in can't be changed while acting as another account.")

// audit appends an entry about account target; a failure to audit is logged loudly.
func (s *Service) audit(ctx context.Context, db store.DBTX, a Actor, action string, target int64, outcome, detail string) {
	e := store.AuditEntry{Action: action, ObjectType: "account", ObjectID: fmt.Sprint(target), IP: a.IP, Outcome: outcome, Detail: detail,
		ActingAccountID: &a.Acting.ID, ActingEmail: a.Acting.Email, EffectiveAccountID: &a.Effective.ID, EffectiveEmail: a.Effective.Email}
	if db == nil {
		db = s.pool
	}
	if err := store.NewAuditLog(db).Append(context.WithoutCancel(ctx), e); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", err, "action", action)
	}
}

// Overview is what an account sees of its second factors.
type Overview struct {
	CodesLeft int // unused recovery codes
	Passkeys  []store.Passkey
}

// Overview returns the account's unused recovery codes and its passkeys.
func (s *Service) Overview(ctx context.Context, accountID int64) (Overview, error) {
	left, err := store.NewAccounts(s.pool).RecoveryCodesLeft(ctx, accountID)
	if err != nil {
		return Overview{}, err
	}
	keys, err := store.NewPasskeys(s.pool).ForAccount(ctx, accountID)
	return Overview{CodesLeft: left, Passkeys: keys}, err
}

// RegenerateRecoveryCodes replaces the acting account's recovery codes with ten new ones, returned to show once.
// The account must have TOTP (the codes stand in for it).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a Actor) ([]string, error) {
	if a.impersonating() {
		return nil, errImpersonating
	}
	if !a.Acting.HasTOTP() {
		return nil, fail.Conflict("Recovery codes come with an authenticator app: set one up first.")
	}
	codes, hashes := auth.NewRecoveryCodes()
	if err := store.NewAccounts(s.pool).ReplaceRecoveryCodes(ctx, a.Acting.ID, hashes); err != nil {
		return nil, err
	}
	s.audit(ctx, nil, a, "recovery_codes.regenerate", a.Acting.ID, store.OutcomeSuccess, "")
	return codes, nil
}

// UseRecoveryCode spends one of the account's unused recovery codes; false when code is none of them.
func (s *Service) UseRecoveryCode(ctx context.Context, accountID int64, code string) (bool, error) {
	if len(code) > 40 {
		return false, nil
	}
	return store.NewAccounts(s.pool).UseRecoveryCode(ctx, accountID, auth.HashRecoveryCode(code))
}
