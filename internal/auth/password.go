// Package auth hashes and checks passwords. Hashes are argon2id in the PHC string format.
package auth

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Hasher hashes passwords with fixed argon2id parameters.
type Hasher struct {
	params *argon2id.Params

	dummyOnce sync.Once
	dummy     string
}

// NewHasher returns a Hasher using memoryKiB of memory per hash (64 MiB is the production default; tests use less).
func NewHasher(memoryKiB uint32) *Hasher {
	p := *argon2id.DefaultParams
	p.Memory = memoryKiB
	p.Iterations = 2
	p.Parallelism = uint8(min(runtime.NumCPU(), 4))
	return &Hasher{params: &p}
}

// Hash returns the PHC-formatted argon2id hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	s, err := argon2id.CreateHash(password, h.params)
	if err != nil {
		return "", fmt.Errorf("auth: hash: %w", err)
	}
	return s, nil
}

// Verify reports whether password matches hash. A malformed hash never matches.
func (h *Hasher) Verify(password, hash string) bool {
	if !strings.HasPrefix(hash, "$argon2id$") {
		h.VerifyNothing(password) // an account without a password costs the same work as one with
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// VerifyNothing spends the same work as Verify against a hash that matches nothing, so a sign-in for an unknown
// email takes as long as one for a known email.
func (h *Hasher) VerifyNothing(password string) {
	h.dummyOnce.Do(func() { h.dummy, _ = h.Hash("no account has this password, it only burns time") })
	_ = h.Verify(password, h.dummy)
}

// Password rules.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// CheckNew returns a user-facing reason why password may not be used as a new password, or "".
func CheckNew(password string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return "The password contains invalid characters."
	case n < MinPasswordLen:
		return fmt.Sprintf("Use at least %d characters.", MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return fmt.Sprintf("Use at most %d bytes.", MaxPasswordLen)
	}
	return ""
}
