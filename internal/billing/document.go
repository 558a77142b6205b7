package billing

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Party is a seller or buyer as printed on a document, frozen when the document is issued.
type Party struct {
	Name    string `json:"name"`    // legal name
	Address string `json:"address"` // postal address, lines separated by "\n"
	Country string `json:"country"` // ISO 3166-1 alpha-2, upper case
	TaxID   string `json:"tax_id"`  // VAT id or other tax number; "" if none
	Email   string `json:"email"`
}

// Line is one line of a document. Net = MulDivHalfUp(UnitMinor, Quantity, 1); Tax = MulDivHalfUp(Net, TaxRateBP, 10000).
// On a credit note amounts are negative.
type Line struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitMinor   int64  `json:"unit_minor"`
	NetMinor    int64  `json:"net_minor"`
	TaxRateBP   int64  `json:"tax_rate_bp"` // basis points: 1900 = 19 %
	TaxMinor    int64  `json:"tax_minor"`
	// PlanID is the plan a plan line charges for (0 on other lines and on documents issued before lines named
	// their plan; omitted then, so those documents keep their canonical bytes and hashes). Proration credits by it.
	PlanID int64 `json:"plan_id,omitempty"`
	// CreditsLine, on a credit note, is the 1-based number of the invoice's line it corrects (0: none named; omitted
	// then, so documents issued before it keep their bytes). A partial credit note may credit a line up to what
	// earlier credit notes left of it.
	CreditsLine int `json:"credits_line,omitempty"`
}

// TaxLine sums the lines of one rate.
type TaxLine struct {
	RateBP   int64 `json:"rate_bp"`
	NetMinor int64 `json:"net_minor"`
	TaxMinor int64 `json:"tax_minor"`
}

// Document is an invoice or credit note as issued: everything printed on it, in one value. Its canonical form
// (Canonical) is hashed when it is issued; the HTML view and the PDF are rendered from it and nothing else.
type Document struct {
	Kind          string    `json:"kind"` // "invoice" or "credit_note"
	Number        string    `json:"number"`
	IssuedOn      time.Time `json:"issued_on"` // a date (UTC midnight)
	DueOn         time.Time `json:"due_on"`
	PeriodFrom    time.Time `json:"period_from,omitzero"`
	PeriodTo      time.Time `json:"period_to,omitzero"`
	Credits       string    `json:"credits,omitempty"` // a credit note: the number of the invoice it corrects
	Seller        Party     `json:"seller"`
	Buyer         Party     `json:"buyer"`
	Currency      string    `json:"currency"`
	Lines         []Line    `json:"lines"`
	TaxLines      []TaxLine `json:"tax_lines"`
	NetMinor      int64     `json:"net_minor"`
	TaxMinor      int64     `json:"tax_minor"`
	TotalMinor    int64     `json:"total_minor"`
	ReverseCharge bool      `json:"reverse_charge"`
	Notes         []string  `json:"notes,omitempty"` // legal wording (reverse charge) and payment terms
}

// Canonical is the document's canonical encoding: JSON with the fields in declaration order, dates as RFC 3339
// UTC, no insignificant whitespace. The same Document always gives the same bytes.
func (d Document) Canonical() []byte {
	b, err := json.Marshal(d)
	if err != nil { // only unsupported types fail, and Document has none
		panic(err)
	}
	return b
}

// Hash is the hex SHA-256 of the canonical encoding, stored when the document is issued and shown on it.
func (d Document) Hash() string {
	sum := sha256.Sum256(d.Canonical())
	return hex.EncodeToString(sum[:])
}
