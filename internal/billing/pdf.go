package billing

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// RenderPDF renders an issued invoice or credit note as an A4 PDF: seller and buyer (with their tax ids), number,
// dates and period, the lines with quantity, unit price, tax rate and net amount, the tax per rate, the totals, the
// notes (reverse-charge wording) and, in every page's footer, hash — the SHA-256 stored when the document was
// issued. The output depends on doc and hash only: the PDF's dates are the issue date, so rendering the same
// document again gives the same bytes.
//
// fpdf's core fonts are cp1252; text is translated from UTF-8, so €, £ and umlauts print, and characters cp1252
// lacks print as ".".
func RenderPDF(doc Document, hash string) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(doc.IssuedOn)
	pdf.SetModificationDate(doc.IssuedOn)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 25)
	pdf.AliasNbPages("{nb}")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	r := renderer{pdf: pdf, tr: tr, doc: doc}
	title := "Invoice"
	if doc.Kind == "credit_note" {
		title = "Credit note"
	}
	pdf.SetTitle(title+" "+doc.Number, true)
	pdf.SetAuthor(doc.Seller.Name, true)
	pdf.SetCreator("portal", true)
	pdf.SetProducer("portal", true)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-18)
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 3.5, tr("SHA-256 of this document: "+hash), "T", 1, "L", false, 0, "")
		pdf.CellFormat(0, 3.5, tr(fmt.Sprintf("%s %s · page %d of {nb}", title, doc.Number, pdf.PageNo())), "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	r.header(title)
	r.parties()
	r.lines()
	r.totals()
	r.notes()

	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("billing: pdf %s: %w", doc.Number, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("billing: pdf %s: %w", doc.Number, err)
	}
	return buf.Bytes(), nil
}

type renderer struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
	doc Document
}

// The table's columns (mm; the text width is 170).
const (
	colDesc = 82.0
	colQty  = 14.0
	colUnit = 28.0
	colRate = 18.0
	colNet  = 28.0
	rowH    = 5.0
)

func (r renderer) text(style string, size float64) { r.pdf.SetFont("Helvetica", style, size) }

// header prints the seller at the top left and the title, number and dates at the right.
func (r renderer) header(title string) {
	p, d := r.pdf, r.doc
	top := p.GetY()
	r.text("B", 11)
	p.MultiCell(95, 5, r.tr(d.Seller.Name), "", "L", false)
	r.text("", 9)
	for _, l := range partyLines(d.Seller) {
		p.MultiCell(95, 4.2, r.tr(l), "", "L", false)
	}
	leftEnd := p.GetY()

	p.SetXY(120, top)
	r.text("B", 18)
	p.CellFormat(70, 9, r.tr(title), "", 2, "R", false, 0, "")
	r.text("", 9)
	kv := [][2]string{{"Number", d.Number}, {"Date of issue", date(d.IssuedOn)}}
	if !d.DueOn.IsZero() {
		kv = append(kv, [2]string{"Due", date(d.DueOn)})
	}
	switch {
	case !d.PeriodFrom.IsZero() && !d.PeriodTo.IsZero():
		kv = append(kv, [2]string{"Period", date(d.PeriodFrom) + " – " + date(d.PeriodTo)})
	case !d.PeriodFrom.IsZero():
		kv = append(kv, [2]string{"Period from", date(d.PeriodFrom)})
	case !d.PeriodTo.IsZero():
		kv = append(kv, [2]string{"Period until", date(d.PeriodTo)})
	}
	if d.Credits != "" {
		kv = append(kv, [2]string{"Corrects invoice", d.Credits})
	}
	for _, e := range kv {
		p.SetX(120)
		r.text("", 9)
		p.CellFormat(30, 4.8, r.tr(e[0]), "", 0, "L", false, 0, "")
		r.text("B", 9)
		p.CellFormat(40, 4.8, r.tr(e[1]), "", 1, "R", false, 0, "")
	}
	p.SetY(max(leftEnd, p.GetY()) + 10)
}

