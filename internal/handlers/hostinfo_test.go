package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
)

// quotaFunctions are the functions of ISPConfig's "Quota functions" group the usage job calls.
var quotaFunctions = []string{"quota_get_by_user", "trafficquota_get_by_user", "mailquota_get_by_user"}

// goodSettings is a complete, valid settings form.
func goodSettings() url.Values {
	return url.Values{"web_ipv4": {"192.0.2.10"}, "web_ipv6": {"2001:DB8::10"}, "sftp_host": {"sftp.example.net"},
		"imap_host": {"imap.example.net"}, "imap_port": {"993"}, "pop3_host": {"pop.example.net"}, "pop3_port": {"995"},
		"smtp_host": {"smtp.example.net"}, "smtp_port": {"587"}, "webmail_url": {"https://webmail.example.net/"},
		"mx_hosts": {"mx1.example.net, MX2.example.net."}, "spf": {"v=spf1  mx a -all"}}
}

func (a *testApp) settingsRows() int {
	a.t.Helper()
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM platform_settings`).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// TestPlatformSettings_ValidatedStoredAndAudited: an admin's settings form refuses each bad value with its own field
// error and stores nothing; good values are normalised, stored and audited; other roles can't open the page.
func TestPlatformSettings_ValidatedStoredAndAudited(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	app.customer(store.RoleClient, &r, "c@example.com")
	b := app.browser()
	b.mustLogin("admin@example.com", pw, "/admin")
	page := "/admin/platforms/" + idString(app.platform.ID)
	if resp := b.get(page); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="platform-settings-form"`) ||
		!strings.Contains(resp.body, `value="993"`) {
		t.Fatalf("settings page: %d %.300s", resp.StatusCode, resp.body)
	}

	bad := map[string]string{"web_ipv4": "300.1.2.3", "web_ipv6": "192.0.2.1", "sftp_host": "not a host",
		"imap_host": "-bad-.example.com", "imap_port": "0", "pop3_port": "70000", "smtp_port": "25x",
		"webmail_url": "ftp://webmail.example.net/", "mx_hosts": "mx1.example.net bad_host", "spf": "include:example.net"}
	for field, value := range bad {
		form := goodSettings()
		form.Set(field, value)
		resp := b.post(page+"/settings", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-`+field+`"`) {
			t.Errorf("%s=%q: status %d, want 422 with its field error", field, value, resp.StatusCode)
		}
		if !strings.Contains(resp.body, `value="`+templEscape(value)+`"`) {
			t.Errorf("%s=%q: the form lost the typed value", field, value)
		}
		if !strings.Contains(resp.body, "Settings for customers of "+templEscape(app.platform.Name)) {
			t.Errorf("%s=%q: the refused form's page lacks the platform's name", field, value)
		}
	}
	if n := app.settingsRows(); n != 0 {
		t.Fatalf("refused forms stored %d settings rows", n)
	}
	if n := app.auditCount("platform.settings", store.OutcomeFailure); n != len(bad) {
		t.Errorf("refusals audited %d times, want %d", n, len(bad))
	}

	resp := b.post(page+"/settings", goodSettings())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good settings: %d %.500s", resp.StatusCode, resp.body)
	}
	st, err := store.NewPlatforms(app.pool).Settings(context.Background(), app.platform.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := store.PlatformSettings{PlatformID: app.platform.ID, WebIPv4: "192.0.2.10", WebIPv6: "2001:db8::10",
		SFTPHost: "sftp.example.net", IMAPHost: "imap.example.net", IMAPPort: 993, POP3Host: "pop.example.net", POP3Port: 995,
		SMTPHost: "smtp.example.net", SMTPPort: 587, WebmailURL: "https://webmail.example.net/",
		MXHosts: "mx1.example.net mx2.example.net", SPF: "v=spf1 mx a -all"}
	if st != want {
		t.Fatalf("stored %+v\nwant   %+v", st, want)
	}
	if n := app.auditCount("platform.settings", store.OutcomeSuccess); n != 1 {
		t.Errorf("save audited %d times, want 1", n)
	}
	// Saving again replaces the row; empty hosts are allowed (the pages leave those lines out).
	form := goodSettings()
	form.Set("sftp_host", "")
	if resp := b.post(page+"/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second save: %d", resp.StatusCode)
	}
	if n := app.settingsRows(); n != 1 {
		t.Fatalf("%d settings rows, want 1", n)
	}

	for who, home := range map[string]string{"r@example.com": "/reseller", "c@example.com": "/client"} {
		o := app.browser()
		o.mustLogin(who, pw, home)
		if resp := o.get(page); resp.StatusCode == http.StatusOK {
			t.Errorf("%s opened the platform settings", who)
		}
		if resp := o.post(page+"/settings", goodSettings()); resp.StatusCode < 400 {
			t.Errorf("%s saved platform settings: %d", who, resp.StatusCode)
		}
	}
}

func templEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&#34;", "<", "&lt;", ">", "&gt;", "'", "&#39;").Replace(s)
}

func (a *testApp) saveSettings(s store.PlatformSettings) {
	a.t.Helper()
	s.PlatformID = a.platform.ID
	if err := store.NewPlatforms(a.pool).SaveSettings(context.Background(), s); err != nil {
		a.t.Fatal(err)
	}
}

// checkUsage runs the usage job's work once.
func (a *testApp) checkUsage() {
	a.t.Helper()
	if err := a.tenancy.CheckUsage(context.Background()); err != nil {
		a.t.Fatalf("check usage: %v", err)
	}
}

func (a *testApp) usageRows(table string) int {
	a.t.Helper()
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// TestSitePage_AccessAndDNS: the site page shows its address, the records to set from the platform's settings,
// the SFTP host and system user, the certificate and the usage the periodic job read from ISPConfig's quota
// functions. Running the job again changes nothing; page views never call the quota functions.
func TestSitePage_AccessAndDNS(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	id := app.fixtureSite(c, "shop.example.test", true)
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")

	// Nothing configured, nothing measured: the page says so instead of showing blanks.
	page := b.get("/sites/" + idString(id))
	for _, want := range []string{`data-testid="site-access"`, `href="http://shop.example.test/"`, `data-testid="site-dns-unset"`,
		"Not measured yet", "PHP-FPM", "No certificate"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("site page before settings and usage lacks %q", want)
		}
	}

	app.saveSettings(store.PlatformSettings{WebIPv4: "192.0.2.10", WebIPv6: "2001:db8::10", SFTPHost: "sftp.example.net",
		IMAPPort: 993, POP3Port: 995, SMTPPort: 587})
	var ispID int64
	if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM sites WHERE id = $1`, id).Scan(&ispID); err != nil {
		t.Fatal(err)
	}
	w, err := app.isp.GetWebDomain(context.Background(), ispID)
	if err != nil || w.SystemUser == "" {
		t.Fatalf("site's system user: %q %v", w.SystemUser, err)
	}
	app.sim.SetDiskUsage(w.SystemUser, 2048) // KB
	app.sim.AddTraffic("shop.example.test", time.Now(), 5<<20)
	app.checkUsage()
	app.checkUsage() // idempotent
	if n := app.usageRows("site_usage"); n != 1 {
		t.Fatalf("site_usage rows = %d, want 1", n)
	}
	var disk, month int64
	var user string
	if err := app.pool.QueryRow(context.Background(), `SELECT disk_used_kb, traffic_month_bytes, system_user FROM site_usage WHERE site_id = $1`, id).
		Scan(&disk, &month, &user); err != nil {
		t.Fatal(err)
	}
	if disk != 2048 || month != 5<<20 || user != w.SystemUser {
		t.Fatalf("stored usage: disk %d KB, traffic %d, user %q", disk, month, user)
	}

	calls := app.sim.CallCount(quotaFunctions...)
	page = b.get("/sites/" + idString(id))
	for _, want := range []string{`<code>192.0.2.10</code>`, `<code>2001:db8::10</code>`, `<code>www.shop.example.test</code>`,
		`<code>sftp.example.net</code>`, `<code>` + w.SystemUser + `</code>`, "2.0 MB of 1,000 MB", "5.0 MB", `data-testid="site-usage-time"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("site page lacks %q", want)
		}
	}
	if strings.Count(page.body, `data-testid="dns-record"`) != 4 {
		t.Errorf("want A and AAAA for the domain and www: %d records", strings.Count(page.body, `data-testid="dns-record"`))
	}
	for _, path := range []string{"/sites", "/mail", "/client"} {
		b.get(path)
	}
	if n := app.sim.CallCount(quotaFunctions...); n != calls {
		t.Fatalf("page views called the quota functions %d times", n-calls)
	}

	// In German, with the catalogue's words and number format.
	b.hdrs["Accept-Language"] = "de"
	page = b.get("/sites/" + idString(id))
	for _, want := range []string{"Zugang &amp; DNS", "2,0 MB von 1.000 MB", "Zu setzende DNS-Einträge"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("German site page lacks %q", want)
		}
	}
}

