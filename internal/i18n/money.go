package i18n

import (
	"context"
	"strings"
)

// Amounts travel through the portal as numbers, minor units (cents) of an ISO 4217 currency, and become text only
// where they are shown, by the functions below: on a page in the page's language, in a mail in its recipient's.

// minorDigits is the number of minor-unit digits per currency; anything not listed has 2.
var minorDigits = map[string]int{"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}

// MinorDigits is how many decimal places currency's minor unit has: 2 for EUR, 0 for JPY, 3 for BHD.
func MinorDigits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// signs are the currency signs German writes after an amount (1.234,50 €); other currencies keep their ISO code
// (1.234,50 CHF), as English keeps it for every currency.
var signs = map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}

// Money writes minor units of currency with its number of decimals and the language's separators, then the
// currency: "1,234.50 EUR" and "-0.50 USD" in English, "1.234,50 €", "-0,50 $" and "12,00 CHF" in German.
func (l Lang) Money(minor int64, currency string) string {
	unit := l.CurrencyUnit(currency)
	if unit == "" {
		return l.MoneyNumber(minor, currency)
	}
	return l.MoneyNumber(minor, currency) + " " + unit
}

// CurrencyUnit is what Money writes after an amount of currency: its sign in German where it has one, else its code.
func (l Lang) CurrencyUnit(currency string) string {
	if s, ok := signs[currency]; ok && l == De {
		return s
	}
	return currency
}

// MoneyNumber is Money without the currency, for a column whose heading names it: 1,234.50 or 1.234,50.
func (l Lang) MoneyNumber(minor int64, currency string) string {
	return l.Decimal(minor, MinorDigits(currency))
}

// MoneyField writes an amount the way a form field shows it for editing: without thousands separators, with the
// language's decimal mark (1234.50, 1234,50), which billing's parser reads back in either language.
func (l Lang) MoneyField(minor int64, currency string) string {
	return strings.ReplaceAll(l.MoneyNumber(minor, currency), l.Group(), "")
}

// Localized is a format argument that writes itself in the reader's language, as billing's Money does: Textf
// (and so Tf, fail's messages and mails) calls its In with the language it writes.
type Localized interface{ In(Lang) string }

// Money is Lang.Money in ctx's language.
func Money(ctx context.Context, minor int64, currency string) string {
	return From(ctx).Money(minor, currency)
}
