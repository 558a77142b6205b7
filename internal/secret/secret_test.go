package secret

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestBox_SealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal("s3cret-pass", "platform:a")
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatalf("sealed value contains the plain text")
	}
	if got, err := b.Open(sealed, "platform:a"); err != nil || got != "s3cret-pass" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open(sealed, "platform:b"); err != ErrOpen {
		t.Errorf("open under another context: %v, want ErrOpen", err)
	}
	other, _ := NewBox(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(sealed, "platform:a"); err != ErrOpen {
		t.Errorf("open with another key: %v, want ErrOpen", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed, "platform:a"); err != ErrOpen {
		t.Errorf("open damaged: %v, want ErrOpen", err)
	}
	if s1, s2 := b.Seal("x", "c"), b.Seal("x", "c"); bytes.Equal(s1, s2) {
		t.Errorf("two seals of the same value are equal (nonce reuse)")
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{base64.StdEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw), strings.Repeat("ab", 32)} {
		if k, err := ParseKey(s); err != nil || !bytes.Equal(k, raw) {
			t.Errorf("ParseKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "short", base64.StdEncoding.EncodeToString(raw[:16]), strings.Repeat("zz", 32)} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}
