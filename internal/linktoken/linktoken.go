// Package linktoken makes the secrets of emailed links (invitations, password resets, email changes, signup
// confirmations): 32 random bytes in base64url, of which only the SHA-256 is stored.
package linktoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// enc reads only the canonical spelling of a secret: a 43-character base64url string carries 2 unused bits in its
// last character, so without Strict four spellings of one secret would all be accepted.
var enc = base64.RawURLEncoding.Strict()

// New returns a link secret and its SHA-256.
func New() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	h := sha256.Sum256(b)
	return enc.EncodeToString(b), h[:]
}

// Hash is the SHA-256 of the secret raw spells; false when raw can't be one of ours.
func Hash(raw string) ([]byte, bool) {
	b, err := enc.DecodeString(raw)
	if err != nil || len(b) != 32 {
		return nil, false
	}
	h := sha256.Sum256(b)
	return h[:], true
}
