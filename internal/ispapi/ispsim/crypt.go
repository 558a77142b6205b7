package ispsim

import (
	"crypto/rand"
	"encoding/hex"

	"portal/internal/ispapi/shacrypt"
)

// cryptPassword hashes a password as ISPConfig's crypt_password does: SHA-512 crypt with 5000 rounds and a random
// 16-hex-digit salt, "$6$rounds=5000$<salt>$<86 chars>" (API.md §3.2.3).
func cryptPassword(pw string) string {
	var salt [8]byte
	_, _ = rand.Read(salt[:])
	return shacrypt.Hash(pw, hex.EncodeToString(salt[:]), 5000, true)
}

// verifyCrypt reports whether pw matches a "$6$…" hash.
func verifyCrypt(pw, hash string) bool { return shacrypt.Verify(pw, hash) }

// toLatin1 converts text to ISO-8859-1 bytes as the CRYPTMAIL encryption does before hashing.
func toLatin1(s string) string { return shacrypt.Latin1(s) }
