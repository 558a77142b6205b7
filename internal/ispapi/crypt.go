package ispapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"portal/internal/ispapi/shacrypt"
)

// VerifyMailPassword reports whether password matches a mailbox password hash as ISPConfig stores it in
// mail_user.password: SHA-512 crypt ("$6$[rounds=N$]salt$hash", API.md §6 quirk 18) of the password converted to
// ISO-8859-1 (the CRYPTMAIL encryption). Other hash formats never match. The comparison is constant-time.
func VerifyMailPassword(password, hash string) bool {
	return shacrypt.Verify(shacrypt.Latin1(password), hash)
}

// DummyMailPasswordHash is a valid hash of no real password, for spending the same work on an unknown mailbox as
// on a known one.
const DummyMailPasswordHash = "$6$rounds=5000$0000000000000000$" +
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

// CheckMailUserPassword reports whether password is the current password of mailbox id, comparing it with the
// stored hash (read with mail_user_get) without ever returning the hash. Errors: ErrNotFound, and the read errors.
func (c *Client) CheckMailUserPassword(ctx context.Context, id int64, password string) (bool, error) {
	var row struct {
		Password string `json:"password"`
	}
	if err := c.getRow(ctx, mailUserGet, id, &row); err != nil {
		return false, fmt.Errorf("ispapi: mailbox %d: %w", id, err)
	}
	return VerifyMailPassword(password, row.Password), nil
}

// HashMailPassword hashes a mailbox password exactly as ISPConfig's CRYPTMAIL does (the password converted to
// ISO-8859-1, SHA-512 crypt with 5000 rounds and a random 16-hex-digit salt), so the portal can keep a copy that
// VerifyMailPassword checks without asking ISPConfig.
func HashMailPassword(password string) string {
	var salt [8]byte
	_, _ = rand.Read(salt[:])
	return shacrypt.Hash(shacrypt.Latin1(password), hex.EncodeToString(salt[:]), 5000, true)
}
