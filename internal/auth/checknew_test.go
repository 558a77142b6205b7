package auth

import (
	"strings"
	"testing"

	"portal/internal/i18n"
)

// TestCheckNew_Messages: the password rules name their limits as numbers, in the reader's language.
func TestCheckNew_Messages(t *testing.T) {
	for _, c := range []struct {
		password, en, de string
	}{
		{"short", "Use at least 12 characters.", "Verwenden Sie mindestens 12 Zeichen."},
		{strings.Repeat("ä", 129), "Use at most 256 bytes.", "Verwenden Sie höchstens 256 Bytes."},
		{"invalid \xff password", "The password contains invalid characters.", "Das Passwort enthält ungültige Zeichen."},
		{"a good long passphrase", "", ""},
	} {
		m := CheckNew(c.password)
		if got := m.In(i18n.En); got != c.en {
			t.Errorf("CheckNew(%q) in English = %q, want %q", c.password, got, c.en)
		}
		if got := m.In(i18n.De); got != c.de {
			t.Errorf("CheckNew(%q) in German = %q, want %q", c.password, got, c.de)
		}
	}
}
