package factors

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNew_PasskeysNeedAHostName(t *testing.T) {
	for base, want := range map[string]bool{
		"https://portal.example.com": true,
		"http://localhost:8080":      true,
		"http://127.0.0.1:8080":      false, // WebAuthn refuses IP addresses as the relying party
		"http://[::1]:8080":          false,
	} {
		s := New(nil, nil, nil, base, nil)
		if got := s.PasskeysAvailable(); got != want {
			t.Errorf("base %s: passkeys available %t, want %t", base, got, want)
		}
		if s.TOTPAvailable() {
			t.Errorf("base %s: TOTP available without a key", base)
		}
	}
	s := New(nil, nil, nil, "https://portal.example.com:8443", nil)
	if s.wa.Config.RPID != "portal.example.com" || len(s.wa.Config.RPOrigins) != 1 || s.wa.Config.RPOrigins[0] != "https://portal.example.com:8443" {
		t.Fatalf("relying party %q, origins %v", s.wa.Config.RPID, s.wa.Config.RPOrigins)
	}
}

func TestCheckPasskeyName(t *testing.T) {
	for name, ok := range map[string]bool{
		"Laptop": true, " Phone ": true, "Schlüssel (Büro)": true, "": false, "   ": false,
		strings.Repeat("x", MaxPasskeyName): true, strings.Repeat("x", MaxPasskeyName+1): false,
		"a\nb": false, "a\u200bb": false, "a\x00b": false, "a\xffb": false,
	} {
		if _, err := CheckPasskeyName(name); (err == nil) != ok {
			t.Errorf("CheckPasskeyName(%q): err %v, want ok %t", name, err, ok)
		}
	}
}

func FuzzCheckPasskeyName(f *testing.F) {
	for _, s := range []string{"Laptop", "", " ", "a\nb", "\u200b", strings.Repeat("é", 65), "<b>x</b>", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := CheckPasskeyName(name)
		if err != nil {
			return
		}
		if got == "" || !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxPasskeyName || got != strings.TrimSpace(got) {
			t.Fatalf("accepted %q as %q", name, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("accepted %q with %U", name, r)
			}
		}
	})
}
