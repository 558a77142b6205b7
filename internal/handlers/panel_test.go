package handlers

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/testenv"
	"portal/internal/views"
)

// tinyPNG is a valid 4×4 PNG of one colour.
func tinyPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for x := range 4 {
		for y := range 4 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postBrand sends the branding form as a browser does: multipart, with the logo as a file when given.
func (b *browser) postBrand(path string, fields map[string]string, logo []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if logo != nil {
		f, _ := w.CreateFormFile("logo", "logo.png")
		_, _ = f.Write(logo)
	}
	_ = w.Close()
	return b.postRaw(path, w.FormDataContentType(), body.String())
}

// TestBranding_PerResellerAndIsolated: a reseller's name, colour, support address and logo reach its clients (signed
// in and acted as), its signup page and mail about its clients; another reseller's clients never see them, and
// nobody can change another's brand.
func TestBranding_PerResellerAndIsolated(t *testing.T) {
	app := newApp(t)
	resA := app.customer(store.RoleReseller, nil, "brand-a@example.com")
	resB := app.customer(store.RoleReseller, nil, "brand-b@example.com")
	clientA := app.customer(store.RoleClient, &resA, "client-a@example.com")
	app.customer(store.RoleClient, &resB, "client-b@example.com")
	app.account("brand-admin@example.com", store.RoleAdmin, pw)

	ra := app.browser()
	ra.mustLogin("brand-a@example.com", pw, "/reseller")
	logo := tinyPNG(t, color.RGBA{200, 30, 30, 255})
	resp := ra.postBrand("/reseller/branding", map[string]string{"name": "Alpha Hosting", "accent": "#FFCC00",
		"support_email": "help@alpha.example"}, logo)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save brand: status %d: %.500s", resp.StatusCode, resp.body)
	}
	if n := app.auditCount("brand.save", store.OutcomeSuccess); n != 1 {
		t.Fatalf("brand.save audited %d times, want 1", n)
	}

	ca := app.browser()
	ca.mustLogin("client-a@example.com", pw, "/client")
	page := ca.get("/client")
	for _, want := range []string{`data-testid="brand-name">Alpha Hosting<`, `/brand/theme/ffcc00.css`, `/brand/logo/`,
		`mailto:help@alpha.example`, `<title>Dashboard · Alpha Hosting</title>`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("client of A: page lacks %q", want)
		}
	}
	logoURL := between(page.body, `<img src="`, `"`)
	if !strings.HasPrefix(logoURL, "/brand/logo/") {
		t.Fatalf("logo URL %q", logoURL)
	}
	// The logo is served by its content hash, cacheable for ever, and revalidates with its ETag.
	lr := ca.get(logoURL)
	if lr.StatusCode != http.StatusOK || lr.Header.Get("Content-Type") != "image/png" || lr.body != string(logo) ||
		!strings.Contains(lr.Header.Get("Cache-Control"), "immutable") || lr.Header.Get("ETag") == "" {
		t.Fatalf("logo: status %d type %q cache %q etag %q", lr.StatusCode, lr.Header.Get("Content-Type"),
			lr.Header.Get("Cache-Control"), lr.Header.Get("ETag"))
	}
	req, _ := http.NewRequest(http.MethodGet, app.srv.URL+logoURL, nil)
	req.Header.Set("If-None-Match", lr.Header.Get("ETag"))
	if r2 := ca.do(req); r2.StatusCode != http.StatusNotModified {
		t.Fatalf("logo with If-None-Match: status %d, want 304", r2.StatusCode)
	}
	// The theme picks black text on yellow (white would be 1.6:1).
	if th := ca.get("/brand/theme/ffcc00.css"); th.StatusCode != http.StatusOK || !strings.Contains(th.body, "--accent-fg:#000000") ||
		strings.Contains(th.body, "--link:") {
		t.Fatalf("theme: status %d body %q", th.StatusCode, th.body)
	}

	cb := app.browser()
	cb.mustLogin("client-b@example.com", pw, "/client")
	pb := cb.get("/client")
	if strings.Contains(pb.body, "Alpha Hosting") || strings.Contains(pb.body, "ffcc00") || strings.Contains(pb.body, "alpha.example") {
		t.Fatalf("client of B sees A's brand")
	}
	if !strings.Contains(pb.body, `data-testid="brand-name">Name of brand-b@example.com<`) {
		t.Fatalf("client of B: want B's name as its brand; got %q", between(pb.body, `data-testid="brand-name">`, "<"))
	}

	// Reseller B's page shows its own (empty) settings; its save changes only its own brand, whatever it sends.
	rb := app.browser()
	rb.mustLogin("brand-b@example.com", pw, "/reseller")
	if form := rb.get("/reseller/branding"); form.StatusCode != http.StatusOK || strings.Contains(form.body, "Alpha Hosting") {
		t.Fatalf("reseller B's branding page: status %d, shows A's brand: %v", form.StatusCode, strings.Contains(form.body, "Alpha Hosting"))
	}
	if r := rb.postBrand("/reseller/branding", map[string]string{"name": "Beta", "owner_id": fmt.Sprint(resA.ID)}, nil); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("a form naming another owner: status %d, want 400", r.StatusCode)
	}
	if r := rb.postBrand("/reseller/branding", map[string]string{"name": "Beta"}, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("B saves: status %d", r.StatusCode)
	}
	if p := ca.get("/client"); !strings.Contains(p.body, "Alpha Hosting") || strings.Contains(p.body, ">Beta<") {
		t.Fatalf("A's client after B saved: %q", between(p.body, `data-testid="brand-name">`, "<"))
	}
	// A client has no branding page.
	if r := ca.get("/reseller/branding"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("client GET /reseller/branding: status %d, want 404", r.StatusCode)
	}

	// An admin acting as A's client sees A's brand; the admin's own pages wear the operator's.
	admin := app.browser()
	admin.mustLogin("brand-admin@example.com", pw, "/admin")
	if p := admin.get("/admin"); strings.Contains(p.body, "Alpha Hosting") || !strings.Contains(p.body, `data-testid="brand-name">Portal<`) {
		t.Fatalf("admin's own page: brand %q", between(p.body, `data-testid="brand-name">`, "<"))
	}
	if r := admin.post(fmt.Sprintf("/customers/%d/impersonate", clientA.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("impersonate: status %d", r.StatusCode)
	}
	if p := admin.get("/client"); !strings.Contains(p.body, `data-testid="brand-name">Alpha Hosting<`) {
		t.Fatalf("admin acting as A's client: brand %q", between(p.body, `data-testid="brand-name">`, "<"))
	}

	// A's signup page wears A's brand; the operator's does not.
	anon := app.browser()
	if p := anon.get("/signup/" + testenv.Username("brand-a@example.com")); p.StatusCode != http.StatusOK ||
		!strings.Contains(p.body, `data-testid="brand-name">Alpha Hosting<`) {
		t.Fatalf("A's signup page: status %d brand %q", p.StatusCode, between(p.body, `data-testid="brand-name">`, "<"))
	}
	if p := anon.get("/login"); strings.Contains(p.body, "Alpha Hosting") {
		t.Fatal("the sign-in page wears a reseller's brand")
	}

	// Mail about A's client carries A's name and colour; mail about B's client does not.
	ctx := context.Background()
	tx, err := app.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	id, err := app.mail.Enqueue(ctx, tx, mailOf(clientA.ID, "client-a@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var from, htmlPart, text string
	if err := tx.QueryRow(ctx, `SELECT from_name, html_body, text_body FROM outbox WHERE id = $1`, id).Scan(&from, &htmlPart, &text); err != nil {
		t.Fatal(err)
	}
	if from != "Alpha Hosting" || !strings.Contains(htmlPart, "#ffcc00") || !strings.Contains(htmlPart, "color: #000000") ||
		!strings.Contains(text, "help@alpha.example") {
		t.Fatalf("mail about A's client: from %q; html %.600s; text %q", from, htmlPart, text)
	}
}

// TestBranding_RefusesBadInput: a colour that is not #rrggbb, a file that is not a PNG or JPEG (an SVG with a
// script among them) and a logo over the size limit are field errors, and nothing is saved.
func TestBranding_RefusesBadInput(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleReseller, nil, "bad-brand@example.com")
	b := app.browser()
	b.mustLogin("bad-brand@example.com", pw, "/reseller")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	big := append(tinyPNG(t, color.Black), make([]byte, 300<<10)...)
	for _, c := range []struct {
		name   string
		fields map[string]string
		logo   []byte
		field  string
	}{
		{"short colour", map[string]string{"accent": "#12345"}, nil, "accent"},
		{"named colour", map[string]string{"accent": "red"}, nil, "accent"},
		{"svg logo", nil, svg, "logo"},
		{"text as png", nil, []byte("\x89PNG\r\n\x1a\nnot really"), "logo"},
		{"bad email", map[string]string{"support_email": "nope"}, nil, "support_email"},
	} {
		resp := b.postBrand("/reseller/branding", c.fields, c.logo)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-`+c.field+`"`) {
			t.Errorf("%s: status %d, want 422 with error-%s: %.300s", c.name, resp.StatusCode, c.field, resp.body)
		}
	}
	if resp := b.postBrand("/reseller/branding", nil, big); resp.StatusCode != http.StatusRequestEntityTooLarge &&
		resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("oversized logo: status %d", resp.StatusCode)
	}
	var n int
	if err := app.pool.QueryRow(context.Background(), `SELECT count(*) FROM brands WHERE owner_id IS NOT NULL`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("brands saved after refused forms: %d (%v)", n, err)
	}
	if resp := b.post("/reseller/branding", url.Values{"name": {"x"}}); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("urlencoded branding form: status %d, want 415", resp.StatusCode)
	}
}

