package ispapi

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"portal/internal/ispapi/shacrypt"
)

// hostileSeeds are the inputs every validator's fuzz test starts from: markup, quotes, line breaks, NUL, very long,
// invalid UTF-8, homoglyphs, SQL wildcards, invisible and bidi characters, full-width letters.
var hostileSeeds = []string{
	"", " ", "Alice", "ACME GmbH", "<b>x</b>", "<script>alert(1)</script>", "a<b", "x>y", `"quoted" 'single'`,
	"line\nbreak", "cr\rlf", "tab\there", "nul\x00byte", strings.Repeat("a", 65), strings.Repeat("é", 64),
	"\xff\xfe", "bad\xc3(", "Аlice" /* Cyrillic A */, "pаypal.com", "100%_off", "%", "_", "a\u202eevil",
	"soft\u00adhyphen", "zero\u200bwidth", "\ufeffbom", "ＡＢＣ", "Ümlaut Straße", "emoji 🎉", "sep\u2028line",
	"me@example.com", "ME@Example.COM.", "me+tag@example.com", "user@bücher.example", "a@b", "@example.com",
	"web1", "web", "client_01", "x.y-z", "\x7f", "\u0085next",
}

func FuzzCheckText(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s, 64)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			return
		}
		msg := CheckText(s, max)
		if msg.Format != "" {
			return
		}
		// Accepted text survives ISPConfig's STRIPTAGS/STRIPNL unchanged and fits the column.
		if !utf8.ValidString(s) || strings.ContainsAny(s, "<>\r\n\x00\t") || utf8.RuneCountInString(s) > max {
			t.Fatalf("CheckText accepted %q (max %d)", s, max)
		}
		for _, r := range s {
			if forbiddenRune(r) {
				t.Fatalf("CheckText accepted forbidden rune %U in %q", r, s)
			}
		}
		if c, m := CleanText(s, max, false); m.Format != "" || c != strings.TrimSpace(s) {
			t.Fatalf("CleanText disagrees with CheckText on %q: %q %q", s, c, m)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		if len(e) > MaxEmail || strings.ContainsAny(e, "+<>\"' \r\n\x00") || e != strings.ToLower(e) || !utf8.ValidString(e) {
			t.Fatalf("NormalizeEmail(%q) = %q", s, e)
		}
		for _, r := range e {
			if r > 0x7f {
				t.Fatalf("NormalizeEmail(%q) = %q: not ASCII", s, e)
			}
		}
		if again, err := NormalizeEmail(e); err != nil || again != e {
			t.Fatalf("NormalizeEmail not idempotent: %q → %q → %q, %v", s, e, again, err)
		}
	})
}

func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Add("Bücher.Example.")
	f.Add("xn--bcher-kva.example")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalizeDomain(s)
		if err != nil {
			return
		}
		if len(d) > 253 || !strings.Contains(d, ".") || strings.HasSuffix(d, ".") || d != strings.ToLower(d) {
			t.Fatalf("NormalizeDomain(%q) = %q", s, d)
		}
		for _, r := range d {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
				t.Fatalf("NormalizeDomain(%q) = %q: character %q", s, d, r)
			}
		}
		if again, err := NormalizeDomain(d); err != nil || again != d {
			t.Fatalf("NormalizeDomain not idempotent: %q → %q → %q, %v", s, d, again, err)
		}
	})
}

func FuzzValidateUsername(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateUsername(s) != nil {
			return
		}
		if s == "" || len(s) > 64 || strings.HasPrefix(s, "web") && (s == "web" || s[3] >= '0' && s[3] <= '9') {
			t.Fatalf("ValidateUsername accepted %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-", r)) {
				t.Fatalf("ValidateUsername accepted %q (character %q)", s, r)
			}
		}
	})
}

func FuzzMailPasswordProblem(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Add("ПарольПароль")
	f.Add("Pässwörd-123")
	f.Fuzz(func(t *testing.T, s string) {
		if MailPasswordProblem(s) != "" {
			return
		}
		// An accepted password hashes as itself: ISO-8859-1 round-trips it without any "?".
		l := shacrypt.Latin1(s)
		back := make([]rune, 0, len(l))
		for _, b := range []byte(l) {
			back = append(back, rune(b))
		}
		if string(back) != s {
			t.Fatalf("MailPasswordProblem accepted %q, which ISO-8859-1 turns into %q", s, string(back))
		}
	})
}

func TestMailPasswordProblem_Cyrillic(t *testing.T) {
	if MailPasswordProblem("ПарольПароль") == "" {
		t.Fatal("12 Cyrillic letters accepted; ISPConfig would hash ????????????")
	}
	if MailPasswordProblem("Pässwörd-123") != "" {
		t.Fatal("Latin-1 letters refused")
	}
}

// FuzzCanonicalAddress: one key per address however it is typed; always valid UTF-8, bounded, lower-case, with
// no invisible characters.
func FuzzCanonicalAddress(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Add("ｍｅ@ｐｕｂ.ｔｅｓｔ.")
	f.Add("m\u00ade@pub.test")
	f.Fuzz(func(t *testing.T, s string) {
		c := CanonicalAddress(s)
		if !utf8.ValidString(c) || len(c) > 320 || strings.HasSuffix(c, ".") {
			t.Fatalf("CanonicalAddress(%q) = %q", s, c)
		}
		for _, r := range c {
			if unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || unicode.IsSpace(r) {
				t.Fatalf("CanonicalAddress(%q) = %q keeps %U", s, c, r)
			}
		}
		if e, err := NormalizeEmail(s); err == nil && c != e {
			t.Fatalf("valid address %q: canonical %q, normalised %q", s, c, e)
		}
	})
}
