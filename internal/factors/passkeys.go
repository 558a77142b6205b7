package factors

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"

	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"portal/internal/fail"
	"portal/internal/store"
)

// PasskeysAvailable reports whether passkeys can be used: WebAuthn needs the portal's public address to be a host
// name (PORTAL_BASE_URL), not an IP address.
func (s *Service) PasskeysAvailable() bool { return s.wa != nil }

// errNoPasskeys explains why passkeys can't be used.
var errNoPasskeys = fail.Conflict("Passkeys can't be used here: the portal's address (PORTAL_BASE_URL) must be a host name such as portal.example.com, not an IP address.")

// MaxPasskeyName is the longest passkey name, in characters.
const MaxPasskeyName = 64

// user is an account as WebAuthn sees it. Its handle is the account id, 8 bytes: it names no person.
type user struct {
	acct  store.Account
	creds []webauthn.Credential
}

func (u user) WebAuthnID() []byte                         { return userHandle(u.acct.ID) }
func (u user) WebAuthnName() string                       { return u.acct.Email }
func (u user) WebAuthnDisplayName() string                { return u.acct.Email }
func (u user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func userHandle(id int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

// loadUser reads the account's passkeys as WebAuthn credentials.
func (s *Service) loadUser(ctx context.Context, acct store.Account) (user, []store.Passkey, error) {
	keys, err := store.NewPasskeys(s.pool).ForAccount(ctx, acct.ID)
	if err != nil {
		return user{}, nil, err
	}
	u := user{acct: acct}
	for _, k := range keys {
		var transports []protocol.AuthenticatorTransport
		for _, t := range k.Transports {
			transports = append(transports, protocol.AuthenticatorTransport(t))
		}
		u.creds = append(u.creds, webauthn.Credential{ID: k.CredentialID, PublicKey: k.PublicKey, AttestationType: k.AttestationType,
			Transport:     transports,
			Flags:         webauthn.CredentialFlags{UserPresent: k.UserPresent, UserVerified: k.UserVerified, BackupEligible: k.BackupEligible, BackupState: k.BackupState},
			Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID, SignCount: k.SignCount}})
	}
	return u, keys, nil
}

// CheckPasskeyName validates the name a user gives a new passkey; a field error on "name".
func CheckPasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fail.Field("name", "Give the passkey a name, such as the device it is on.")
	case utf8.RuneCountInString(name) > MaxPasskeyName:
		return "", fail.Field("name", "At most %d characters.", MaxPasskeyName)
	case !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return "", fail.Field("name", "Use letters, digits, spaces and punctuation only.")
	}
	return name, nil
}

// BeginPasskeyRegistration starts adding a passkey to the acting account: it returns the options for
// navigator.credentials.create (JSON) and the ceremony's state, which the caller keeps (in the session) and hands
// to FinishPasskeyRegistration.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, a Actor) (options []byte, state string, err error) {
	if a.impersonating() {
		return nil, "", errImpersonating
	}
	if s.wa == nil {
		return nil, "", errNoPasskeys
	}
	u, _, err := s.loadUser(ctx, a.Acting)
	if err != nil {
		return nil, "", err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := s.wa.BeginRegistration(u,
		webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return nil, "", err
	}
	return marshalCeremony(creation, session)
}

func marshalCeremony(options any, session *webauthn.SessionData) ([]byte, string, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, "", err
	}
	st, err := json.Marshal(session)
	if err != nil {
		return nil, "", err
	}
	return opts, string(st), nil
}

// errCeremony is the one answer for a passkey response that can't be used: expired, replayed, forged, or another
// authenticator's.
var errCeremony = fail.Field("credential", "The passkey could not be checked. Please try again.")

