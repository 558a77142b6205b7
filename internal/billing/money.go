package billing

import (
	"strconv"
	"strings"

	"portal/internal/fail"
	"portal/internal/i18n"
)

// Money is an amount in a currency's minor units (cents for EUR) with its ISO 4217 code. There are no floats
// anywhere in billing: columns are BIGINT plus a CHAR(3) currency, and arithmetic is integer arithmetic.
type Money struct {
	Minor    int64
	Currency string // ISO 4217, upper case, e.g. "EUR"
}

// iso4217 are the active ISO 4217 currency codes (funds and precious metals left out): an issuer bills in one.
var iso4217 = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
		BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
		GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
		LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
		PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
		TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG`) {
		m[c] = true
	}
	return m
}()

// KnownCurrency reports whether code is an active ISO 4217 currency code (upper case).
func KnownCurrency(code string) bool { return iso4217[code] }

// MinorDigits is how many decimal places currency's minor unit has (the catalogue's table, which writes amounts).
func MinorDigits(currency string) int { return i18n.MinorDigits(currency) }

// MulDivHalfUp returns a*num/den rounded half away from zero, in integers only. den must be positive.
// It is the one rounding rule billing uses: tax per line (num = rate in basis points, den = 10000) and
// proration (num = days left, den = days in the cycle).
func MulDivHalfUp(a, num, den int64) int64 {
	p := a * num
	q, r := p/den, p%den
	if r < 0 {
		r = -r
	}
	if 2*r >= den {
		if p < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// String formats m with its currency's decimals and code, e.g. "12.34 EUR" or "-0.50 EUR", for logs and the
// audit trail; people read it as In writes it.
func (m Money) String() string { return FormatMinor(m.Minor, m.Currency) + " " + m.Currency }

// In writes m in l's notation ("1,234.50 EUR", "1.234,50 €"): passed to a format (a mail's line, a fail message),
// it is written in the language the text is read in.
func (m Money) In(l i18n.Lang) string { return l.Money(m.Minor, m.Currency) }

// FormatMinor formats minor units as a plain decimal with the currency's number of digits.
func FormatMinor(minor int64, currency string) string {
	d := MinorDigits(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if d > 0 {
		if len(s) <= d {
			s = strings.Repeat("0", d-len(s)+1) + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseMinor parses a decimal amount typed by a person into minor units of currency: "12", "12.5", "12.50", and
// "12,50" as German writes it. The decimal mark is a point or a comma, at most one: thousands separators are
// refused (in "1.234,50" or "1,234.50" one mark would be read as the other), as are more decimals than the currency
// has, signs, exponents and anything else. Its errors are *fail.Error.
func ParseMinor(s, currency string) (int64, error) {
	s = strings.TrimSpace(s)
	d := MinorDigits(currency)
	if strings.Count(s, ".")+strings.Count(s, ",") > 1 {
		return 0, fail.Invalid("Enter the amount with one decimal mark and no thousands separators, such as 1234.50.")
	}
	whole, frac, hasDot := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, fail.Invalid("Enter an amount such as 12.50.")
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fail.Invalid("Enter an amount such as 12.50, with digits and a decimal mark only.")
		}
	}
	if len(frac) > d || (hasDot && frac == "") {
		return 0, fail.Invalid("Use at most %d decimal places.", d)
	}
	if len(whole) > 12 {
		return 0, fail.Invalid("That amount is too large.")
	}
	frac += strings.Repeat("0", d-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fail.Invalid("That amount is too large.")
	}
	return n, nil
}
