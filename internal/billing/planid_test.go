package billing_test

import (
	"context"
	"testing"

	"portal/internal/billing"
	"portal/internal/store"
)

// TestProration_AfterPlanRename: the plan's line is found by the plan, not by its name; renaming the plan before an
// upgrade still credits the unused days.
func TestProration_AfterPlanRename(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	a, bp := e.plansAB()
	c := e.billedClient(nil, "rename", a)
	a.Name = "A (renamed)"
	if _, err := store.NewPlans(e.Pool).Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set("2026-01-11")
	if err := e.Ten.ChangePlan(ctx, c.ID, bp.ID); err != nil {
		t.Fatal(err)
	}
	docs := e.invoices(c)
	if len(docs) != 3 || docs[1].Kind != store.KindCreditNote || docs[1].TotalMinor != -2032 {
		t.Fatalf("after rename and upgrade: %d documents, want invoice, credit note of -2032, proration invoice", len(docs))
	}
}

// TestDocument_OldShapeHashUnchanged: documents issued before lines carried their plan keep their canonical bytes,
// so their stored hashes still verify.
func TestDocument_OldShapeHashUnchanged(t *testing.T) {
	raw := `{"kind":"invoice","number":"INV-000001","issued_on":"2026-01-01T00:00:00Z","due_on":"2026-01-01T00:00:00Z",` +
		`"seller":{"name":"S","address":"","country":"DE","tax_id":"","email":""},` +
		`"buyer":{"name":"B","address":"","country":"DE","tax_id":"","email":""},"currency":"EUR",` +
		`"lines":[{"description":"A (monthly)","quantity":1,"unit_minor":3000,"net_minor":3000,"tax_rate_bp":1900,"tax_minor":570}],` +
		`"tax_lines":[{"rate_bp":1900,"net_minor":3000,"tax_minor":570}],"net_minor":3000,"tax_minor":570,"total_minor":3570,"reverse_charge":false}`
	var d billing.Document
	if err := jsonUnmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if got := string(d.Canonical()); got != raw {
		t.Fatalf("canonical bytes changed:\n got %s\nwant %s", got, raw)
	}
}
