package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps, as every authenticator app expects).
const (
	totpPeriod = 30
	totpSkew   = 1 // accept the previous and the next step too (clock drift)
	// RecoveryCodeCount is how many single-use recovery codes an account gets when it enables TOTP.
	RecoveryCodeCount = 10
)

// NewTOTP returns a new random secret for account email, its otpauth:// URL, and a PNG QR code of the URL as a
// data: URL (the CSP allows data: images).
func NewTOTP(issuer, email string) (secret, url, qrDataURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: email, Period: totpPeriod})
	if err != nil {
		return "", "", "", err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", "", "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", "", "", err
	}
	return key.Secret(), key.URL(), "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// CheckTOTP reports whether code is valid for secret at now (within one step either way) and returns the time
// step it matched, so the caller can refuse a code that was already used (store it; accept only later steps).
func CheckTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		at := time.Unix((step+d)*totpPeriod, 0)
		ok, err := totp.ValidateCustom(code, secret, at, totp.ValidateOpts{Period: totpPeriod, Skew: 0,
			Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && ok {
			return step + d, true
		}
	}
	return 0, false
}

// NewRecoveryCodes returns RecoveryCodeCount random codes ("abcde-fghij", 50 bits each) to show once, and their
// hashes to store.
func NewRecoveryCodes() (codes, hashes []string) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range RecoveryCodeCount {
		b := make([]byte, 7)
		_, _ = rand.Read(b)
		s := strings.ToLower(enc.EncodeToString(b))[:10]
		code := s[:5] + "-" + s[5:]
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes
}

// HashRecoveryCode hashes a typed recovery code, ignoring case, spaces and dashes. A fast hash is enough: the codes
// are random, not chosen by people.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code))
	sum := sha256.Sum256([]byte("portal-recovery:" + c))
	return hex.EncodeToString(sum[:])
}
