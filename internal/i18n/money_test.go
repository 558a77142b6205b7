package i18n

import (
	"context"
	"testing"
)

// TestMoney: amounts are written from minor units in each language's notation: English as the portal always
// wrote them (grouped with commas, the ISO code after), German with its separators and the currency's sign.
func TestMoney(t *testing.T) {
	for _, c := range []struct {
		minor    int64
		currency string
		en, de   string
	}{
		{123450, "EUR", "1,234.50 EUR", "1.234,50 €"},
		{0, "EUR", "0.00 EUR", "0,00 €"},
		{5, "EUR", "0.05 EUR", "0,05 €"},
		{-50, "EUR", "-0.50 EUR", "-0,50 €"},
		{-123456789, "EUR", "-1,234,567.89 EUR", "-1.234.567,89 €"},
		{100000000, "USD", "1,000,000.00 USD", "1.000.000,00 $"},
		{99999, "GBP", "999.99 GBP", "999,99 £"},
		{123450, "CHF", "1,234.50 CHF", "1.234,50 CHF"},
		{-1200, "CHF", "-12.00 CHF", "-12,00 CHF"},
		{1234, "JPY", "1,234 JPY", "1.234 JPY"},
		{1234567, "BHD", "1,234.567 BHD", "1.234,567 BHD"},
		{1900, "", "19.00", "19,00"},
	} {
		if got := En.Money(c.minor, c.currency); got != c.en {
			t.Errorf("En.Money(%d, %q) = %q, want %q", c.minor, c.currency, got, c.en)
		}
		if got := De.Money(c.minor, c.currency); got != c.de {
			t.Errorf("De.Money(%d, %q) = %q, want %q", c.minor, c.currency, got, c.de)
		}
	}
	for _, c := range []struct{ got, want string }{
		{En.MoneyNumber(123450, "EUR"), "1,234.50"},
		{De.MoneyNumber(123450, "EUR"), "1.234,50"},
		{De.MoneyNumber(-7, "USD"), "-0,07"},
		{En.MoneyField(123450, "EUR"), "1234.50"},
		{De.MoneyField(123450, "EUR"), "1234,50"},
		{De.MoneyField(-123456789, "EUR"), "-1234567,89"},
		{De.MoneyField(1234, "JPY"), "1234"},
		{Money(With(context.Background(), De), 2000, "EUR"), "20,00 €"},
		{Money(context.Background(), 2000, "EUR"), "20.00 EUR"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

type testAmount struct {
	minor    int64
	currency string
}

func (a testAmount) In(l Lang) string { return l.Money(a.minor, a.currency) }

// TestMoney_AsArgument: an amount passed to a format as a Localized is written in the format's language.
func TestMoney_AsArgument(t *testing.T) {
	Add(De, map[string]string{"test: pay %s": "test: %s zahlen"})
	t.Cleanup(func() { delete(text[De], "test: pay %s") })
	args := []any{testAmount{123450, "EUR"}}
	if got, want := De.Textf("test: pay %s", args...), "test: 1.234,50 € zahlen"; got != want {
		t.Errorf("German: %q, want %q", got, want)
	}
	if got, want := En.Textf("test: pay %s", args...), "test: pay 1,234.50 EUR"; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	if _, ok := args[0].(testAmount); !ok {
		t.Errorf("Textf changed the caller's argument to %T", args[0])
	}
}
