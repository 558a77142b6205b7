package billing_test

import (
	"context"
	"testing"

	"portal/internal/store"
	"portal/internal/testenv"
)

// TestInvoiceList_CreditNotesApart: credit notes are not issued invoices: the "issued" filter lists only invoices
// still to be paid, and the totals show credit notes on a line of their own instead of netting them into the
// issued invoices' total.
func TestInvoiceList_CreditNotesApart(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 3000, 0)
	a := e.Customer(store.RoleClient, nil, unique("list-a"), p)
	b := e.Customer(store.RoleClient, nil, unique("list-b"), p)
	e.subscribe(a, "2026-01-01")
	e.subscribe(b, "2026-01-01")
	e.run()
	cn, err := e.B.CreditInvoice(ctx, e.Admin(), e.invoices(a)[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.B.Invoices(ctx, e.Admin(), store.InvoiceFilter{State: store.InvoiceIssued})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range list.Invoices {
		if inv.ID == cn.ID {
			t.Fatal("the issued filter lists a credit note")
		}
	}
	if len(list.Totals) != 1 || list.Totals[0].Kind != store.KindInvoiceDoc || list.Totals[0].Count != 1 || list.Totals[0].Total != 3000 {
		t.Fatalf("issued totals %+v, want one line: 1 invoice over 3000", list.Totals)
	}
	all, err := e.B.Invoices(ctx, e.Admin(), store.InvoiceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, tl := range all.Totals {
		got[tl.Kind+"/"+tl.State] = tl.Total
	}
	want := map[string]int64{"invoice/issued": 3000, "invoice/void": 3000, "credit_note/issued": -3000}
	if len(got) != len(want) {
		t.Fatalf("totals %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("totals %v, want %v", got, want)
		}
	}
}
