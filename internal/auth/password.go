// Package auth hashes and checks passwords. Hashes are argon2id in the PHC string format.
package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"portal/internal/fail"
	"portal/internal/i18n"
)

// Hasher hashes passwords with fixed argon2id parameters.
type Hasher struct {
	params *argon2id.Params

	dummyOnce sync.Once
	dummy     string

	sem  chan struct{} // bounds concurrent hashes (Limit); nil: unbounded
	wait time.Duration
}

// ErrBusy is returned when no hash slot freed up in time: the caller answers 503 and asks to retry.
var ErrBusy = errors.New("auth: too many password hashes at once")

// Limit bounds how many hashes run at once through Slot and HashCtx to n (each takes the hasher's memory), and
// how long a caller waits for a slot. Call it once, before use.
func (h *Hasher) Limit(n int, wait time.Duration) {
	h.sem, h.wait = make(chan struct{}, n), wait
}

// Slot waits for a hash slot and returns its release; after the Limit wait it gives up with ErrBusy, so a burst
// of sign-ins can't exhaust memory.
func (h *Hasher) Slot(ctx context.Context) (func(), error) {
	if h.sem == nil {
		return func() {}, nil
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return func() { <-h.sem }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ErrBusy
	}
}

// VerifyCtx is Verify within a slot.
func (h *Hasher) VerifyCtx(ctx context.Context, password, hash string) (bool, error) {
	release, err := h.Slot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return h.Verify(password, hash), nil
}

// HashCtx is Hash within a slot.
func (h *Hasher) HashCtx(ctx context.Context, password string) (string, error) {
	release, err := h.Slot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return h.Hash(password)
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

// CheckNew returns a user-facing reason why password may not be used as a new password, or an empty Text.
func CheckNew(password string) fail.Text {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return fail.Text{Format: i18n.M("The password contains invalid characters.")}
	case n < MinPasswordLen:
		return fail.Text{Format: i18n.M("Use at least %d characters."), Args: []any{MinPasswordLen}}
	case len(password) > MaxPasswordLen:
		return fail.Text{Format: i18n.M("Use at most %d bytes."), Args: []any{MaxPasswordLen}}
	}
	return fail.Text{}
}
