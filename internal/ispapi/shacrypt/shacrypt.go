// Package shacrypt is SHA-512 crypt ("$6$", Ulrich Drepper's SHA-crypt), the password hash ISPConfig stores for
// clients and mailboxes. The client (to check a mailbox password) and the simulator (to store one) share it.
package shacrypt

import (
	"crypto/sha512"
	"crypto/subtle"
	"strconv"
	"strings"
)

// Verify reports whether pw matches a "$6$[rounds=N$]salt$hash" hash, in constant time. Other formats never match.
func Verify(pw, hash string) bool {
	if !strings.HasPrefix(hash, "$6$") {
		return false
	}
	rest := hash[3:]
	rounds, explicit := 5000, false
	if strings.HasPrefix(rest, "rounds=") {
		n, after, ok := strings.Cut(rest[len("rounds="):], "$")
		if !ok {
			return false
		}
		r, err := strconv.Atoi(n)
		if err != nil || r < 1 {
			return false
		}
		rounds, explicit, rest = r, true, after
	}
	salt, _, ok := strings.Cut(rest, "$")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(Hash(pw, salt, rounds, explicit)), []byte(hash)) == 1
}

// Latin1 converts text to ISO-8859-1 bytes as ISPConfig's CRYPTMAIL does before hashing; characters outside it
// become "?".
func Latin1(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 256 {
			out = append(out, byte(r))
		} else {
			out = append(out, '?')
		}
	}
	return string(out)
}

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Hash implements the SHA-crypt scheme ($6$) as specified by Ulrich Drepper.
func Hash(pw, salt string, rounds int, explicitRounds bool) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	rounds = min(max(rounds, 1000), 999999999)
	p, s := []byte(pw), []byte(salt)

	h := sha512.New()
	h.Write(p)
	h.Write(s)
	h.Write(p)
	b := h.Sum(nil)

	h.Reset()
	h.Write(p)
	h.Write(s)
	n := len(p)
	for ; n > 64; n -= 64 {
		h.Write(b)
	}
	h.Write(b[:n])
	for i := len(p); i > 0; i >>= 1 {
		if i&1 != 0 {
			h.Write(b)
		} else {
			h.Write(p)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for range len(p) {
		h.Write(p)
	}
	dp := h.Sum(nil)
	pseq := make([]byte, 0, len(p))
	for n := len(p); n > 0; n -= 64 {
		pseq = append(pseq, dp[:min(n, 64)]...)
	}

	h.Reset()
	for range 16 + int(a[0]) {
		h.Write(s)
	}
	ds := h.Sum(nil)
	sseq := ds[:len(s)]

	c := a
	for i := range rounds {
		h.Reset()
		if i&1 != 0 {
			h.Write(pseq)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(sseq)
		}
		if i%7 != 0 {
			h.Write(pseq)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(pseq)
		}
		c = h.Sum(c[:0])
	}

	var out strings.Builder
	out.WriteString("$6$")
	if explicitRounds {
		out.WriteString("rounds=" + strconv.Itoa(rounds) + "$")
	}
	out.WriteString(salt)
	out.WriteByte('$')
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for range n {
			out.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	order := [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
		{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
		{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}
	for _, o := range order {
		enc(c[o[0]], c[o[1]], c[o[2]], 4)
	}
	enc(0, 0, c[63], 2)
	return out.String()
}
