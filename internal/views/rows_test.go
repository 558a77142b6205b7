package views

import (
	"bytes"
	"context"
	"flag"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"portal/internal/i18n"
	"portal/internal/store"
)

var updateRows = flag.Bool("update-rows", false, "write the list rows' golden HTML (testdata/rows) from the current renderers")

// The list rows (rows.go) are written by hand, so that a row allocates nothing beyond the strings it must build
// (TestListRowAllocations). They were the templ templates' rows; these golden files are those templates' output,
// byte for byte, for every state a row shows, in English and German, with text that needs escaping; an invoice
// row's, in its table, for each kind and state, currencies with and without a German sign or decimals, and
// negative amounts.
func TestListRows_Golden(t *testing.T) {
	odd := `O'Brien & <Sons> "Ltd"`
	kept := i18n.Keep("waiting for the hosting platform: %s", "timeout")
	sites := map[string]store.Site{
		"site-active":        {ID: 7, Domain: "example.com", PHPMode: "php-fpm", QuotaMB: 1000, Active: true, State: store.StateActive, Apply: store.ApplyApplied, CustomerName: odd},
		"site-disabled":      {ID: 8, Domain: "b.example.com", PHPMode: "fast-cgi", SSL: true, QuotaMB: -1, State: store.StateActive, Apply: store.ApplyApplied, CustomerName: "C"},
		"site-applying":      {ID: 9, Domain: "c.example.com", PHPMode: "no", LetsEncrypt: true, SSL: true, QuotaMB: 12345, Active: true, State: store.StateActive, Apply: store.ApplyApplying, StateDetail: kept},
		"site-applying-bare": {ID: 123456789, Domain: "g.example.com", PHPMode: "php-fpm", Active: true, State: store.StateActive, Apply: store.ApplyApplying},
		"site-pending":       {ID: 10, Domain: "d.example.com", PHPMode: "odd", QuotaMB: 5, State: store.StatePending},
		"site-deleting":      {ID: 11, Domain: "e.example.com", PHPMode: "php-fpm", State: store.StateDeleting},
		"site-failed":        {ID: 12, Domain: "f.example.com", PHPMode: "php-fpm", State: store.StateFailed, StateDetail: "plain English & <old>"},
	}
	mails := map[string]store.MailDomain{
		"mail-active":        {ID: 7, Domain: "example.com", CustomerName: odd, Mailboxes: 1234, Active: true, State: store.StateActive, Apply: store.ApplyApplied},
		"mail-disabled":      {ID: 8, Domain: "b.example.com", CustomerName: "C", State: store.StateActive, Apply: store.ApplyApplied},
		"mail-applying":      {ID: 9, Domain: "c.example.com", Active: true, State: store.StateActive, Apply: store.ApplyApplying, StateDetail: kept},
		"mail-applying-bare": {ID: 123456789, Domain: "g.example.com", State: store.StateActive, Apply: store.ApplyApplying},
		"mail-pending":       {ID: 10, Domain: "d.example.com", State: store.StatePending},
		"mail-failed":        {ID: 12, Domain: "f.example.com", State: store.StateFailed, StateDetail: "plain English & <old>"},
	}
	customers := map[string]store.Customer{
		"customer-active":    {ID: 7, Kind: store.RoleClient, Name: odd, Company: odd, Email: "a@example.com", PlanName: "Basic & more", ResellerName: odd, State: store.StateActive, Suspension: store.SuspensionNone, CreatedAt: rowTime},
		"customer-direct":    {ID: 8, Kind: store.RoleClient, Name: "B", Email: "b@example.com", State: store.StatePending, Suspension: store.SuspensionNone, CreatedAt: rowTime},
		"customer-suspended": {ID: 9, Kind: store.RoleReseller, Name: "C", Email: "c@example.com", State: store.StateActive, Suspension: store.SuspensionSuspended, CreatedAt: rowTime},
		"customer-failed":    {ID: 10, Kind: store.RoleClient, Name: "D", Email: "d@example.com", State: store.StateFailed, Suspension: store.SuspensionUnsuspending, CreatedAt: rowTime},
		"customer-deleting":  {ID: 11, Kind: store.RoleClient, Name: "E", Email: "e@example.com", State: store.StateDeleting, Suspension: store.SuspensionNone, CreatedAt: rowTime},
	}
	day := func(s string) *time.Time {
		t, _ := time.Parse(time.DateOnly, s)
		return &t
	}
	// An invoice row as its table writes it, the table around one row (the golden files were the template's tables).
	invoices := map[string]InvoiceRow{
		"invoice-issued": {ID: 7, Number: "N-2026-0001", Kind: "invoice", State: "issued", Customer: odd, Issued: day("2026-01-05"), Due: day("2026-02-05"), Total: 123456, Open: 23456, Currency: "EUR"},
		"invoice-credit": {ID: 8, Number: "CN-1", Kind: "credit note", State: "issued", Customer: "C", Issued: day("2026-12-31"), Total: -5000, Currency: "USD"},
		"invoice-yen":    {ID: 123456789, Number: "<N&1>", Kind: "invoice", State: "paid", Customer: "D", Issued: day("2026-03-09"), Due: day("2026-04-08"), Total: 1234567, Currency: "JPY"},
		"invoice-franc":  {ID: 10, Number: "F-9", Kind: "invoice", State: "void", Customer: "E", Issued: day("2026-10-10"), Due: day("2026-11-10"), Total: 99, Currency: "CHF"},
		"invoice-pound":  {ID: 11, Number: "G-1", Kind: "invoice", State: "issued", Customer: "F", Issued: day("2026-07-01"), Due: day("2026-07-15"), Total: 100000000, Open: 5, Currency: "GBP"},
	}
	rows := map[string]templ.Component{}
	for name, r := range invoices {
		rows[name] = InvoiceTable([]InvoiceRow{r}, nil)
	}
	for name, s := range sites {
		rows[name] = SiteRow(s, false)
		rows[name+"-customer"] = SiteRow(s, true)
	}
	for name, d := range mails {
		rows[name] = MailDomainRow(d)
	}
	for name, c := range customers {
		rows[name] = CustomerRow(c, false)
		rows[name+"-reseller"] = CustomerRow(c, true)
	}
	for name, row := range rows {
		for _, l := range []i18n.Lang{i18n.En, i18n.De} {
			var buf bytes.Buffer
			if err := row.Render(i18n.With(context.Background(), l), &buf); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "rows", name+"."+string(l)+".html")
			if *updateRows {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s in %s:\n got %s\nwant %s", name, l, buf.Bytes(), want)
			}
		}
	}
}

