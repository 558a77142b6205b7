package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/secret"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// secondPlatform starts another simulator and lets the app's tenancy service dial platforms added by admins, with
// passwords sealed under key. It returns the simulator and its API URL.
func (a *testApp) secondPlatform(key byte) (*ispsim.Sim, string, *secret.Box) {
	a.t.Helper()
	sim := ispsim.New()
	sim.AddRemoteUser("portal-b", "B-secret#2024", "")
	srv := httptest.NewServer(sim)
	a.t.Cleanup(srv.Close)
	box, err := secret.NewBox(bytes.Repeat([]byte{key}, 32))
	if err != nil {
		a.t.Fatal(err)
	}
	a.tenancy.SetPlatforms(testDialer(a.health), box)
	return sim, srv.URL + "/remote/json.php", box
}

func testDialer(h *PlatformHealth) tenancy.Dialer {
	return func(p store.Platform, password string) (tenancy.ISP, error) {
		return ispapi.New(ispapi.Config{URL: p.Endpoint, Username: p.RemoteUser, Password: password, ReadRetries: -1,
			Observe: h.For(p.ID).Observe})
	}
}

// TestPlatforms_TwoSideBySide: an admin adds a second ISPConfig (its login tested first, its password stored
// encrypted) and makes it the default; new resellers and their clients are created there and their sites land in
// that ISPConfig, while a customer of the first platform keeps using the first. Drift and the job queue are read
// per platform, and a restart loads the platform from the table.
func TestPlatforms_TwoSideBySide(t *testing.T) {
	app := newApp(t)
	app.health.Root = app.platform.ID
	app.account("admin@example.com", store.RoleAdmin, pw)
	ctx := context.Background()
	oldReseller := app.customer(store.RoleReseller, nil, "old-r@example.com")
	oldClient := app.customer(store.RoleClient, &oldReseller, "old-c@example.com")
	simB, urlB, box := app.secondPlatform(9)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")

	form := func(mod func(url.Values)) url.Values {
		f := url.Values{"name": {"second"}, "url": {urlB}, "user": {"portal-b"}, "password": {"B-secret#2024"},
			"tls_verify": {"y"}, "web_server_id": {"1"}, "mail_server_id": {"1"}, "default": {"y"}}
		if mod != nil {
			mod(f)
		}
		return f
	}
	// Bad input: a field error each, no 500, nothing stored, no call to the new panel.
	for field, mod := range map[string]func(url.Values){
		"name":           func(f url.Values) { f.Set("name", " ") },
		"url":            func(f url.Values) { f.Set("url", "ftp://panel/remote/json.php") },
		"user":           func(f url.Values) { f.Del("user") },
		"password":       func(f url.Values) { f.Set("password", "") },
		"web_server_id":  func(f url.Values) { f.Set("web_server_id", "zero") },
		"mail_server_id": func(f url.Values) { f.Set("mail_server_id", "-3") },
	} {
		resp := admin.post("/admin/platforms", form(mod))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-`+field+`"`) {
			t.Errorf("bad %s: %d, want 422 with its field error", field, resp.StatusCode)
		}
	}
	if n := simB.CallCount(); n != 0 {
		t.Errorf("invalid forms called the panel %d times", n)
	}
	// A wrong password: the login test fails and nothing is saved.
	resp := admin.post("/admin/platforms", form(func(f url.Values) { f.Set("password", "wrong") }))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "login test failed") {
		t.Fatalf("wrong password: %d %.500s", resp.StatusCode, resp.body)
	}
	if list, _ := store.NewPlatforms(app.pool).List(ctx); len(list) != 1 {
		t.Fatalf("a platform whose login failed was stored")
	}

	resp = admin.post("/admin/platforms", form(nil))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add platform: %d %.800s", resp.StatusCode, resp.body)
	}
	def, err := store.NewPlatforms(app.pool).Default(ctx)
	if err != nil || def.Name != "second" || def.Endpoint != urlB || def.RemoteUser != "portal-b" || !def.TLSVerify {
		t.Fatalf("default platform: %+v %v", def, err)
	}
	if bytes.Contains(def.PasswordEnc, []byte("B-secret")) || len(def.PasswordEnc) == 0 {
		t.Fatalf("password stored in plain text or not at all")
	}
	if pw, err := box.Open(def.PasswordEnc, tenancy.PasswordContext("second")); err != nil || pw != "B-secret#2024" {
		t.Fatalf("sealed password opens to %q, %v", pw, err)
	}
	if resp := admin.post("/admin/platforms", form(func(f url.Values) { f.Set("default", "") })); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.body, `data-testid="error-name"`) {
		t.Errorf("a second platform of the same name: %d", resp.StatusCode)
	}
	page := admin.get("/admin/platforms")
	if strings.Count(page.body, `data-testid="platform-row"`) != 2 || strings.Count(page.body, `data-testid="platform-default"`) != 1 {
		t.Fatalf("platforms page: %.2000s", page.body)
	}
	if resp := admin.post("/admin/platforms/"+idString(def.ID)+"/test", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test login: %d", resp.StatusCode)
	}
	if !strings.Contains(admin.get("/admin/platforms").body, "The login works.") {
		t.Errorf("test login: no success message")
	}

	// New customers go to the default platform, a reseller's clients to the reseller's.
	rplan := app.plan(nil, store.RoleReseller, "R on B", unlimited)
	callsA := app.sim.CallCount()
	if resp := admin.post("/admin/resellers", customerForm("Res B", "rb@example.com", "resb", rplan.ID)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create reseller: %d %.500s", resp.StatusCode, resp.body)
	}
	rb, err := store.NewCustomers(app.pool).ByID(ctx, *ptrID(t, app, "resb"))
	if err != nil || rb.PlatformID != def.ID || rb.State != store.StateActive {
		t.Fatalf("reseller: platform %d state %s (%v), want %d active", rb.PlatformID, rb.State, err, def.ID)
	}
	cplan := app.plan(&rb, store.RoleClient, "C on B", unlimited)
	cb := app.customer(store.RoleClient, &rb, "cb@example.com", cplan.ID)
	if cb.PlatformID != def.ID {
		t.Fatalf("reseller's client on platform %d, want %d", cb.PlatformID, def.ID)
	}
	if simB.Row("client", int(*cb.ISPClientID))["username"] != cb.ISPUsername {
		t.Fatalf("client not in the second ISPConfig")
	}
	if app.sim.CallCount() != callsA || app.simRowsWhere("client", "username", "resb") != 0 {
		t.Fatalf("the first ISPConfig was used for customers of the second")
	}

	// Objects are created on their customer's platform.
	clientB := app.browser()
	clientB.mustLogin("cb@example.com", pw, "/client")
	idB := createdID(t, clientB.post("/sites", siteForm("on-b.test")), "/sites/")
	clientA := app.browser()
	clientA.mustLogin("old-c@example.com", pw, "/client")
	idA := createdID(t, clientA.post("/sites", siteForm("on-a.test")), "/sites/")
	countIn := func(sim *ispsim.Sim, domain string) int {
		n := 0
		for _, r := range sim.Rows("web_domain") {
			if r["domain"] == domain {
				n++
			}
		}
		return n
	}
	if countIn(simB, "on-b.test") != 1 || countIn(app.sim, "on-b.test") != 0 || countIn(app.sim, "on-a.test") != 1 || countIn(simB, "on-a.test") != 0 {
		t.Fatalf("sites on the wrong platform: A has %v, B has %v", app.sim.Rows("web_domain"), simB.Rows("web_domain"))
	}
	if site, _ := store.NewSites(app.pool).ByID(ctx, idB); site.State != store.StateActive {
		t.Errorf("site on B: %s", site.State)
	}
	if site, _ := store.NewSites(app.pool).ByID(ctx, idA); site.State != store.StateActive || site.CustomerID != oldClient.ID {
		t.Errorf("site on A: %s", site.State)
	}

	// Drift and the job queue are per platform: one check of both finds nothing, one queue read per platform.
	if resp := admin.post("/admin/drift/run", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("drift run: %d", resp.StatusCode)
	}
	if got := app.driftFields(); len(got) != 0 {
		t.Errorf("drift across two platforms: %v", got)
	}
	a0, b0 := app.sim.CallCount("monitor_jobqueue_count"), simB.CallCount("monitor_jobqueue_count")
	if err := app.tenancy.CheckQueues(ctx); err != nil {
		t.Fatal(err)
	}
	if app.sim.CallCount("monitor_jobqueue_count")-a0 != 1 || simB.CallCount("monitor_jobqueue_count")-b0 != 1 {
		t.Errorf("queue reads: A %d, B %d; want 1 each", app.sim.CallCount("monitor_jobqueue_count")-a0, simB.CallCount("monitor_jobqueue_count")-b0)
	}
	// The second platform going down is its own: writes there fail fast, the first keeps working.
	simB.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	if isp, err := app.tenancy.ISP(def.ID); err != nil || isp.Probe(ctx) == nil {
		t.Fatalf("probe of the downed platform: %v", err)
	}
	if !app.health.For(def.ID).Down() || app.health.For(app.platform.ID).Down() {
		t.Fatalf("health: B down %v, A down %v", app.health.For(def.ID).Down(), app.health.For(app.platform.ID).Down())
	}
	if resp := clientB.post("/sites", siteForm("late-b.test")); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("write on the downed platform: %d, want 502", resp.StatusCode)
	}
	if !strings.Contains(clientB.get("/sites").body, `data-testid="platform-down-banner"`) ||
		strings.Contains(clientA.get("/sites").body, `data-testid="platform-down-banner"`) ||
		!strings.Contains(admin.get("/admin").body, `data-testid="platform-down-banner"`) {
		t.Errorf("the down banner: want it for B's client and admins, not for A's client")
	}
	createdID(t, clientA.post("/sites", siteForm("still-a.test")), "/sites/")
	simB.ClearFaults()

	// A restart loads the added platform from the table (with the same key); another key can't open it.
	restarted := tenancy.New(app.pool, map[int64]tenancy.ISP{app.platform.ID: app.isp}, nil)
	restarted.SetPlatforms(testDialer(app.health), box)
	if err := restarted.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if problem, err := restarted.TestPlatform(ctx, tenancy.Actor{}, def.ID); err != nil || problem != "" {
		t.Fatalf("after a restart: %q %v", problem, err)
	}
	wrongBox, _ := secret.NewBox(bytes.Repeat([]byte{1}, 32))
	other := tenancy.New(app.pool, map[int64]tenancy.ISP{app.platform.ID: app.isp}, nil)
	other.SetPlatforms(testDialer(app.health), wrongBox)
	_ = other.Reload(ctx)
	if _, err := other.ISP(def.ID); err == nil {
		t.Fatalf("a platform loaded with the wrong key")
	}

	// Making the first platform the default again.
	if resp := admin.post("/admin/platforms/"+idString(app.platform.ID)+"/default", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("make default: %d", resp.StatusCode)
	}
	if d, _ := store.NewPlatforms(app.pool).Default(ctx); d.ID != app.platform.ID {
		t.Errorf("default is %d, want %d", d.ID, app.platform.ID)
	}
}

// TestPlatforms_NoSecretKey: without a key the page says why platforms can't be added, and adding is refused.
func TestPlatforms_NoSecretKey(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	if page := admin.get("/admin/platforms"); !strings.Contains(page.body, `data-testid="platform-no-key"`) {
		t.Fatalf("no key: page lacks the explanation")
	}
	resp := admin.post("/admin/platforms", url.Values{"name": {"x"}, "url": {"https://p.test/remote/json.php"}, "user": {"u"},
		"password": {"p"}, "web_server_id": {"1"}, "mail_server_id": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "PORTAL_SECRET_KEY") {
		t.Fatalf("add without a key: %d %.300s", resp.StatusCode, resp.body)
	}
}