// TestDashboard_AttentionLinksToFilteredLists: the counts of clients that failed, are being set up, are
// suspended or use more than their plan allows link to lists filtered to exactly those clients (for an admin
// also the resellers over their plan's limits); recent activity shows only what the viewer may see.
func TestDashboard_AttentionLinksToFilteredLists(t *testing.T) {
	app := newApp(t)
	app.account("att-admin@example.com", store.RoleAdmin, pw)
	reseller := app.customer(store.RoleReseller, nil, "att-reseller@example.com")
	tight := app.plan(nil, store.RoleReseller, "Tight", unlimited)
	other := app.customer(store.RoleReseller, nil, "att-other@example.com", tight.ID)
	failed := app.customer(store.RoleClient, &reseller, "att-failed@example.com")
	app.customer(store.RoleClient, &reseller, "att-ok@example.com")
	small := app.plan(&reseller, store.RoleClient, "Tiny", store.Limits{MaxSites: 1, MaxMailDomains: 1, MaxMailboxes: 1,
		MaxMailQuotaMB: 100, MaxMailAliases: 1, MaxDomains: 1, SiteQuotaMB: 100, MaxDiskMB: 100})
	over := app.customer(store.RoleClient, &reseller, "att-over@example.com", small.ID)
	app.customer(store.RoleClient, &other, "att-elsewhere@example.com")
	ctx := context.Background()
	if _, err := app.pool.Exec(ctx, `UPDATE customers SET state = 'failed' WHERE id = $1`, failed.ID); err != nil {
		t.Fatal(err)
	}
	app.fixtureSite(over, "a.over.test", true)
	app.fixtureSite(over, "b.over.test", true)
	// The other reseller moves to fewer clients than it has: it is over its plan's limits.
	if _, err := app.pool.Exec(ctx, `UPDATE plans SET max_clients = 0 WHERE id = $1`, tight.ID); err != nil {
		t.Fatal(err)
	}
	// Something happened in the other reseller's account: it must not show here.
	if err := store.NewAuditLog(app.pool).Append(ctx, store.AuditEntry{Action: "site.create", Outcome: store.OutcomeSuccess,
		EffectiveEmail: "att-elsewhere@example.com", EffectiveAccountID: accountID(t, app, "att-elsewhere@example.com")}); err != nil {
		t.Fatal(err)
	}
	if err := store.NewAuditLog(app.pool).Append(ctx, store.AuditEntry{Action: "site.create", Outcome: store.OutcomeSuccess,
		EffectiveEmail: "att-ok@example.com", EffectiveAccountID: accountID(t, app, "att-ok@example.com")}); err != nil {
		t.Fatal(err)
	}

	type attention struct{ testid, text, href, member string }
	check := func(b *browser, dash string, want []attention) {
		t.Helper()
		for _, c := range want {
			seg := between(dash, `data-testid="`+c.testid+`"`, "</li>")
			if !strings.Contains(seg, c.text) || !strings.Contains(seg, `href="`+strings.ReplaceAll(c.href, "&", "&amp;")+`"`) {
				t.Errorf("%s: %q", c.testid, seg)
				continue
			}
			list := b.get(c.href)
			if n := strings.Count(list.body, `data-testid="customer-row"`); list.StatusCode != http.StatusOK || n != 1 || !strings.Contains(list.body, c.member) {
				t.Errorf("%s: status %d, %d rows, want only %s", c.href, list.StatusCode, n, c.member)
			}
		}
	}
	ab := app.browser()
	ab.mustLogin("att-admin@example.com", pw, "/admin")
	check(ab, ab.get("/admin").body, []attention{
		{"attention-over-resellers", "1 reseller over its plan", "/admin/resellers?only=over", other.Name},
		{"attention-over", "1 client over its plan", "/admin/clients?only=over", over.Name},
	})

	b := app.browser()
	b.mustLogin("att-reseller@example.com", pw, "/reseller")
	dash := b.get("/reseller")
	check(b, dash.body, []attention{
		{"attention-failed", "1 client failed to set up", "/reseller/clients?only=failed", failed.Name},
		{"attention-over", "1 client over its plan", "/reseller/clients?only=over", over.Name},
	})
	if strings.Contains(dash.body, "attention-pending") || strings.Contains(dash.body, "attention-suspended") {
		t.Error("zero counts are listed")
	}
	recent := between(dash.body, `data-testid="recent-activity"`, "</section>")
	if !strings.Contains(recent, "att-ok@example.com") || strings.Contains(recent, "att-elsewhere") {
		t.Errorf("recent activity: %q", recent)
	}
	if r := b.get("/reseller/clients?only=bogus"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown filter: status %d", r.StatusCode)
	}

	// The client page lists the client's sites with links.
	detail := b.get(fmt.Sprintf("/customers/%d", over.ID))
	sites := between(detail.body, `data-testid="holdings-site"`, "</div>")
	if !strings.Contains(sites, ">a.over.test</a>") || !strings.Contains(sites, `href="/sites/`) {
		t.Errorf("client page's sites: %q", sites)
	}
	if !strings.Contains(detail.body, `data-testid="delete-step"`) {
		t.Error("client page has no delete step")
	}
}

func accountID(t *testing.T, app *testApp, email string) *int64 {
	t.Helper()
	var id int64
	if err := app.pool.QueryRow(context.Background(), `SELECT id FROM accounts WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return &id
}

// between is the text of s after the first from up to the next to ("" when from is missing).
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// mailOf is a message about customer id with a link, for the brand's button.
func mailOf(id int64, to string) mailer.Mail {
	return mailer.Mail{Kind: "test", CustomerID: &id, To: to, Subject: "Hello",
		Body: views.EmailBody{Greeting: "Hello,", Lines: []string{"A line."}, Link: "http://portal.test/x", LinkLabel: "Open"}}
}