// FinishPasskeyRegistration checks the browser's answer (the JSON of the new PublicKeyCredential) against state
// and stores the passkey under name. The name is checked first.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, a Actor, state, name string, response []byte) (store.Passkey, error) {
	if a.impersonating() {
		return store.Passkey{}, errImpersonating
	}
	if s.wa == nil {
		return store.Passkey{}, errNoPasskeys
	}
	name, err := CheckPasskeyName(name)
	if err != nil {
		return store.Passkey{}, err
	}
	var session webauthn.SessionData
	if state == "" || json.Unmarshal([]byte(state), &session) != nil {
		return store.Passkey{}, errCeremony
	}
	u, _, err := s.loadUser(ctx, a.Acting)
	if err != nil {
		return store.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		s.audit(ctx, nil, a, "passkey.add", a.Acting.ID, store.OutcomeFailure, "unreadable response")
		return store.Passkey{}, errCeremony
	}
	cred, err := s.wa.CreateCredential(u, session, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "passkey registration refused", "err", err, "account_id", a.Acting.ID)
		s.audit(ctx, nil, a, "passkey.add", a.Acting.ID, store.OutcomeFailure, "refused by the check")
		return store.Passkey{}, errCeremony
	}
	var transports []string
	for _, t := range cred.Transport {
		transports = append(transports, string(t))
	}
	k, err := store.NewPasskeys(s.pool).Add(ctx, store.Passkey{AccountID: a.Acting.ID, CredentialID: cred.ID, PublicKey: cred.PublicKey,
		AttestationType: cred.AttestationType, AAGUID: cred.Authenticator.AAGUID, SignCount: cred.Authenticator.SignCount,
		Transports: transports, UserPresent: cred.Flags.UserPresent, UserVerified: cred.Flags.UserVerified,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState, Name: name})
	if errors.Is(err, store.ErrConflict) {
		return store.Passkey{}, fail.Field("credential", "That passkey is already registered.")
	}
	if err != nil {
		return store.Passkey{}, err
	}
	s.audit(ctx, nil, a, "passkey.add", a.Acting.ID, store.OutcomeSuccess, name)
	return k, nil
}

// RemovePasskey deletes one of the acting account's passkeys; not found when it has no passkey id.
func (s *Service) RemovePasskey(ctx context.Context, a Actor, id int64) (store.Passkey, error) {
	if a.impersonating() {
		return store.Passkey{}, errImpersonating
	}
	k, err := store.NewPasskeys(s.pool).Remove(ctx, a.Acting.ID, id)
	if err != nil {
		return store.Passkey{}, err
	}
	s.audit(ctx, nil, a, "passkey.remove", a.Acting.ID, store.OutcomeSuccess, k.Name)
	return k, nil
}

// BeginPasskeySignIn starts the second step of acct's sign-in with one of its passkeys: the options for
// navigator.credentials.get (JSON) and the ceremony's state for FinishPasskeySignIn.
func (s *Service) BeginPasskeySignIn(ctx context.Context, acct store.Account) (options []byte, state string, err error) {
	if s.wa == nil {
		return nil, "", errNoPasskeys
	}
	u, _, err := s.loadUser(ctx, acct)
	if err != nil {
		return nil, "", err
	}
	if len(u.creds) == 0 {
		return nil, "", fail.Conflict("This account has no passkey.")
	}
	assertion, session, err := s.wa.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, "", err
	}
	return marshalCeremony(assertion, session)
}

// FinishPasskeySignIn checks the browser's assertion (the JSON of the PublicKeyCredential) for acct against
// state. It reports false for any assertion that doesn't prove the passkey, including one whose signature counter
// did not grow (a cloned authenticator): that passkey is refused.
func (s *Service) FinishPasskeySignIn(ctx context.Context, acct store.Account, state string, response []byte) (bool, error) {
	if s.wa == nil {
		return false, errNoPasskeys
	}
	var session webauthn.SessionData
	if state == "" || json.Unmarshal([]byte(state), &session) != nil {
		return false, nil
	}
	u, keys, err := s.loadUser(ctx, acct)
	if err != nil {
		return false, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return false, nil
	}
	cred, err := s.wa.ValidateLogin(u, session, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "passkey assertion refused", "err", err, "account_id", acct.ID)
		return false, nil
	}
	var key store.Passkey
	for _, k := range keys {
		if bytes.Equal(k.CredentialID, cred.ID) {
			key = k
		}
	}
	a := Actor{Acting: acct, Effective: acct}
	if cred.Authenticator.CloneWarning {
		s.audit(ctx, nil, a, "passkey.signin", acct.ID, store.OutcomeDenied, "signature counter did not grow (cloned authenticator?): "+key.Name)
		return false, nil
	}
	ok, err := store.NewPasskeys(s.pool).Used(ctx, acct.ID, key.ID, cred.Authenticator.SignCount, cred.Flags.UserVerified, cred.Flags.BackupState)
	if err != nil || !ok {
		if err == nil {
			s.audit(ctx, nil, a, "passkey.signin", acct.ID, store.OutcomeDenied, "signature counter did not grow (concurrent use?): "+key.Name)
		}
		return false, err
	}
	return true, nil
}
