package handlers

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-chi/chi/v5"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_EveryPageAccessibleAndFits opens every page (every GET route, ids filled with the role's own objects)
// as an admin, a reseller and a client, at desktop width and on a 390 px phone, in English and then in German (the
// account's own choice, made on /account/language in the same session, then also the browser's, for the pages
// without an account), in real Chromium, and fails on any serious or critical axe-core violation, on any page
// wider than the screen, and on a German page that isn't German.
func TestBrowser_EveryPageAccessibleAndFits(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	c1 := app.customer(store.RoleClient, &r1, "c1@example.com")
	own := app.fullCustomer(c1, "c1")
	// Site and mail pages with every line of Access & DNS and Mail setup filled (hostux).
	app.saveSettings(store.PlatformSettings{WebIPv4: "192.0.2.10", WebIPv6: "2001:db8::10", SFTPHost: "sftp.example.net",
		IMAPHost: "imap.example.net", IMAPPort: 993, POP3Host: "pop.example.net", POP3Port: 995, SMTPHost: "smtp.example.net",
		SMTPPort: 587, WebmailURL: "https://webmail.example.net/", MXHosts: "mx1.example.net mx2.example.net", SPF: "v=spf1 mx -all"})
	app.insertObject(`INSERT INTO site_usage (site_id, disk_used_kb, traffic_month_bytes, system_user, observed_at)
		VALUES ($1, 512000, 123456789, 'web1', now()) RETURNING site_id`, own[store.KindSite])
	app.insertObject(`INSERT INTO mail_domain_dkim (mail_domain_id, selector, public_key, observed_at)
		VALUES ($1, 'default', $2, now()) RETURNING mail_domain_id`, own[store.KindMailDomain], testDKIMKey)
	app.insertObject(`INSERT INTO mailbox_usage (mailbox_id, used_bytes, observed_at) VALUES ($1, 52428800, now())
		RETURNING mailbox_id`, own[store.KindMailbox])
	r1Plan := app.plan(&r1, store.RoleClient, "r1 plan", unlimited)
	opPlan := app.plan(nil, store.RoleClient, "operator plan", unlimited)
	driftID := app.insertObject(`INSERT INTO drift_items (platform_id, kind, problem) VALUES ($1, 'site', 'changed') RETURNING id`, app.platform.ID)
	outboxID := app.insertObject(`INSERT INTO outbox (kind, to_addr, subject, text_body, html_body, state) VALUES ('test', 'x@example.com', 's', 't', 'h', 'failed') RETURNING id`)
	signupID := app.insertObject(`INSERT INTO signups (plan_id, name, email, password_hash, domain, username, terms_version,
		terms_accepted_at, terms_ip, token_hash, token_expires_at, state) VALUES ($1, 'V', 'v@example.com', 'x', 'v.example',
		'vexample', '1', now(), '192.0.2.1', sha256('v'::bytea), now(), 'failed') RETURNING id`, opPlan.ID)
	eventID := app.insertObject(`INSERT INTO payment_events (provider, event_id, reseller_id, type, payload, outcome)
		VALUES ('stripe', 'evt_a11y', $1, 'checkout.session.completed', '{}', 'applied') RETURNING id`, r1.ID)
	ids := func(plan int64) objects {
		o := objects{store.KindPlan: plan, store.KindDrift: driftID, store.KindOutbox: outboxID, store.KindSignup: signupID,
			store.KindPlatform: app.platform.ID, store.KindPaymentEvent: eventID}
		for k, v := range own {
			o[k] = v
		}
		return o
	}

	// Every GET route that renders a page; ids come from the fixture, link secrets and slugs are left out.
	var pages []string
	notPages := []string{"/healthz", "/readyz", "/metrics", "/static/", "/pdf", "/logout"}
	err := chi.Walk(app.h.router(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet || strings.ContainsAny(pattern, "*") {
			return nil
		}
		for _, m := range paramRE.FindAllStringSubmatch(pattern, -1) {
			if secretParams[m[1]] || publicParams[m[1]] {
				return nil
			}
		}
		for _, skip := range notPages {
			if strings.Contains(pattern, skip) {
				return nil
			}
		}
		pages = append(pages, pattern)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	roles := []struct {
		email, home string
		plan        int64
	}{{"admin@example.com", "/admin", opPlan.ID}, {"r1@example.com", "/reseller", r1Plan.ID}, {"c1@example.com", "/client", 0}}

	// The roles run side by side, each in its own Chromium: most of a page view is waiting for the page and axe,
	// so this shortens the run on a small machine.
	var checked atomic.Int64
	t.Run("roles", func(t *testing.T) {
		for _, role := range roles {
			t.Run(role.email, func(t *testing.T) {
				t.Parallel()
				// Which pages this role may open, asked over plain HTTP first: the browser then opens only those.
				hb := app.browser()
				hb.t = t
				hb.mustLogin(role.email, pw, role.home)
				var mine []string
				for _, pattern := range pages {
					path, ok := fill(pattern, ids(role.plan))
					if !ok {
						t.Fatalf("page %s can't be opened: the fixture has no object for it", pattern)
					}
					if resp := hb.get(path); resp.StatusCode == 200 && strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
						mine = append(mine, path)
					}
				}
				if len(mine) < 8 {
					t.Fatalf("%s may open only %d pages: %v", role.email, len(mine), mine)
				}
				b := browsertest.New(t)
				b.Step("sign in as "+role.email, func() {
					b.Go(app.srv.URL+"/", browsertest.Visible(`[data-testid="login-form"]`))
					b.Fill(`#f-email`, role.email)
					b.Fill(`#f-password`, pw)
					b.Click(`[data-testid="login-form"] button[type="submit"]`, browsertest.JS("signed in", `location.pathname === "`+role.home+`"`))
				})
				for _, lang := range []string{"en", "de"} {
					if lang == "de" {
						// The same session switches to German through the account's own choice, as a person would.
						b.Step("choose German as "+role.email, func() {
							b.Go(app.srv.URL+"/account/language", browsertest.Visible(`[data-testid="language-form"]`))
							b.Select(`#f-language`, "de")
							b.Click(`[data-testid="language-form"] button[type="submit"]`,
								browsertest.JS("German home page", `document.documentElement.lang === "de" && location.pathname === "`+role.home+`"`))
							if got := b.Text(`[data-testid="flash"]`); got != "Die Sprache ist gespeichert." {
								t.Errorf("%s: the confirmation after choosing German reads %q", role.email, got)
							}
						})
						// Pages anyone may open (no account yet) follow the browser: it is set to German from here on.
						b.AcceptLanguage("de")
					}
					for _, width := range []int64{1280, 390} {
						b.Viewport(width, 900)
						for _, path := range mine {
							b.Go(app.srv.URL+path, browsertest.JS("page in "+lang, `document.querySelector("main") !== null && document.documentElement.lang === "`+lang+`"`))
							where := fmt.Sprintf("%s at %d px in %s: %s", role.email, width, lang, path)
							for _, v := range b.Axe(where) {
								t.Errorf("%s: %s", where, v)
							}
							if over := b.Overflow(where); over > 0 {
								t.Errorf("%s: %d px wider than the screen", where, over)
							}
							checked.Add(1)
						}
					}
				}
				b.Step("German page text as "+role.email, func() {
					b.Go(app.srv.URL+"/account/language", browsertest.Visible(`[data-testid="language-form"]`))
					if got := b.Text(`main h1`); got != "Sprache" {
						t.Errorf("%s: the language page's heading in German reads %q", role.email, got)
					}
				})
			})
		}
	})
	t.Logf("%d page views checked with axe-core and for overflow", checked.Load())
}

// The vendored axe-core is the one VENDORED.md records.
func TestAxe_VendoredChecksum(t *testing.T) {
	b, err := os.ReadFile("../browsertest/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../browsertest/axe/VENDORED.md")
	if err != nil {
		t.Fatal(err)
	}
	if sum := fmt.Sprintf("%x", sha256.Sum256(b)); !strings.Contains(string(doc), sum) {
		t.Fatalf("browsertest/axe/VENDORED.md does not record axe.min.js's checksum %s", sum)
	}
}