// The writer escapes as html.EscapeString (and templ) do, whatever the text, and fill escapes the translated format
// and its value alike.
func FuzzHTMLWriter_EscapesLikeHTML(f *testing.F) {
	for _, s := range []string{"", "plain", `O'Brien & <Sons> "Ltd"`, "&amp;", "ü<>&'\"x", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		h := newHTMLWriter(context.Background(), &buf)
		h.esc(s)
		if want := html.EscapeString(s); buf.String() != want {
			t.Fatalf("esc(%q) = %q, want %q", s, buf.String(), want)
		}
		buf.Reset()
		h.fill("Delete %s", s)
		if want := html.EscapeString(Ts(context.Background(), "Delete %s", s)); buf.String() != want {
			t.Fatalf("fill(Delete %%s, %q) = %q, want %q", s, buf.String(), want)
		}
	})
}

// A row's text that needs escaping is escaped wherever the row writes it: the link, the accessible names and the
// confirmation.
func TestListRows_EscapeEveryUse(t *testing.T) {
	odd := `O'Brien & <Sons> "Ltd"`
	for name, row := range map[string]templ.Component{
		"site":        SiteRow(store.Site{ID: 1, Domain: odd, CustomerName: odd, State: store.StateActive, Active: true}, true),
		"mail domain": MailDomainRow(store.MailDomain{ID: 1, Domain: odd, CustomerName: odd, State: store.StateActive}),
		"customer": CustomerRow(store.Customer{ID: 1, Name: odd, Company: odd, Email: odd, PlanName: odd, ResellerName: odd,
			State: odd, Suspension: store.SuspensionNone, CreatedAt: rowTime}, true),
	} {
		var buf bytes.Buffer
		if err := row.Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.Contains(out, odd) || strings.Contains(out, "<Sons>") {
			t.Errorf("%s row writes the text unescaped: %s", name, out)
		}
		if n := strings.Count(out, html.EscapeString(odd)); n < 4 {
			t.Errorf("%s row writes the escaped text %d times, want at least 4: %s", name, n, out)
		}
	}
}
