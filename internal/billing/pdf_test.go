package billing

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// sampleInvoice is a reseller's invoice to a client in another EU country, with umlauts and € in its text.
func sampleInvoice() Document {
	lines := []Line{
		{Description: "Webhosting „Größe M“ – Jänner, mit einem sehr langen Beschreibungstext, der in der Tabelle umbrechen muss", Quantity: 1, UnitMinor: 1999},
		{Description: "Einrichtungsgebühr", Quantity: 2, UnitMinor: 500},
		{Description: "Zusätzliche Postfächer", Quantity: 3, UnitMinor: 149},
	}
	doc := Document{Kind: "invoice", Number: "R7-2026-00042", IssuedOn: day("2026-11-17"), DueOn: day("2026-12-01"),
		PeriodFrom: day("2026-12-01"), PeriodTo: day("2026-12-31"),
		Seller:   Party{Name: "Müller Hosting GmbH", Address: "Hauptstraße 5\n80331 München", Country: "DE", TaxID: "DE123456789", Email: "rechnung@mueller.example"},
		Buyer:    Party{Name: "Ærøskøbing ApS", Address: "Vestergade 1\n5970 Ærøskøbing", Country: "DK", TaxID: "DK12345678", Email: "bo@aero.example"},
		Currency: "EUR", ReverseCharge: true,
		Notes: []string{"Reverse charge: the recipient is liable for VAT (Art. 196 Directive 2006/112/EC).", "Zahlbar ohne Abzug bis 01.12.2026."}}
	for _, l := range lines {
		l.NetMinor = MulDivHalfUp(l.UnitMinor, l.Quantity, 1)
		doc.Lines = append(doc.Lines, l)
		doc.NetMinor += l.NetMinor
	}
	doc.TaxLines = []TaxLine{{RateBP: 0, NetMinor: doc.NetMinor}}
	doc.TotalMinor = doc.NetMinor
	return doc
}

// pdfText is the text a PDF viewer would extract from fpdf's output, good enough for tests: every content
// stream is inflated and the string operands of its text operators are decoded from cp1252.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	var out strings.Builder
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(pdf, -1)
	if len(streams) == 0 {
		t.Fatal("the PDF has no streams")
	}
	str := regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
	for _, s := range streams {
		zr, err := zlib.NewReader(bytes.NewReader(s[1]))
		if err != nil {
			continue // not a compressed content stream (fonts are built in)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			continue
		}
		for _, m := range str.FindAllSubmatch(raw, -1) {
			unescaped := regexp.MustCompile(`\\(.)`).ReplaceAll(m[1], []byte("$1"))
			text, err := charmap.Windows1252.NewDecoder().Bytes(unescaped)
			if err != nil {
				t.Fatal(err)
			}
			out.Write(text)
			out.WriteByte('\n')
		}
	}
	return out.String()
}

func TestRenderPDF_Deterministic(t *testing.T) {
	doc := sampleInvoice()
	hash := doc.Hash()
	a, err := RenderPDF(doc, hash)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderPDF(doc, hash)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("the same document rendered twice gave different bytes (%d and %d bytes)", len(a), len(b))
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatalf("output starts with %q, want a PDF header", a[:min(len(a), 8)])
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20261117")) {
		t.Error("the creation date is not the issue date")
	}
	// The hash must stay stable across rendering: it is over the document, not the PDF.
	if doc.Hash() != hash {
		t.Fatal("rendering changed the document's hash")
	}

	other := doc
	other.Number = "R7-2026-00043"
	c, err := RenderPDF(other, other.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("a different document rendered the same bytes")
	}
}

func TestRenderPDF_Text(t *testing.T) {
	doc := sampleInvoice()
	hash := doc.Hash()
	out, err := RenderPDF(doc, hash)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, out)
	for _, want := range []string{
		"Invoice", "R7-2026-00042", hash, "2026-11-17", "2026-12-01 – 2026-12-31",
		"Müller Hosting GmbH", "Hauptstraße 5", "80331 München", "VAT id: DE123456789",
		"Ærøskøbing ApS", "VAT id: DK12345678",
		"Einrichtungsgebühr", "Zusätzliche Postfächer", "19.99 €", "10.00 €", "4.47 €", "0 %",
		"Net total", "34.46 €", "Total due", "Reverse charge: the recipient is liable for VAT", "Zahlbar ohne Abzug",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q; it has:\n%s", want, text)
		}
	}
	// The note carries the wording already: the default sentence is not added a second time.
	if strings.Count(strings.ToLower(text), "reverse charge") != 1 {
		t.Errorf("reverse-charge wording printed %d times, want 1", strings.Count(strings.ToLower(text), "reverse charge"))
	}
}

func TestRenderPDF_CreditNote(t *testing.T) {
	inv := sampleInvoice()
	cn := Document{Kind: "credit_note", Number: "R7-CN-2026-00003", IssuedOn: day("2026-11-20"), Credits: inv.Number,
		Seller: inv.Seller, Buyer: Party{Name: "Kunde AG", Country: "DE"}, Currency: "EUR"}
	l := Line{Description: "Gutschrift Webhosting", Quantity: 1, UnitMinor: -1999, NetMinor: -1999, TaxRateBP: 1900}
	l.TaxMinor = MulDivHalfUp(l.NetMinor, l.TaxRateBP, 10000)
	cn.Lines = []Line{l}
	cn.TaxLines = []TaxLine{{RateBP: 1900, NetMinor: l.NetMinor, TaxMinor: l.TaxMinor}}
	cn.NetMinor, cn.TaxMinor, cn.TotalMinor = l.NetMinor, l.TaxMinor, l.NetMinor+l.TaxMinor
	out, err := RenderPDF(cn, cn.Hash())
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, out)
	for _, want := range []string{"Credit note", "R7-CN-2026-00003", "Corrects invoice", inv.Number, cn.Hash(),
		"-19.99 €", "VAT 19 % on -19.99 €", "-3.80 €", "-23.79 €", "Total credited"} {
		if !strings.Contains(text, want) {
			t.Errorf("the credit note's text lacks %q; it has:\n%s", want, text)
		}
	}
	if strings.Contains(strings.ToLower(text), "reverse charge") {
		t.Error("a credit note without reverse charge prints reverse-charge wording")
	}
}

func TestRenderPDF_ManyLines(t *testing.T) {
	doc := sampleInvoice()
	for i := 0; i < 80; i++ {
		doc.Lines = append(doc.Lines, Line{Description: "Zusatzleistung", Quantity: 1, UnitMinor: 100, NetMinor: 100})
	}
	out, err := RenderPDF(doc, doc.Hash())
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, out)
	if !strings.Contains(text, "page 2 of") {
		t.Fatalf("80 more lines did not make a second page")
	}
	if n := strings.Count(text, doc.Hash()); n < 2 {
		t.Fatalf("the hash is printed on %d pages, want every page", n)
	}
}
