package i18n

import (
	"context"
	"strconv"
	"strings"
)

// Amount rewrites an amount written in the code's plain notation (billing's: an optional minus, digits, an
// optional point with decimals, then optionally a space and a unit, as in "1234.50 EUR", "-0.50" or "19.00 %")
// in l's notation: "1,234.50 EUR" in English, "1.234,50 EUR" in German, keeping the number of decimals. Anything
// else (an empty cell, a word) comes back unchanged, so a view may pass any amount text through it.
func (l Lang) Amount(s string) string {
	num, unit, hasUnit := strings.Cut(s, " ")
	neg := strings.HasPrefix(num, "-")
	whole, frac, hasPoint := strings.Cut(strings.TrimPrefix(num, "-"), ".")
	if !digitsOnly(whole) || (hasPoint && !digitsOnly(frac)) || len(whole)+len(frac) > 18 || (hasUnit && unit == "") {
		return s
	}
	minor, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return s
	}
	if neg {
		minor = -minor
	}
	out := l.Decimal(minor, len(frac))
	if neg && minor == 0 { // "-0.00" stays negative as written
		out = "-" + out
	}
	if hasUnit {
		out += " " + unit
	}
	return out
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Amount is Lang.Amount in ctx's language.
func Amount(ctx context.Context, s string) string { return From(ctx).Amount(s) }
