package billing_test

import (
	"context"
	"testing"

	"portal/internal/billing"
	"portal/internal/store"
)

// TestProration_CreditNoteCarriesVAT: with 19 % VAT, the credit note of a plan change carries the VAT of the lines
// it credits, so the customer pays VAT on the net difference only (within a cent per line of rounding), and a
// change on the first day of the period credits the original invoice exactly, tax included.
func TestProration_CreditNoteCarriesVAT(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	e.vat(nil, "DE", 1900)
	a, bp := e.plansAB()

	c := e.billedClient(nil, "vat-prorate", a)
	e.Clock.Set("2026-01-11") // 21 of 31 days left
	if err := e.Ten.ChangePlan(ctx, c.ID, bp.ID); err != nil {
		t.Fatal(err)
	}
	docs := e.invoices(c)
	if len(docs) != 3 {
		t.Fatalf("after the upgrade: %d documents, want 3", len(docs))
	}
	cn, up := docs[1], docs[2]
	if cn.NetMinor != -2032 || up.NetMinor != 4065 {
		t.Fatalf("nets: credit %d, upgrade %d; want -2032, 4065", cn.NetMinor, up.NetMinor)
	}
	diffTax := billing.MulDivHalfUp(cn.NetMinor+up.NetMinor, 1900, 10000)
	if got := cn.TaxMinor + up.TaxMinor; got < diffTax-2 || got > diffTax+2 {
		t.Fatalf("credit note tax %d + upgrade tax %d = %d, want the tax on the difference, %d (±2)", cn.TaxMinor, up.TaxMinor, got, diffTax)
	}
	dc, _ := billing.DocumentOf(cn)
	for _, l := range dc.Lines {
		if l.TaxRateBP != 1900 {
			t.Fatalf("credit line %q at %d bp, want 1900", l.Description, l.TaxRateBP)
		}
	}

	// A change on the first day of the period credits all of the period: the credit note cancels the invoice.
	e.Clock.Set("2026-01-01")
	c2 := e.billedClient(nil, "vat-prorate-day1", a)
	if err := e.Ten.ChangePlan(ctx, c2.ID, bp.ID); err != nil {
		t.Fatal(err)
	}
	docs = e.invoices(c2)
	if len(docs) != 3 {
		t.Fatalf("after the day-one upgrade: %d documents, want 3", len(docs))
	}
	if orig, cn := docs[0], docs[1]; orig.TotalMinor+cn.TotalMinor != 0 || orig.TaxMinor+cn.TaxMinor != 0 {
		t.Fatalf("original %d (tax %d) and credit note %d (tax %d) don't cancel", orig.TotalMinor, orig.TaxMinor, cn.TotalMinor, cn.TaxMinor)
	}
	if got := e.invoice(docs[0].ID); got.State != store.InvoiceVoid {
		t.Fatalf("original after a full credit: %s, want void", got.State)
	}
}
