// Package secret encrypts the secrets the portal keeps in Postgres (the remote-API passwords of ISPConfig
// platforms) with AES-256-GCM under a key from the environment (PORTAL_SECRET_KEY), so a database dump alone does
// not reveal them.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeyForm says what ParseKey accepts, for configuration errors.
const KeyForm = "32 random bytes, base64 (as `openssl rand -base64 32` prints) or 64 hex digits"

// ParseKey decodes a 32-byte key given as base64 (standard or URL alphabet, padded or not) or as hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, fmt.Errorf("want %s", KeyForm)
}

// Box seals and opens secrets with one key.
type Box struct{ aead cipher.AEAD }

// version prefixes every sealed value, so the format (and key) can change later.
const version = 1

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: key has %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain; context binds the result to its use (e.g. "platform:<name>"): opening it under another
// context fails. The result is version || nonce || ciphertext.
func (b *Box) Seal(plain, context string) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, []byte(plain), []byte(context))
}

// ErrOpen means a sealed value could not be opened: another key, another context, or damaged.
var ErrOpen = errors.New("secret: can't decrypt (wrong PORTAL_SECRET_KEY, or damaged)")

// Open decrypts what Seal returned under the same context.
func (b *Box) Open(sealed []byte, context string) (string, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != version {
		return "", ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(context))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