// parties prints the buyer's block.
func (r renderer) parties() {
	p, b := r.pdf, r.doc.Buyer
	r.text("", 8)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(0, 4, r.tr("Bill to"), "", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	r.text("B", 10)
	p.MultiCell(100, 5, r.tr(b.Name), "", "L", false)
	r.text("", 9)
	for _, l := range partyLines(b) {
		p.MultiCell(100, 4.2, r.tr(l), "", "L", false)
	}
	p.Ln(8)
}

// partyLines is a party's address, country, tax id and email, one printed line each.
func partyLines(pt Party) []string {
	var out []string
	for _, l := range strings.Split(pt.Address, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if pt.Country != "" {
		out = append(out, pt.Country)
	}
	if pt.TaxID != "" {
		out = append(out, "VAT id: "+pt.TaxID)
	}
	if pt.Email != "" {
		out = append(out, pt.Email)
	}
	return out
}

// lines prints the table of lines; descriptions wrap, and the header repeats on a new page.
func (r renderer) lines() {
	p, d := r.pdf, r.doc
	head := func() {
		r.text("B", 8.5)
		p.SetFillColor(235, 235, 235)
		p.CellFormat(colDesc, 6, r.tr("Description"), "B", 0, "L", true, 0, "")
		p.CellFormat(colQty, 6, r.tr("Qty"), "B", 0, "R", true, 0, "")
		p.CellFormat(colUnit, 6, r.tr("Unit price"), "B", 0, "R", true, 0, "")
		p.CellFormat(colRate, 6, r.tr("VAT"), "B", 0, "R", true, 0, "")
		p.CellFormat(colNet, 6, r.tr("Net"), "B", 1, "R", true, 0, "")
	}
	head()
	_, pageH := p.GetPageSize()
	_, _, _, bottom := p.GetMargins()
	for _, l := range d.Lines {
		r.text("", 9)
		desc := p.SplitLines([]byte(r.tr(l.Description)), colDesc-2)
		h := rowH * float64(max(len(desc), 1))
		if p.GetY()+h > pageH-bottom {
			p.AddPage()
			head()
			r.text("", 9)
		}
		x, y := p.GetXY()
		for i, part := range desc {
			p.SetXY(x, y+float64(i)*rowH)
			p.CellFormat(colDesc, rowH, string(part), "", 0, "L", false, 0, "")
		}
		p.SetXY(x+colDesc, y)
		p.CellFormat(colQty, rowH, strconv.FormatInt(l.Quantity, 10), "", 0, "R", false, 0, "")
		p.CellFormat(colUnit, rowH, r.tr(money(l.UnitMinor, d.Currency)), "", 0, "R", false, 0, "")
		p.CellFormat(colRate, rowH, r.tr(rate(l.TaxRateBP)), "", 0, "R", false, 0, "")
		p.CellFormat(colNet, rowH, r.tr(money(l.NetMinor, d.Currency)), "", 1, "R", false, 0, "")
		p.SetXY(x, y+h)
		p.Line(x, y+h, x+colDesc+colQty+colUnit+colRate+colNet, y+h)
	}
	p.Ln(4)
}

// totals prints the net total, the tax of each rate, the tax total and the total.
func (r renderer) totals() {
	p, d := r.pdf, r.doc
	const labelW, amountW = 62.0, 28.0
	x := 20 + colDesc + colQty + colUnit + colRate + colNet - labelW - amountW
	row := func(style, label, amount string) {
		p.SetX(x)
		r.text(style, 9)
		p.CellFormat(labelW, rowH, r.tr(label), "", 0, "R", false, 0, "")
		p.CellFormat(amountW, rowH, r.tr(amount), "", 1, "R", false, 0, "")
	}
	row("", "Net total", money(d.NetMinor, d.Currency))
	for _, t := range d.TaxLines {
		row("", fmt.Sprintf("VAT %s on %s", rate(t.RateBP), money(t.NetMinor, d.Currency)), money(t.TaxMinor, d.Currency))
	}
	row("", "VAT total", money(d.TaxMinor, d.Currency))
	p.Line(x, p.GetY()+0.5, x+labelW+amountW, p.GetY()+0.5)
	p.Ln(1)
	label := "Total due"
	if d.Kind == "credit_note" {
		label = "Total credited"
	}
	row("B", label, money(d.TotalMinor, d.Currency))
	p.Ln(6)
}

// notes prints the legal wording (reverse charge) and any other notes.
func (r renderer) notes() {
	p, d := r.pdf, r.doc
	r.text("", 9)
	if d.ReverseCharge && !slices.ContainsFunc(d.Notes, func(n string) bool { return strings.Contains(strings.ToLower(n), "reverse charge") }) {
		r.text("B", 9)
		p.MultiCell(0, 4.5, r.tr("Reverse charge: VAT is due by the recipient of the service."), "", "L", false)
		r.text("", 9)
	}
	for _, n := range d.Notes {
		p.MultiCell(0, 4.5, r.tr(n), "", "L", false)
		p.Ln(1)
	}
}

// date prints a document date (its UTC calendar day).
func date(t time.Time) string { return t.UTC().Format("2006-01-02") }

// money prints an amount with its currency's symbol where cp1252 has one, and the ISO code otherwise.
func money(minor int64, currency string) string {
	sym := map[string]string{"EUR": "€", "GBP": "£", "USD": "$"}[currency]
	if sym == "" {
		sym = currency
	}
	return FormatMinor(minor, currency) + " " + sym
}

// rate prints a tax rate in basis points as a percentage: 1900 → "19 %", 750 → "7.5 %".
func rate(bp int64) string {
	s := FormatMinor(bp, "")
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	return s + " %"
}
