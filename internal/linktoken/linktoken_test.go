package linktoken

import (
	"bytes"
	"strings"
	"testing"
)

// A secret is accepted only as New spelled it: changing its last character to another spelling of the same bytes
// (the character's two unused bits), or changing any data, is refused or names another secret.
func TestHash_OnlyTheCanonicalSpelling(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for range 200 {
		raw, want := New()
		got, ok := Hash(raw)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("Hash(%q) = %x, %v; want %x", raw, got, ok, want)
		}
		i := strings.IndexByte(alphabet, raw[42])
		for _, j := range []int{i ^ 1, i ^ 2, i ^ 3} { // the same 4 data bits: another spelling
			if _, ok := Hash(raw[:42] + alphabet[j:j+1]); ok {
				t.Fatalf("%q accepted as %q with its unused bits set", raw[:42]+alphabet[j:j+1], raw)
			}
		}
		j := i ^ 32 // other data
		if h, ok := Hash(raw[:42] + alphabet[j:j+1]); ok && bytes.Equal(h, want) {
			t.Fatal("changed data gave the same secret")
		}
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("*", 43)} {
		if _, ok := Hash(bad); ok {
			t.Errorf("Hash(%q) accepted", bad)
		}
	}
}
