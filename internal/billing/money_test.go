package billing_test

import (
	"testing"

	"portal/internal/billing"
	"portal/internal/fail"
	"portal/internal/i18n"
)

// TestParseMinor: an amount is typed with a point or, as German writes it, a comma; one decimal mark at most, so
// thousands separators (which would be read as the decimal mark in the other language) are refused with a clear
// message rather than read as a different amount.
func TestParseMinor(t *testing.T) {
	for _, c := range []struct {
		in       string
		currency string
		want     int64
	}{
		{"12.50", "EUR", 1250}, {"12,50", "EUR", 1250}, {" 12,5 ", "EUR", 1250}, {"12", "EUR", 1200},
		{"0,05", "EUR", 5}, {",5", "EUR", 50}, {"1234,56", "USD", 123456}, {"1234", "JPY", 1234},
		{"1,234", "BHD", 1234}, {"0", "CHF", 0},
	} {
		got, err := billing.ParseMinor(c.in, c.currency)
		if err != nil || got != c.want {
			t.Errorf("ParseMinor(%q, %s) = %d, %v; want %d", c.in, c.currency, got, err, c.want)
		}
	}
	oneMark := "Enter the amount with one decimal mark and no thousands separators, such as 1234.50."
	for _, c := range []struct{ in, currency, want string }{
		{"1.234,5.6", "EUR", oneMark},
		{"1.234,50", "EUR", oneMark},
		{"1,234.50", "EUR", oneMark},
		{"1,2,3", "EUR", oneMark},
		{"1.234", "EUR", "Use at most 2 decimal places."}, // a German thousands point: not read as 1.23 or 1234
		{"1,234", "EUR", "Use at most 2 decimal places."},
		{"12,5", "JPY", "Use at most 0 decimal places."},
		{"12,", "EUR", "Use at most 2 decimal places."},
		{"", "EUR", "Enter an amount such as 12.50."},
		{",", "EUR", "Enter an amount such as 12.50."},
		{"-12,50", "EUR", "Enter an amount such as 12.50, with digits and a decimal mark only."},
		{"12 50", "EUR", "Enter an amount such as 12.50, with digits and a decimal mark only."},
		{"1e5", "EUR", "Enter an amount such as 12.50, with digits and a decimal mark only."},
		{"12,50 €", "EUR", "Enter an amount such as 12.50, with digits and a decimal mark only."},
		{"1234567890123,00", "EUR", "That amount is too large."},
	} {
		_, err := billing.ParseMinor(c.in, c.currency)
		e, ok := fail.As(err)
		if !ok || e.Msg != c.want {
			t.Errorf("ParseMinor(%q, %s): %v, want %q", c.in, c.currency, err, c.want)
		}
	}
}

// TestMoney_In: billing's Money, passed to a message, is written in the language the message is read in.
func TestMoney_In(t *testing.T) {
	m := billing.Money{Minor: -123450, Currency: "EUR"}
	if got, want := i18n.De.Textf("%s", m), "-1.234,50 €"; got != want {
		t.Errorf("German: %q, want %q", got, want)
	}
	if got, want := i18n.En.Textf("%s", m), "-1,234.50 EUR"; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	if got, want := m.String(), "-1234.50 EUR"; got != want { // the audit trail's notation is unchanged
		t.Errorf("String: %q, want %q", got, want)
	}
}
