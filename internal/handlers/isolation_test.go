package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"portal/internal/store"
)

// route is one registered method and pattern with id parameters.
type route struct {
	method, pattern string
	params          []string
}

// idRoutes walks the router and returns every route whose pattern has a parameter.
func idRoutes(t *testing.T, h *Handler) []route {
	t.Helper()
	var out []route
	err := chi.Walk(h.router(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		var params []string
		for _, m := range paramRE.FindAllStringSubmatch(pattern, -1) {
			if !secretParams[m[1]] && !publicParams[m[1]] { // link secrets are no ids: their services check them (access tests)
				params = append(params, m[1])
			}
		}
		if len(params) > 0 {
			out = append(out, route{method, pattern, params})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].method+out[i].pattern < out[j].method+out[j].pattern })
	return out
}

// fill substitutes each parameter of pattern with the id of its kind in ids; it reports false when ids lacks one.
func fill(pattern string, ids map[store.Kind]int64) (string, bool) {
	ok := true
	path := paramRE.ReplaceAllStringFunc(pattern, func(m string) string {
		name := paramRE.FindStringSubmatch(m)[1]
		id, found := ids[paramKinds[name]]
		if !found {
			ok = false
		}
		return fmt.Sprint(id)
	})
	return path, ok
}

// TestIsolationSweep tries every id route with every other tenant's objects, as two clients of one reseller, a
// client of another reseller, two resellers, and a reseller impersonating its client. Every attempt must be a 404
// and cause zero ISPConfig calls. New id routes are covered automatically; a route that can't be exercised fails.
func TestIsolationSweep(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	c1a := app.customer(store.RoleClient, &r1, "c1a@example.com")
	c1b := app.customer(store.RoleClient, &r1, "c1b@example.com")
	c2a := app.customer(store.RoleClient, &r2, "c2a@example.com")
	opPlan := app.plan(nil, store.RoleClient, "operator plan", unlimited)
	r1Plan := app.plan(&r1, store.RoleClient, "r1 plan", unlimited)
	r2Plan := app.plan(&r2, store.RoleClient, "r2 plan", unlimited)

	owned := map[string]objects{
		"c1a": app.fullCustomer(c1a, "c1a"),
		"c1b": app.fullCustomer(c1b, "c1b"),
		"c2a": app.fullCustomer(c2a, "c2a"),
		// A reseller's own objects are its wholesale bill from the operator.
		"r1": {store.KindCustomer: r1.ID, store.KindInvoice: app.fixtureInvoice(r1)},
		"r2": {store.KindCustomer: r2.ID, store.KindInvoice: app.fixtureInvoice(r2)},
	}
	// A drift item is the admins' alone.
	driftID := app.insertObject(`INSERT INTO drift_items (platform_id, kind, problem) VALUES ($1, 'site', 'changed') RETURNING id`, app.platform.ID)
	// So is an outgoing email.
	outboxID := app.insertObject(`INSERT INTO outbox (kind, to_addr, subject, text_body, html_body, state) VALUES ('test', 'x@example.com', 's', 't', 'h', 'failed') RETURNING id`)
	// And a signup on the operator's own page.
	signupID := app.insertObject(`INSERT INTO signups (plan_id, name, email, password_hash, domain, username, terms_version,
		terms_accepted_at, terms_ip, token_hash, token_expires_at, state) VALUES ($1, 'V', 'v@example.com', 'x', 'v.example',
		'vexample', '1', now(), '192.0.2.1', sha256('v'::bytea), now(), 'failed') RETURNING id`, opPlan.ID)
	// Webhook events: each reseller's endpoint's are that reseller's (and the admins').
	eventOf := map[string]int64{}
	for tag, r := range map[string]store.Customer{"c1": r1, "c2": r2} {
		eventOf[tag] = app.insertObject(`INSERT INTO payment_events (provider, event_id, reseller_id, type, payload, outcome)
			VALUES ('stripe', $1, $2, 'checkout.session.completed', '{}', 'applied') RETURNING id`, "evt_"+tag, r.ID)
	}
	// A victim tuple is a foreign customer, a foreign owner's hosted objects, a plan and a drift item the attacker
	// may not see. Resellers own no hosted objects: their tuples borrow another foreign client's.
	victim := func(customer, objectsOf string, plan int64) objects {
		o := objects{store.KindPlan: plan, store.KindDrift: driftID, store.KindOutbox: outboxID, store.KindSignup: signupID,
			store.KindPlatform: app.platform.ID, store.KindPaymentEvent: eventOf[objectsOf[:2]]}
		for k, v := range owned[objectsOf] {
			o[k] = v
		}
		o[store.KindCustomer] = owned[customer][store.KindCustomer]
		return o
	}
	// billOf is a victim tuple whose invoice is reseller tag's own bill from the operator.
	billOf := func(o objects, tag string) objects {
		o[store.KindInvoice] = owned[tag][store.KindInvoice]
		return o
	}
	login := func(email string) *browser {
		b := app.browser()
		home := "/client"
		if strings.HasPrefix(email, "r") {
			home = "/reseller"
		}
		b.mustLogin(email, pw, home)
		return b
	}
	r1AsC1a := login("r1@example.com")
	if resp := r1AsC1a.post(fmt.Sprintf("/customers/%d/impersonate", c1a.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("r1 impersonating c1a: status %d", resp.StatusCode)
	}
	attackers := []struct {
		name    string
		b       *browser
		victims []objects
	}{
		{"client c1a", login("c1a@example.com"), []objects{victim("c1b", "c1b", r1Plan.ID), victim("c2a", "c2a", r2Plan.ID), billOf(victim("r1", "c1b", opPlan.ID), "r1")}},
		{"client c1b", login("c1b@example.com"), []objects{victim("c1a", "c1a", r1Plan.ID), victim("c2a", "c2a", opPlan.ID)}},
		{"client c2a (other reseller)", login("c2a@example.com"), []objects{victim("c1a", "c1a", r2Plan.ID), billOf(victim("r2", "c1a", r1Plan.ID), "r2")}},
		{"reseller r1", login("r1@example.com"), []objects{victim("c2a", "c2a", r2Plan.ID), billOf(victim("r2", "c2a", opPlan.ID), "r2"), victim("r1", "c2a", r2Plan.ID)}},
		{"reseller r2", login("r2@example.com"), []objects{victim("c1a", "c1a", r1Plan.ID), billOf(victim("r1", "c1b", opPlan.ID), "r1")}},
		{"r1 impersonating c1a", r1AsC1a, []objects{victim("c1b", "c1b", r1Plan.ID), victim("c2a", "c2a", r2Plan.ID), billOf(victim("c2a", "c2a", r2Plan.ID), "r1")}},
	}

	routes := idRoutes(t, app.h)
	if len(routes) < 10 {
		t.Fatalf("only %d id routes found; the walk is broken", len(routes))
	}
	// Routes whose refusal matters most must be in the walk (an admin's reset of another account's second
	// factors: resellers may not reset even their own clients'; that is TestResetSecondFactors).
	for _, must := range []string{"POST /customers/{customerID}/second-factors/reset", "POST /customers/{customerID}/delete"} {
		found := false
		for _, rt := range routes {
			found = found || rt.method+" "+rt.pattern == must
		}
		if !found {
			t.Fatalf("the walk misses %s", must)
		}
	}
	app.sim.ResetCalls()
	tried := 0
	for _, rt := range routes {
		for _, a := range attackers {
			for _, v := range a.victims {
				path, ok := fill(rt.pattern, v)
				if !ok {
					t.Fatalf("route %s %s can't be exercised: the fixture has no object for one of %v", rt.method, rt.pattern, rt.params)
				}
				var resp response
				if rt.method == http.MethodGet {
					resp = a.b.get(path)
				} else {
					resp = a.b.post(path, url.Values{})
				}
				tried++
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %s %s: status %d, want 404", a.name, rt.method, path, resp.StatusCode)
				}
			}
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("the sweep caused %d ISPConfig calls, want 0: %v", n, app.sim.Calls())
	}
	t.Logf("isolation sweep: %d routes, %d attempts, all 404, zero ISPConfig calls", len(routes), tried)

	// Form fields that name a domain: every create form, as every attacker, with every name another tenant's site,
	// mail domain or domain entry uses, spelled as it is, in capitals with a trailing dot, and as a subdomain.
	// Each is a field error (422) with no ISPConfig call and nothing recorded.
	forms := []struct {
		path  string
		form  func(domain string) url.Values
		roles string // who may post it: "any" or "managers"
	}{
		{"/sites", siteForm, "any"},
		{"/mail", func(d string) url.Values { return url.Values{"domain": {d}} }, "any"},
		{"/domains", func(d string) url.Values { return url.Values{"domain": {d}} }, "managers"},
	}
	ownClient := map[string]int64{"reseller r1": c1a.ID, "reseller r2": c2a.ID}
	before := countRows(t, app, `SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM mail_domains) + (SELECT count(*) FROM domains)`)
	for _, a := range attackers {
		for _, v := range a.victims {
			owner := ""
			for tag, o := range owned {
				if o[store.KindSite] != 0 && o[store.KindSite] == v[store.KindSite] {
					owner = tag
				}
			}
			if owner == "" {
				t.Fatalf("no owner tag for a victim of %s", a.name)
			}
			for _, name := range []string{owner + "-site.test", owner + "-mail.test", owner + "-domain.test"} {
				for _, spelled := range []string{name, strings.ToUpper(name) + ".", "www." + name} {
					for _, f := range forms {
						if f.roles == "managers" && ownClient[a.name] == 0 {
							continue
						}
						vals := f.form(spelled)
						if id := ownClient[a.name]; id != 0 {
							vals.Set("customer_id", fmt.Sprint(id))
						}
						resp := a.b.post(f.path, vals)
						if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-domain"`) {
							t.Errorf("%s: POST %s domain=%s: status %d, want 422 with an error at the domain field", a.name, f.path, spelled, resp.StatusCode)
						}
					}
				}
			}
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("domain fields caused %d ISPConfig calls, want 0", n)
	}
	if after := countRows(t, app, `SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM mail_domains) + (SELECT count(*) FROM domains)`); after != before {
		t.Fatalf("domain fields recorded %d objects", after-before)
	}

	// Positive control: every GET id route answers something other than 404 to somebody allowed to see the
	// objects, so the sweep's 404s mean refusal, not a broken route.
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	legit := []struct {
		b   *browser
		ids objects
	}{
		{admin, victim("c1a", "c1a", opPlan.ID)},
		{login("r1@example.com"), victim("c1a", "c1a", r1Plan.ID)},
		{login("c1a@example.com"), victim("c1a", "c1a", 0)},
	}
	for _, rt := range routes {
		if rt.method != http.MethodGet {
			continue
		}
		reached := false
		for _, l := range legit {
			path, _ := fill(rt.pattern, l.ids)
			if resp := l.b.get(path); resp.StatusCode != http.StatusNotFound {
				reached = true
				break
			}
		}
		if !reached {
			t.Errorf("GET %s answers 404 even to the objects' owners", rt.pattern)
		}
	}
}
