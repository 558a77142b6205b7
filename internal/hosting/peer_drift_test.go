package hosting_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/hosting"
	"portal/internal/store"
	"portal/internal/testenv"
)

// TestDriftPeer runs the drift check, pushing back and the applying state against the real ISPConfig peer
// (../shared/ispconfig/peer, driven by scripts/with-peer.sh in make conformance-peer): rows are changed in the
// peer's MariaDB behind the API's back, as an operator would in the panel, and the check must report exactly those
// fields. Like TestDifferentialPeer it needs the peer's environment (ISPCONFIG_PEER_URL, PEER_DIR).
func TestDriftPeer(t *testing.T) {
	url, dir := os.Getenv("ISPCONFIG_PEER_URL"), os.Getenv("PEER_DIR")
	if url == "" || dir == "" {
		t.Skip("ISPCONFIG_PEER_URL and PEER_DIR not set: runs against the ISPConfig peer in make conformance-peer")
	}
	sql := func(q string) {
		t.Helper()
		out, err := exec.Command("mariadb", "--no-defaults", "-S", filepath.Join(dir, "mysql.sock"), "-uroot", "dbispconfig", "-e", q).CombinedOutput()
		if err != nil {
			t.Fatalf("mariadb %q: %v %s", q, err, out)
		}
	}
	e := testenv.New(t, func(o *testenv.Options) {
		o.URL, o.User, o.Password = url, "peerportal", "PeerPortal-Pass-2021"
	})
	ctx := context.Background()
	tag := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	c := e.Customer(store.RoleClient, nil, "drift"+tag+"@example.test")
	id, err := e.Host.CreateSite(ctx, e.Admin(), hosting.NewSite{Customer: strconv.FormatInt(c.ID, 10), Domain: "drift-" + tag + ".test",
		Active: true, SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "1000", TrafficMB: "-1"}})
	if err != nil {
		t.Fatalf("create site: %v", err)
	}
	t.Cleanup(func() {
		_ = e.Host.DeleteSite(ctx, e.Admin(), id)
		_ = e.ISP.DeleteClient(ctx, *c.ISPClientID)
	})
	site, err := store.NewSites(e.Pool).ByID(ctx, id)
	if err != nil || site.ISPID == nil {
		t.Fatalf("site: %+v %v", site, err)
	}
	diffs := func() map[string]string {
		t.Helper()
		if _, err := e.Ten.CheckDrift(ctx, e.Platform.ID); err != nil {
			t.Fatalf("drift check: %v", err)
		}
		items, err := store.NewDrift(e.Pool).Open(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, d := range items {
			var fields []string
			for _, part := range strings.Split(d.Detail, "; ") {
				f, _, _ := strings.Cut(part, ":")
				fields = append(fields, f)
			}
			out[string(d.Kind)+" "+d.Problem] = strings.Join(fields, ",")
		}
		return out
	}
	if got := diffs(); len(got) != 0 {
		t.Fatalf("drift right after creating through the real API: %v", got)
	}
	sql(fmt.Sprintf("UPDATE web_domain SET php = 'fast-cgi', hd_quota = 500 WHERE domain_id = %d", *site.ISPID))
	sql(fmt.Sprintf("UPDATE client SET limit_web_domain = 7 WHERE client_id = %d", *c.ISPClientID))
	want := map[string]string{"site changed": "php,quota_mb", "customer changed": "limit_web_domain"}
	if got := diffs(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("differences: got %v, want %v", got, want)
	}
	items, _ := store.NewDrift(e.Pool).Open(ctx, 100)
	for _, d := range items {
		if err := e.Host.PushDrift(ctx, e.Admin(), d.ID); err != nil {
			t.Fatalf("push %s: %v", d.Kind, err)
		}
	}
	if got := diffs(); len(got) != 0 {
		t.Fatalf("after pushing back: %v", got)
	}
	// No server daemon consumes the peer's job queue: after a write the site stays applying, honestly.
	if err := e.Ten.CheckQueues(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := store.NewSites(e.Pool).ByID(ctx, id); s.Apply != store.ApplyApplying {
		t.Fatalf("site against a queue nobody works: apply %q, want applying", s.Apply)
	}
}
