package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// hostileInputs are sent through every text field of every form.
var hostileInputs = []string{
	"<b>bold</b>", "<script>alert(1)</script>", "<>", `"double" and 'single'`, "line\nbreak", "cr\r\nlf", "tab\tx",
	"nul\x00byte", strings.Repeat("x", 300), strings.Repeat("é", 65), "\xff\xfe invalid", "Аdmin (Cyrillic A)",
	"100%_off", "%", "_", "a\u202eevil", "soft\u00adhyphen", "zero\u200bwidth", "ＦＵＬＬ", "emoji 🎉", "\u2028",
	"ПарольПароль1", "'; DROP TABLE accounts; --",
}

// checkCallValues fails when any ISPConfig call carried a text value that ISPConfig would alter or truncate.
func checkCallValues(t *testing.T, app *testApp, what string) {
	t.Helper()
	for _, c := range app.sim.Calls() {
		params, _ := c.Params["params"].(map[string]any)
		for _, key := range []string{"contact_name", "company_name", "contact_firstname", "name", "email", "login",
			"domain", "source", "destination", "username"} {
			v, ok := params[key].(string)
			if !ok {
				continue
			}
			if m := ispapi.CheckText(v, 255); m.Format != "" {
				t.Errorf("%s: %s sent %s=%q (%s)", what, c.Function, key, v, m)
			}
		}
		if pwd, ok := params["password"].(string); ok && (c.Function == "mail_user_add" || c.Function == "mail_user_update") {
			if !ispapi.Latin1Representable(pwd) {
				t.Errorf("%s: %s sent a password ISO-8859-1 can't represent", what, c.Function)
			}
		}
	}
}

