package billing

import (
	"regexp"
	"strings"
)

// ReverseChargeNote is the legal wording an EU reverse-charge invoice carries.
const ReverseChargeNote = "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)"

// vatFormats are the offline format checks of EU VAT identification numbers, after the country prefix (VIES
// can't be asked: the portal has no network). Greece uses the prefix EL.
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^U[0-9]{8}$`),
	"BE": regexp.MustCompile(`^[01][0-9]{9}$`),
	"BG": regexp.MustCompile(`^[0-9]{9,10}$`),
	"CY": regexp.MustCompile(`^[0-9]{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^[0-9]{8,10}$`),
	"DE": regexp.MustCompile(`^[0-9]{9}$`),
	"DK": regexp.MustCompile(`^[0-9]{8}$`),
	"EE": regexp.MustCompile(`^[0-9]{9}$`),
	"EL": regexp.MustCompile(`^[0-9]{9}$`),
	"ES": regexp.MustCompile(`^[0-9A-Z][0-9]{7}[0-9A-Z]$`),
	"FI": regexp.MustCompile(`^[0-9]{8}$`),
	"FR": regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}[0-9]{9}$`),
	"HR": regexp.MustCompile(`^[0-9]{11}$`),
	"HU": regexp.MustCompile(`^[0-9]{8}$`),
	"IE": regexp.MustCompile(`^([0-9]{7}[A-W][A-I]?|[0-9][A-Z+*][0-9]{5}[A-W])$`),
	"IT": regexp.MustCompile(`^[0-9]{11}$`),
	"LT": regexp.MustCompile(`^([0-9]{9}|[0-9]{12})$`),
	"LU": regexp.MustCompile(`^[0-9]{8}$`),
	"LV": regexp.MustCompile(`^[0-9]{11}$`),
	"MT": regexp.MustCompile(`^[0-9]{8}$`),
	"NL": regexp.MustCompile(`^[0-9]{9}B[0-9]{2}$`),
	"PL": regexp.MustCompile(`^[0-9]{10}$`),
	"PT": regexp.MustCompile(`^[0-9]{9}$`),
	"RO": regexp.MustCompile(`^[1-9][0-9]{1,9}$`),
	"SE": regexp.MustCompile(`^[0-9]{10}01$`),
	"SI": regexp.MustCompile(`^[0-9]{8}$`),
	"SK": regexp.MustCompile(`^[0-9]{10}$`),
}

// InEU reports whether an ISO 3166-1 alpha-2 country is an EU member state.
func InEU(country string) bool {
	if country == "GR" {
		return true
	}
	_, ok := vatFormats[vatPrefix(country)]
	return ok
}

func vatPrefix(country string) string {
	if country == "GR" {
		return "EL"
	}
	return country
}

// NormalizeVATID removes spaces, dots and dashes and upper-cases a VAT id.
func NormalizeVATID(id string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, id)
}

// CheckVATID reports whether id (normalised) is a well-formed VAT id of an EU country: its prefix must be the
// country's (EL for Greece) and the rest must match that country's format. Outside the EU any id is accepted.
func CheckVATID(country, id string) bool {
	if !InEU(country) {
		return id != ""
	}
	p := vatPrefix(country)
	if !strings.HasPrefix(id, p) {
		return false
	}
	return vatFormats[p].MatchString(id[len(p):])
}

// ReverseCharge reports whether a sale from sellerCountry to a buyer in buyerCountry with VAT id buyerVAT is an
// EU business-to-business supply across a border, taxed by the recipient.
func ReverseCharge(sellerCountry, buyerCountry, buyerVAT string) bool {
	return buyerVAT != "" && InEU(sellerCountry) && InEU(buyerCountry) && sellerCountry != buyerCountry &&
		CheckVATID(buyerCountry, buyerVAT)
}

// Compute fills in each line's net and tax (tax per line, half-up), the tax lines per rate and the document's
// totals, so that the lines add up to the totals exactly.
func (d *Document) Compute() {
	d.TaxLines = nil
	d.NetMinor, d.TaxMinor = 0, 0
	byRate := map[int64]int{}
	for i := range d.Lines {
		l := &d.Lines[i]
		l.NetMinor = MulDivHalfUp(l.UnitMinor, l.Quantity, 1)
		l.TaxMinor = MulDivHalfUp(l.NetMinor, l.TaxRateBP, 10000)
		d.NetMinor += l.NetMinor
		d.TaxMinor += l.TaxMinor
		k, ok := byRate[l.TaxRateBP]
		if !ok {
			k = len(d.TaxLines)
			byRate[l.TaxRateBP] = k
			d.TaxLines = append(d.TaxLines, TaxLine{RateBP: l.TaxRateBP})
		}
		d.TaxLines[k].NetMinor += l.NetMinor
		d.TaxLines[k].TaxMinor += l.TaxMinor
	}
	if d.TaxLines == nil {
		d.TaxLines = []TaxLine{}
	}
	if d.Lines == nil {
		d.Lines = []Line{}
	}
	d.TotalMinor = d.NetMinor + d.TaxMinor
}
