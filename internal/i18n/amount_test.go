package i18n

import "testing"

func TestAmount(t *testing.T) {
	for _, c := range []struct{ in, en, de string }{
		{"1234.50 EUR", "1,234.50 EUR", "1.234,50 EUR"},
		{"-0.50 EUR", "-0.50 EUR", "-0,50 EUR"},
		{"29.75", "29.75", "29,75"},
		{"1234567 JPY", "1,234,567 JPY", "1.234.567 JPY"},
		{"12.345 KWD", "12.345 KWD", "12,345 KWD"},
		{"19.00 %", "19.00 %", "19,00 %"},
		{"", "", ""},
		{"none yet", "none yet", "none yet"},
		{"12.5.1", "12.5.1", "12.5.1"},
		{"1e5 EUR", "1e5 EUR", "1e5 EUR"},
		{".50", ".50", ".50"},
		{"12. EUR", "12. EUR", "12. EUR"},
		{"12 ", "12 ", "12 "},
		{"99999999999999999999.00", "99999999999999999999.00", "99999999999999999999.00"},
	} {
		if got := En.Amount(c.in); got != c.en {
			t.Errorf("En.Amount(%q) = %q, want %q", c.in, got, c.en)
		}
		if got := De.Amount(c.in); got != c.de {
			t.Errorf("De.Amount(%q) = %q, want %q", c.in, got, c.de)
		}
	}
}