// TestCustomerEdit_MarkupAndLineBreaksAreFieldErrors: before, a name of markup or with a line break reached
// ISPConfig, whose STRIPTAGS/STRIPNL emptied it, and came back as a 502 (contact_error_empty).
func TestCustomerEdit_MarkupAndLineBreaksAreFieldErrors(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleReseller, nil, "res@example.com")
	b := app.browser()
	b.mustLogin("admin@example.com", pw, "/admin")
	cases := []struct{ field, value string }{
		{"name", "<b></b>"}, {"name", "<script>x</script>"}, {"name", "Jane\nDoe"}, {"name", "Jane\r\nDoe"},
		{"name", strings.Repeat("n", 65)}, {"company", "<i>ACME</i>"}, {"company", "ACME\nInc"},
		{"company", strings.Repeat("c", 65)}, {"name", "a\u202eb"},
	}
	for _, tc := range cases {
		app.sim.ResetCalls()
		vals := url.Values{"name": {"Jane Doe"}, "company": {"ACME"}, "email": {"res@example.com"}}
		vals.Set(tc.field, tc.value)
		r := b.post(fmt.Sprintf("/customers/%d/edit", c.ID), vals)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `data-testid="error-`+tc.field+`"`) {
			t.Errorf("%s=%q: status %d, want 422 with a field error; body %.300s", tc.field, tc.value, r.StatusCode, r.body)
		}
		if n := app.sim.CallCount(); n != 0 {
			t.Errorf("%s=%q: %d ISPConfig calls, want 0", tc.field, tc.value, n)
		}
	}
	// A 64-character name with accents still fits varchar(64).
	r := b.post(fmt.Sprintf("/customers/%d/edit", c.ID), url.Values{"name": {strings.Repeat("é", 64)}, "company": {""}, "email": {"res@example.com"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("64 accented characters: status %d; %.300s", r.StatusCode, r.body)
	}
}

// TestHostileInput_EveryForm sends every hostile input through every text field of every form the portal has:
// no answer is a 5xx, and no ISPConfig call carries a value ISPConfig would alter.
func TestHostileInput_EveryForm(t *testing.T) {
	w := newMailWorld(t, withLocalhost) // a host name as the portal's address, so the passkey forms run their checks
	app := w.app
	md := app.fixtureMailDomain(w.client, "hostile.test", true)
	box := app.fixtureMailbox(w.client, md, "box@hostile.test")
	plan := app.plan(nil, store.RoleClient, "hostile plan", unlimited)
	type formCase struct {
		b      *browser
		path   string
		base   url.Values
		fields []string
	}
	forms := []formCase{
		{w.admin, "/admin/clients", url.Values{"name": {"N"}, "company": {""}, "email": {"new@example.com"}, "username": {"newuser"}, "password": {"Very-Good-Pass-1"}, "plan_id": {fmt.Sprint(plan.ID)}},
			[]string{"name", "company", "email", "username", "password"}},
		{w.admin, fmt.Sprintf("/customers/%d/edit", w.client.ID), url.Values{"name": {"N"}, "company": {""}, "email": {"cli@example.com"}},
			[]string{"name", "company", "email"}},
		{w.cb, fmt.Sprintf("/mail/%d/mailboxes", md), url.Values{"local": {"new"}, "name": {"Box"}, "password": {"Very-Good-Pass-1"}, "quota_mb": {"10"}},
			[]string{"local", "name", "password", "quota_mb"}},
		{w.cb, fmt.Sprintf("/mail/mailboxes/%d/password", box), url.Values{"password": {"Very-Good-Pass-1"}}, []string{"password"}},
		{w.cb, fmt.Sprintf("/mail/mailboxes/%d/quota", box), url.Values{"quota_mb": {"10"}}, []string{"quota_mb"}},
		{w.cb, fmt.Sprintf("/mail/%d/forwards", md), url.Values{"kind": {"forward"}, "local": {"fw"}, "destination": {"x@example.org"}},
			[]string{"kind", "local", "destination"}},
		{w.cb, "/mail", url.Values{"domain": {"ok.test"}}, []string{"domain"}},
		{w.cb, "/sites", siteForm("site.test"), []string{"domain", "php", "quota_mb", "traffic_mb"}},
		{w.rb, "/domains", url.Values{"domain": {"d.test"}, "customer_id": {fmt.Sprint(w.client.ID)}}, []string{"domain", "customer_id"}},
		{w.admin, "/admin/plans", url.Values{"name": {"P"}, "audience": {"client"}}, []string{"name", "audience", "max_sites"}},
		{w.cb, "/account/password", url.Values{"new_password": {"x"}, "confirm_password": {"x"}},
			[]string{"new_password", "confirm_password"}},
		{app.browser(), "/mailbox/password", url.Values{"email": {"box@hostile.test"}, "current_password": {"x"}, "new_password": {"Very-Good-Pass-1"}, "confirm_password": {"Very-Good-Pass-1"}},
			[]string{"email", "current_password", "new_password"}},
		{app.browser(), "/login", url.Values{"email": {"a@example.com"}, "password": {"x"}}, []string{"email", "password"}},
		{w.cb, "/account/passkeys/new", url.Values{"name": {"Laptop"}}, []string{"name"}},
		{w.cb, "/account/passkeys", url.Values{"name": {"Laptop"}, "credential": {"{}"}}, []string{"name", "credential"}},
		{app.browser(), "/login/2fa/passkey", url.Values{"credential": {"{}"}}, []string{"credential"}},
	}
	// Billing, payment and signup forms: the admin's on the operator's plan and invoice, the client's own details.
	inv := app.fixtureInvoice(w.client)
	forms = append(forms,
		formCase{w.admin, "/billing/settings", url.Values{"legal_name": {"Op"}, "address": {"Street 1"}, "country": {"DE"}, "currency": {"EUR"},
			"vat_rate": {"19"}, "number_prefix": {"INV-"}, "days_before": {"14"}, "payment_terms_days": {"14"}, "reminder_days": {"-7,1,3"},
			"suspend_after_days": {"5"}, "terminate_after_days": {"30"}},
			[]string{"legal_name", "address", "country", "tax_id", "email", "vat_rate", "number_prefix", "currency", "days_before", "reminder_days"}},
		formCase{w.admin, fmt.Sprintf("/billing/prices/%d", plan.ID), url.Values{"monthly": {"10.00"}},
			[]string{"monthly", "yearly", "setup_fee", "wholesale_monthly"}},
		formCase{w.admin, fmt.Sprintf("/invoices/%d/payments", inv), url.Values{"provider": {"bank"}, "amount": {"1.00"}, "reference": {"R1"}},
			[]string{"provider", "amount", "reference", "paid_on"}},
		formCase{w.admin, fmt.Sprintf("/customers/%d/subscription", w.client.ID), url.Values{"cycle": {"monthly"}}, []string{"cycle", "start"}},
		formCase{w.admin, fmt.Sprintf("/invoices/%d/credit", inv), url.Values{"partial": {"1"}, "line_0": {"1.00"}}, []string{"line_0", "line_1"}},
		formCase{w.cb, "/account/billing", url.Values{"legal_name": {"Cli"}, "country": {"DE"}}, []string{"legal_name", "address", "country", "vat_id"}},
		formCase{w.admin, "/admin/billing/stripe", url.Values{"publishable_key": {"pk_test_x0000000000000000"}}, []string{"publishable_key", "secret_key", "webhook_secret"}},
		formCase{w.cb, "/account/email", url.Values{"email": {"new@example.com"}}, []string{"email"}},
		formCase{w.admin, "/admin/signups/settings", url.Values{"terms_text": {"Terms"}, "terms_version": {"1"}}, []string{"terms_text", "terms_version"}},
		formCase{app.browser(), "/signup", url.Values{"name": {"V"}, "email": {"v@example.com"}, "password": {"Very-Good-Pass-1"}, "plan_id": {fmt.Sprint(plan.ID)}, "domain": {"v.test"}, "terms": {"yes"}},
			[]string{"name", "email", "password", "plan_id", "domain", "website"}},
	)
	sent := 0
	for _, f := range forms {
		for _, field := range f.fields {
			for _, v := range hostileInputs {
				vals := url.Values{}
				for k, vs := range f.base {
					vals[k] = vs
				}
				vals.Set(field, v)
				if field == "new_password" {
					vals.Set("confirm_password", v)
				}
				app.sim.ResetCalls()
				r := f.b.post(f.path, vals)
				sent++
				what := fmt.Sprintf("POST %s %s=%q", f.path, field, v)
				if r.StatusCode >= 500 {
					t.Errorf("%s: status %d: %.300s", what, r.StatusCode, r.body)
				}
				checkCallValues(t, app, what)
			}
		}
	}
	t.Logf("%d hostile posts, no 5xx", sent)
}
