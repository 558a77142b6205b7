package ispsim

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestQuota_FunctionsAnswerLikeQuotaLib: the quota functions list a client's active vhosts and mailboxes with the
// monitor's figures, answer [] (not {}) for traffic when there is no site, select every client for client_id 0,
// nobody for an unknown client, and need the "Quota functions" group.
func TestQuota_FunctionsAnswerLikeQuotaLib(t *testing.T) {
	s, sid, clk := newSim(t)
	setupTenancy(t, s, sid)
	var empty json.RawMessage
	ok(t, s, "trafficquota_get_by_user", map[string]any{"session_id": sid, "client_id": 2}, &empty)
	if string(empty) != "[]" {
		t.Fatalf("traffic of a client without sites: %s, want []", empty)
	}
	var id string
	ok(t, s, "sites_web_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": siteParams("carla-shop.test")}, &id)
	off := siteParams("carla-off.test")
	off["active"] = "n"
	ok(t, s, "sites_web_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": off}, nil)

	var sites []map[string]any
	ok(t, s, "quota_get_by_user", map[string]any{"session_id": sid, "client_id": 2}, &sites)
	if len(sites) != 1 || sites[0]["domain"] != "carla-shop.test" {
		t.Fatalf("quota_get_by_user lists %v, want the active vhost only", sites)
	}
	if sites[0]["used"] != nil || sites[0]["soft"] != -1.0 || sites[0]["system_user"] != "web"+id {
		t.Fatalf("before any monitor figure: used %v soft %v user %v", sites[0]["used"], sites[0]["soft"], sites[0]["system_user"])
	}
	s.SetDiskUsage("web"+id, 4096)
	s.AddTraffic("carla-shop.test", clk.Now(), 1000)
	s.AddTraffic("carla-shop.test", clk.Now().AddDate(0, -1, 0), 300)
	ok(t, s, "quota_get_by_user", map[string]any{"session_id": sid, "client_id": "2"}, &sites)
	if sites[0]["used"] != "4096" {
		t.Fatalf("used = %v, want \"4096\"", sites[0]["used"])
	}
	var traffic map[string]map[string]any
	ok(t, s, "trafficquota_get_by_user", map[string]any{"session_id": sid, "client_id": 2}, &traffic)
	if tr := traffic["carla-shop.test"]; tr["this_month"] != "1000" || tr["last_month"] != "300" || tr["domain_id"] != id {
		t.Fatalf("traffic = %v", traffic)
	}
	if _, ok := traffic["carla-off.test"]; ok {
		t.Fatal("traffic lists the disabled site")
	}

	ok(t, s, "quota_get_by_user", map[string]any{"session_id": sid, "client_id": 99}, &sites)
	if len(sites) != 0 {
		t.Fatalf("unknown client: %v, want nothing", sites)
	}
	ok(t, s, "quota_get_by_user", map[string]any{"session_id": sid, "client_id": 0}, &sites)
	if len(sites) != 1 {
		t.Fatalf("client_id 0 selects every client's sites: got %d", len(sites))
	}

	var boxes []map[string]any
	ok(t, s, "mailquota_get_by_user", map[string]any{"session_id": sid, "client_id": 2}, &boxes)
	if len(boxes) != 0 {
		t.Fatalf("mailboxes: %v", boxes)
	}
	s.AddRemoteUser("limited", "Limited#2024", groupClient)
	var lsid string
	ok(t, s, "login", map[string]any{"username": "limited", "password": "Limited#2024"}, &lsid)
	env := call(t, s, "quota_get_by_user", map[string]any{"session_id": lsid, "client_id": 2})
	if env.Code != "remote_fault" || !strings.Contains(env.Message, "permissions") {
		t.Fatalf("without the Quota functions group: %q %q", env.Code, env.Message)
	}
}