// TestMailPage_SetupRecordsAndDKIM: the mail domain page tells how to set up a mail program and which MX, SPF and
// (when ISPConfig has a key) DKIM records to set; a mailbox shows what it holds. The key appears and disappears
// with the usage job, never with a page view.
func TestMailPage_SetupRecordsAndDKIM(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	md := app.fixtureMailDomain(c, "post.example.test", true)
	app.fixtureMailbox(c, md, "info@post.example.test")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	page := b.get(mailPath("/mail/%d", md))
	for _, want := range []string{`data-testid="mail-setup"`, `data-testid="mail-dns-unset"`, "not measured yet"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("mail page before settings lacks %q", want)
		}
	}
	// One form per kind, each with only its own fields.
	for kind, fields := range map[string][]string{"alias": {"local", "mailbox_id"}, "forward": {"local", "destination"}, "catchall": {"destination"}} {
		_, form, _ := strings.Cut(page.body, `data-testid="forward-form-`+kind+`"`)
		form, _, _ = strings.Cut(form, "</form>")
		if !strings.Contains(form, `name="kind" value="`+kind+`"`) {
			t.Errorf("%s form lacks its kind", kind)
		}
		for _, f := range []string{"local", "mailbox_id", "destination"} {
			if has, want := strings.Contains(form, `name="`+f+`"`), contains(fields, f); has != want {
				t.Errorf("%s form: field %s present %v, want %v", kind, f, has, want)
			}
		}
	}

	app.saveSettings(store.PlatformSettings{IMAPHost: "imap.example.net", IMAPPort: 993, POP3Host: "pop.example.net",
		POP3Port: 995, SMTPHost: "smtp.example.net", SMTPPort: 465, WebmailURL: "https://webmail.example.net/",
		MXHosts: "mx1.example.net mx2.example.net", SPF: "v=spf1 mx -all"})
	var ispID int64
	if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM mail_domains WHERE id = $1`, md).Scan(&ispID); err != nil {
		t.Fatal(err)
	}
	if err := app.isp.UpdateMailDomain(context.Background(), ispID, ispapi.MailDomainUpdate{DKIM: ispapi.Ptr(true),
		DKIMSelector: ispapi.Ptr("mail2026"), DKIMPublic: ispapi.Ptr(testDKIMKey), DKIMPrivate: ispapi.Ptr("x")}); err != nil {
		t.Fatal(err)
	}
	app.sim.SetMailboxUsage("info@post.example.test", 3<<20)
	page = b.get(mailPath("/mail/%d", md))
	if strings.Contains(page.body, `data-testid="dns-dkim"`) {
		t.Fatal("the DKIM record appeared before the usage job read it")
	}
	app.checkUsage()
	calls := app.sim.CallCount()
	page = b.get(mailPath("/mail/%d", md))
	for _, want := range []string{`<code>imap.example.net</code> port 993, SSL/TLS`, `<code>smtp.example.net</code> port 465, SSL/TLS`,
		`href="https://webmail.example.net/"`, `<code>mx1.example.net</code>`, `<td>20</td>`, `<code>v=spf1 mx -all</code>`,
		`<code>mail2026._domainkey.post.example.test</code>`, `<code>v=DKIM1; k=rsa; p=` + testDKIMRecordKey + `</code>`,
		`data-testid="mailbox-used">3.0 MB`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("mail page lacks %q", want)
		}
	}
	if n := app.sim.CallCount(); n != calls {
		t.Errorf("the mail page called ISPConfig %d times", n-calls)
	}
	if n := app.usageRows("mailbox_usage"); n != 1 {
		t.Errorf("mailbox_usage rows = %d, want 1", n)
	}

	if strings.Contains(page.body, `data-testid="dkim-unusable"`) {
		t.Error("a usable key has the unusable-key note")
	}

	// A key that makes no valid record (here cut short): no record, and the page says why.
	if err := app.isp.UpdateMailDomain(context.Background(), ispID, ispapi.MailDomainUpdate{
		DKIMPublic: ispapi.Ptr(testDKIMKey[:200] + "\n-----END PUBLIC KEY-----\n")}); err != nil {
		t.Fatal(err)
	}
	app.checkUsage()
	page = b.get(mailPath("/mail/%d", md))
	if strings.Contains(page.body, `data-testid="dns-dkim"`) || strings.Contains(page.body, "v=DKIM1") ||
		!strings.Contains(page.body, `data-testid="dkim-unusable"`) || !strings.Contains(page.body, `data-testid="dns-mx"`) {
		t.Errorf("an unusable key: %q", between(page.body, `data-testid="mail-setup"`, "</section>"))
	}

	// The key is removed in ISPConfig: the next run removes the record.
	if err := app.isp.UpdateMailDomain(context.Background(), ispID, ispapi.MailDomainUpdate{DKIM: ispapi.Ptr(false),
		DKIMPublic: ispapi.Ptr("")}); err != nil {
		t.Fatal(err)
	}
	app.checkUsage()
	if page := b.get(mailPath("/mail/%d", md)); strings.Contains(page.body, `data-testid="dns-dkim"`) {
		t.Error("the DKIM record stayed after ISPConfig dropped the key")
	}
}

// testDKIMKey is an RSA-2048 public key as ISPConfig stores a mail domain's DKIM key (PEM); testDKIMRecordKey is
// the same key as its DNS record's p= spells it.
const (
	testDKIMKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnEeSF+XSTuvHcg3U20+E
x7aFiiy8ooB1GRp4/xTNKhE010NBJvwVfoaMV4OkfA6DlaV2nlNFOR+Zv1EUaE+c
q64MOXsBl37VkNMDC7IZlla2zQiICRf2GBopTd6Tcoi+TweCAWPapPaqfUFAOfkw
qrqPsEGz+j4pohNXphJFMajyVFjEayyLD6nAmKqSTYJ8KfE8Vpv0G7EqE4VziUUE
ZTStw9w/vSRg4hsRbO1PjWAFYK/1dqgKyMMGRQKrqbI0CUKpNHU1KY+gFgealAt1
A9sbzQI0WSJ07qPrN6/x+D/EwIJi6R7AJ3IKTBiKENROh615fNUIdvuSg60f+LLX
ewIDAQAB
-----END PUBLIC KEY-----
`
	testDKIMRecordKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnEeSF+XSTuvHcg3U20+E" +
		"x7aFiiy8ooB1GRp4/xTNKhE010NBJvwVfoaMV4OkfA6DlaV2nlNFOR+Zv1EUaE+c" +
		"q64MOXsBl37VkNMDC7IZlla2zQiICRf2GBopTd6Tcoi+TweCAWPapPaqfUFAOfkw" +
		"qrqPsEGz+j4pohNXphJFMajyVFjEayyLD6nAmKqSTYJ8KfE8Vpv0G7EqE4VziUUE" +
		"ZTStw9w/vSRg4hsRbO1PjWAFYK/1dqgKyMMGRQKrqbI0CUKpNHU1KY+gFgealAt1" +
		"A9sbzQI0WSJ07qPrN6/x+D/EwIJi6R7AJ3IKTBiKENROh615fNUIdvuSg60f+LLX" +
		"ewIDAQAB"
)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestUsage_RefusedQuotaFunctionsKeepTheLastReadings: a remote user without the "Quota functions" group makes the
// job log and skip the platform; it is not an error and the last readings stay.
func TestUsage_RefusedQuotaFunctionsKeepTheLastReadings(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	c2 := app.customer(store.RoleClient, &r, "c2@example.com")
	app.fixtureSite(c, "kept.example.test", true)
	app.fixtureSite(c2, "other.example.test", true)
	app.checkUsage()
	if n := app.usageRows("site_usage"); n != 2 {
		t.Fatalf("site_usage rows = %d, want 2", n)
	}
	app.sim.AddRemoteUser("portal", "sim-secret", ispsim.PortalFunctions)
	app.sim.ExpireSessions() // log in again with the reduced permissions
	app.checkUsage()         // the first call finds the session expired and logs in again
	before := app.sim.CallCount("quota_get_by_user")
	app.checkUsage()
	if n := app.sim.CallCount("quota_get_by_user") - before; n != 1 {
		t.Errorf("refused run asked %d times, want once for the platform", n)
	}
	if n := app.usageRows("site_usage"); n != 2 {
		t.Fatalf("site_usage rows after a refused run = %d, want 2", n)
	}
}
