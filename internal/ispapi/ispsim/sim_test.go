package ispsim

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogin_Envelope(t *testing.T) {
	s := New()
	s.AddRemoteUser("portal", "ApiPass#2024", "")
	rec := rawCall(t, s, "login&x=1", `{"username":"portal","password":"ApiPass#2024"}`)
	if got, want := rec.Header().Get("Content-Type"), `application/json; charset="utf-8"`; got != want {
		t.Errorf("content type: got %q, want %q", got, want)
	}
	body := rec.Body.String()
	if !regexp.MustCompile(`^\{"code":"ok","message":"","response":"[0-9a-f]{32}"\}$`).MatchString(body) {
		t.Errorf("login body: got %s, want ok envelope with 32 hex session id", body)
	}
	wantFault(t, s, "login", map[string]any{"username": "portal", "password": "nope"}, "The login failed. Username or password wrong.")
	wantFault(t, s, "login", map[string]any{"username": "nobody", "password": "x"}, "The login failed. Username or password wrong.")
	wantFault(t, s, "login", map[string]any{"username": "portal"}, "The login password is empty.")
	wantFault(t, s, "login", map[string]any{"password": "x"}, "The login username is empty.")
}

func TestDispatch_Errors(t *testing.T) {
	s, sid, _ := newSim(t)
	tests := []struct {
		query, body, want string
	}{
		{"", `{}`, `{"code":"invalid_method","message":"Method not provided in json call","response":false}`},
		{"mail_domain_list", `{"session_id":"` + sid + `"}`, `{"code":"invalid_method","message":"Method mail_domain_list does not exist","response":false}`},
		{"mail_domain_list", `nope`, `{"code":"invalid_data","message":"The JSON data sent to the api is invalid","response":false}`},
		{"login", ``, `{"code":"invalid_data","message":"The JSON data sent to the api is invalid","response":false}`},
		{"login", `"x"`, `{"code":"invalid_data","message":"The JSON data sent to the api is invalid","response":false}`},
		{"login", `[]`, `{"code":"remote_fault","message":"The login username is empty.","response":false}`},
		{"mail_domain_get", `{"session_id":"0123456789abcdef0123456789abcdef","primary_id":1}`, `{"code":"remote_fault","message":"The Session is expired or does not exist.","response":false}`},
		{"mail_domain_get", `{"primary_id":1}`, `{"code":"remote_fault","message":"The SessionID is empty.","response":false}`},
		{"server_get_all", `{"session_id":"` + sid + `","unknown":1}`, `{"code":"ok","message":"","response":[{"server_id":"1","server_name":"server1.example.com"}]}`},
	}
	for _, tt := range tests {
		rec := rawCall(t, s, tt.query, tt.body)
		if got := rec.Body.String(); rec.Code != 200 || got != tt.want {
			t.Errorf("?%s %s: got %d %s, want 200 %s", tt.query, tt.body, rec.Code, got, tt.want)
		}
	}
	req := httptest.NewRequest("POST", "/remote/rest.php?login", strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Errorf("other path: got %d, want 404", rec.Code)
	}
}

func TestResponse_PHPEscapingAndGzip(t *testing.T) {
	s, sid, _ := newSim(t)
	ok(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"server_id": 1, "domain": "jürgen.test", "relay_host": "a/b é"}}, nil)
	srv := httptest.NewServer(s)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/remote/json.php?mail_domain_get", strings.NewReader(`{"session_id":"`+sid+`","primary_id":1}`))
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("content encoding: got %q, want gzip", got)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	for _, want := range []string{`"domain":"xn--jrgen-kva.test"`, `"relay_host":"a\/b \u00e9"`, `"dkim_private":null`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("body %s: missing %s", raw, want)
		}
	}
}

func TestSession_ExpiresAfter1800s(t *testing.T) {
	s, sid, clk := newSim(t)
	clk.Advance(1800 * time.Second)
	ok(t, s, "server_get_all", map[string]any{"session_id": sid}, nil)
	clk.Advance(time.Second)
	wantFault(t, s, "server_get_all", map[string]any{"session_id": sid}, "The Session is expired or does not exist.")

	var sid2 string
	ok(t, s, "login", map[string]any{"username": "portal", "password": "ApiPass#2024"}, &sid2)
	var done bool
	ok(t, s, "logout", map[string]any{"session_id": sid2}, &done)
	if !done {
		t.Errorf("logout: got false, want true")
	}
	wantFault(t, s, "server_get_all", map[string]any{"session_id": sid2}, "The Session is expired or does not exist.")
	ok(t, s, "logout", map[string]any{"session_id": "never-existed"}, &done)
	wantFault(t, s, "logout", map[string]any{}, "The SessionID is empty.")

	ok(t, s, "login", map[string]any{"username": "portal", "password": "ApiPass#2024"}, &sid2)
	s.ExpireSessions()
	wantFault(t, s, "server_get_all", map[string]any{"session_id": sid2}, "The Session is expired or does not exist.")
}

func TestPermissions(t *testing.T) {
	s, sid, _ := newSim(t)
	setupTenancy(t, s, sid)
	s.AddRemoteUser("limited", "Limited#2024", "mail_domain_get;client_get_id")
	var lsid string
	ok(t, s, "login", map[string]any{"username": "limited", "password": "Limited#2024"}, &lsid)
	wantFault(t, s, "client_get", map[string]any{"session_id": lsid, "client_id": 1}, "You do not have the permissions to access this function.")
	ok(t, s, "mail_domain_get", map[string]any{"session_id": lsid, "primary_id": -1}, nil)
	var gid int
	ok(t, s, "client_get_groupid", map[string]any{"session_id": lsid, "client_id": 2}, &gid) // needs client_get_id (§2.7)
	if gid != 3 {
		t.Errorf("client_get_groupid: got %d, want 3", gid)
	}
	// Permission changes only affect new sessions.
	s.AddRemoteUser("limited", "Limited#2024", "client_get")
	ok(t, s, "mail_domain_get", map[string]any{"session_id": lsid, "primary_id": -1}, nil)
	ok(t, s, "login", map[string]any{"username": "limited", "password": "Limited#2024"}, &lsid)
	wantFault(t, s, "mail_domain_get", map[string]any{"session_id": lsid, "primary_id": -1}, "You do not have the permissions to access this function.")
	// Session errors take precedence over permission errors.
	wantFault(t, s, "mail_domain_get", map[string]any{"session_id": "x", "primary_id": -1}, "The Session is expired or does not exist.")
}

func TestClients_ExamplesFlow(t *testing.T) {
	s, sid, _ := newSim(t)
	var all any
	ok(t, s, "client_get_all", map[string]any{"session_id": sid}, &all)
	if all != false {
		t.Errorf("client_get_all on empty table: got %v, want false", all)
	}
	setupTenancy(t, s, sid)
	var c map[string]any
	ok(t, s, "client_get", map[string]any{"session_id": sid, "client_id": 2}, &c)
	for k, want := range map[string]any{"sys_userid": "2", "sys_groupid": "2", "parent_client_id": "1", "usertheme": "",
		"limit_mailaliasdomain": "0", "limit_xmpp_auth_options": "plain,hashed,isp", "limit_web_ip": nil, "added_date": nil,
		"force_suexec": "n", "template_additional": "", "default_dnsserver": "0", "notes": ""} {
		if c[k] != want {
			t.Errorf("client 2 %s: got %#v, want %#v", k, c[k], want)
		}
	}
	if p, _ := c["password"].(string); !verifyCrypt("Cust0mer!Secret", p) {
		t.Errorf("client password %q does not verify", p)
	}
	var u map[string]any
	ok(t, s, "client_get_by_username", map[string]any{"session_id": sid, "username": "carla"}, &u)
	for k, want := range map[string]string{"userid": "3", "sys_userid": "1", "groups": "3", "default_group": "3", "client_id": "2", "modules": "dashboard,mail,sites,dns,tools,help", "typ": "user", "active": "1"} {
		if u[k] != want {
			t.Errorf("sys_user %s: got %v, want %s", k, u[k], want)
		}
	}
	wantFault(t, s, "client_get_by_username", map[string]any{"session_id": sid, "username": "nobody"}, "There is no user account for this user name.")
	var reseller map[string]any
	ok(t, s, "client_get_by_username", map[string]any{"session_id": sid, "username": "exreseller"}, &reseller)
	if reseller["groups"] != "2,3" {
		t.Errorf("reseller groups: got %v, want 2,3", reseller["groups"])
	}
	var n int
	ok(t, s, "client_get_id", map[string]any{"session_id": sid, "sys_userid": 3}, &n)
	if n != 2 {
		t.Errorf("client_get_id: got %d, want 2", n)
	}
	var ids []string
	ok(t, s, "client_get_all", map[string]any{"session_id": sid}, &ids)
	if strings.Join(ids, ",") != "1,2" {
		t.Errorf("client_get_all: got %v, want [1 2]", ids)
	}
	var rows []map[string]any
	// The paging keys come after the column key (see TestGet_IDSemanticsAndFilters), so the body is written by hand.
	rec := rawCall(t, s, "client_get", `{"session_id":"`+sid+`","client_id":{"parent_client_id":1,"#LIMIT#":10,"#OFFSET#":0}}`)
	var env envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || json.Unmarshal(env.Response, &rows) != nil {
		t.Fatalf("clients of reseller: %q", rec.Body.String())
	}
	if len(rows) != 1 || rows[0]["username"] != "carla" {
		t.Errorf("clients of reseller: got %d rows, want carla only", len(rows))
	}
	wantFault(t, s, "client_add", map[string]any{"session_id": sid, "reseller_id": 1, "params": resellerParams()}, "Reseller cannot be client of another reseller.")
	dup := customerParams()
	env = call(t, s, "client_add", map[string]any{"session_id": sid, "reseller_id": 1, "params": dup})
	if env.Message != "username_error_unique<br>\r\nDuplicate username<br />" {
		t.Errorf("duplicate username: got %q, want the form's username_error_unique<br>, then klientadd's Duplicate username<br />", env.Message)
	}
	var changed bool
	ok(t, s, "client_change_password", map[string]any{"session_id": sid, "client_id": 2, "new_password": "x"}, &changed)
	if p := s.Row("client", 2)["password"]; !verifyCrypt("x", p) || !verifyCrypt("x", s.Row("sys_user", 3)["passwort"]) {
		t.Errorf("client_change_password: stored hashes do not verify")
	}
	wantFault(t, s, "client_change_password", map[string]any{"session_id": sid, "client_id": 9, "new_password": "x"}, "There is no user account for this client_id")
}

func TestClientAdd_InvalidAndHalfCreated(t *testing.T) {
	s, sid, _ := newSim(t)
	wantFault(t, s, "client_add", map[string]any{"session_id": sid, "reseller_id": 1, "params": map[string]any{"username": "web7", "password": "short"}},
		"contact_error_empty<br />\r\nusername_error_collision<br>\r\nThe chosen password does not match the security guidelines. It has to be at least 8 chars in length and have a strength of \"Good\".email_error_isemail<br />\r\nemail_error_empty<br />\r\nweb_php_options_notempty<br />\r\nssh_chroot_notempty<br />\r\n")
	if n := len(s.Rows("client")); n != 0 {
		t.Fatalf("clients after validation failure: got %d, want 0", n)
	}
	p := customerParams()
	delete(p, "language")
	// sys_user.language is NOT NULL, so the panel user's INSERT fails; a default installation's mysqli does not
	// throw and ISPConfig does not check, so the call succeeds with a client that has no panel user.
	var id string
	ok(t, s, "client_add", map[string]any{"session_id": sid, "reseller_id": 0, "params": p}, &id)
	if id != "1" {
		t.Errorf("client_add without language: got id %q, want 1", id)
	}
	if len(s.Rows("client")) != 1 || len(s.Rows("sys_group")) != 2 || len(s.Rows("sys_user")) != 1 {
		t.Errorf("half-created client: got %d clients, %d groups, %d users, want 1, 2, 1",
			len(s.Rows("client")), len(s.Rows("sys_group")), len(s.Rows("sys_user")))
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestClientUpdate_PasswordCorruption(t *testing.T) {
	s, sid, _ := newSim(t)
	setupTenancy(t, s, sid)
	var n int
	ok(t, s, "client_update", map[string]any{"session_id": sid, "client_id": 2, "reseller_id": 0, "params": map[string]any{"city": "Hamburg", "password": ""}}, &n)
	if n != 1 {
		t.Errorf("first update: got %d, want 1", n)
	}
	ok(t, s, "client_update", map[string]any{"session_id": sid, "client_id": 2, "reseller_id": 0, "params": map[string]any{"city": "Hamburg", "password": ""}}, &n)
	if n != 0 {
		t.Errorf("same update again: got %d, want 0", n)
	}
	if !verifyCrypt("Cust0mer!Secret", s.Row("client", 2)["password"]) {
		t.Fatalf("password broken by update with password \"\"")
	}
	ok(t, s, "client_update", map[string]any{"session_id": sid, "client_id": 2, "reseller_id": 0, "params": map[string]any{"city": "Berlin"}}, &n)
	if verifyCrypt("Cust0mer!Secret", s.Row("client", 2)["password"]) || verifyCrypt("Cust0mer!Secret", s.Row("sys_user", 3)["passwort"]) {
		t.Errorf("update without password: got working password, want it corrupted (re-hashed hash)")
	}
	env := call(t, s, "client_update", map[string]any{"session_id": sid, "client_id": 99, "reseller_id": 0, "params": map[string]any{"password": ""}})
	if env.Code != "remote_fault" || !strings.HasPrefix(env.Message, "contact_error_empty<br />\r\nusername_error_empty<br />") {
		t.Errorf("update of missing client: got %q %q, want validation fault", env.Code, env.Message)
	}
	wantFault(t, s, "client_update", map[string]any{"session_id": sid, "client_id": 1, "reseller_id": 2, "params": map[string]any{"password": ""}}, "Selected client is not a reseller.")
}

func TestOwnershipStamping(t *testing.T) {
	s, sid, _ := newSim(t)
	setupTenancy(t, s, sid)
	for _, tt := range []struct {
		client   any
		uid, gid string
	}{{0, "1", "1"}, {2, "3", "3"}, {99, "0", "0"}, {nil, "1", "1"}} {
		var id string
		ok(t, s, "domains_domain_add", map[string]any{"session_id": sid, "client_id": tt.client, "params": map[string]any{"domain": "d" + mustJSON(tt.client) + ".test"}}, &id)
		var row map[string]any
		ok(t, s, "domains_domain_get", map[string]any{"session_id": sid, "primary_id": id}, &row)
		if row["sys_userid"] != tt.uid || row["sys_groupid"] != tt.gid || row["sys_perm_user"] != "riud" || row["sys_perm_group"] != "riud" || row["sys_perm_other"] != "" {
			t.Errorf("client_id %v: got owner %v/%v perms %v/%v/%v, want %s/%s riud/riud/''", tt.client, row["sys_userid"], row["sys_groupid"],
				row["sys_perm_user"], row["sys_perm_group"], row["sys_perm_other"], tt.uid, tt.gid)
		}
	}
	var list []map[string]string
	ok(t, s, "domains_get_all_by_user", map[string]any{"session_id": sid, "group_id": 3}, &list)
	if len(list) != 1 || list[0]["domain"] != "d2.test" {
		t.Errorf("domains_get_all_by_user(3): got %v, want d2.test", list)
	}
	// Update with client_id > 0 moves the record; 0 keeps the owner.
	var n int
	ok(t, s, "domains_domain_update", map[string]any{"session_id": sid, "client_id": 2, "primary_id": 1, "params": map[string]any{}}, &n)
	if r := s.Row("domain", 1); n != 1 || r["sys_groupid"] != "3" {
		t.Errorf("domains_domain_update client 2: got %d, group %s, want 1, 3", n, r["sys_groupid"])
	}
	ok(t, s, "domains_domain_update", map[string]any{"session_id": sid, "client_id": 0, "primary_id": 1, "params": map[string]any{}}, &n)
	if r := s.Row("domain", 1); n != 0 || r["sys_groupid"] != "3" {
		t.Errorf("domains_domain_update client 0: got %d, group %s, want 0, 3", n, r["sys_groupid"])
	}
}

func TestWebDomain_PluginResetsAndStatus(t *testing.T) {
	s, sid, _ := newSim(t)
	setupTenancy(t, s, sid)
	wantFault(t, s, "sites_web_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"server_id": 1, "domain": "bare.test"}},
		"hd_quota_error_empty<br />\r\nhd_quota_error_regex<br />\r\ntraffic_quota_error_empty<br />\r\ntraffic_quota_error_regex<br />\r\nallow_override_error_empty<br />\r\npm_process_idle_timeout_error_regex<br />\r\npm_max_requests_error_regex<br />\r\nhttp_port_error_regex<br />\r\nhttps_port_error_regex<br />\r\n")
	var id string
	ok(t, s, "sites_web_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": siteParams("carla-shop.test")}, &id)
	r := s.Row("web_domain", 1)
	for k, want := range map[string]string{"sys_userid": "3", "sys_groupid": "3", "sys_perm_group": "ru", "document_root": "/var/www/clients/client2/web1",
		"system_user": "web1", "system_group": "client2", "is_subdomainwww": "1", "ssl_request": "", "log_retention": "10", "pm_max_children": "10"} {
		if r[k] != want {
			t.Errorf("site %s: got %q, want %q", k, r[k], want)
		}
	}
	if _, isSet := r["stats_password"]; isSet {
		t.Errorf("stats_password: got %q, want NULL", r["stats_password"])
	}
	if !strings.HasPrefix(r["php_open_basedir"], "/var/www/clients/client2/web1/web:") {
		t.Errorf("php_open_basedir: got %q", r["php_open_basedir"])
	}
	wantFault(t, s, "sites_web_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": siteParams("carla-shop.test")}, "domain_error_unique<br>\r\n")

	var n int
	ok(t, s, "sites_web_domain_update", map[string]any{"session_id": sid, "client_id": 0, "primary_id": 1, "params": map[string]any{"hd_quota": 3000}}, &n)
	r = s.Row("web_domain", 1)
	if n != 1 || r["pm_max_children"] != "1" || r["pm_start_servers"] != "1" || r["pm_max_spare_servers"] != "1" || r["log_retention"] != "30" || r["hd_quota"] != "3000" {
		t.Errorf("partial site update: got %d pm %s/%s/%s log %s quota %s, want 1 and the 1/1/1/30 resets", n, r["pm_max_children"], r["pm_start_servers"], r["pm_max_spare_servers"], r["log_retention"], r["hd_quota"])
	}
	ok(t, s, "sites_web_domain_set_status", map[string]any{"session_id": sid, "primary_id": 1, "status": "inactive"}, &n)
	if n != 1 || s.Row("web_domain", 1)["active"] != "n" || s.Row("web_domain", 1)["pm_max_children"] != "1" {
		t.Errorf("set_status inactive: got %d active %s", n, s.Row("web_domain", 1)["active"])
	}
	ok(t, s, "sites_web_domain_set_status", map[string]any{"session_id": sid, "primary_id": 1, "status": "inactive"}, &n)
	if n != 0 {
		t.Errorf("set_status again: got %d, want 0", n)
	}
	wantFault(t, s, "sites_web_domain_set_status", map[string]any{"session_id": sid, "primary_id": 1, "status": "off"}, "The status is not available")
	var sites []map[string]string
	ok(t, s, "client_get_sites_by_user", map[string]any{"session_id": sid, "sys_userid": "3", "sys_groupid": "3"}, &sites)
	if len(sites) != 1 || sites[0]["document_root"] != "/var/www/clients/client2/web1" || sites[0]["active"] != "n" {
		t.Errorf("client_get_sites_by_user: got %v", sites)
	}
	p := siteParams("ro.test")
	ok(t, s, "sites_web_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": p, "readonly": true}, &id)
	if got := s.Row("web_domain", 2)["sys_userid"]; got != "1" {
		t.Errorf("readonly site sys_userid: got %s, want 1", got)
	}
	rec := rawCall(t, s, "sites_web_domain_update", mustJSON(map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"hd_quota": 1}}))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Primary ID fehlt!") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("update without primary_id: got %d %q %q, want the HTML Primary ID fehlt! page", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

func TestMail_NoDefaultsBooleansAndChecks(t *testing.T) {
	s, sid, _ := newSim(t)
	setupTenancy(t, s, sid)
	ok(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"server_id": 1, "domain": "Carla-Shop.test", "active": true}}, nil)
	md := s.Row("mail_domain", 1)
	if md["active"] != "n" || md["dkim_selector"] != "" || md["dkim"] != "n" || md["domain"] != "carla-shop.test" {
		t.Errorf("mail domain: got active %q selector %q dkim %q domain %q, want n, '', n, carla-shop.test", md["active"], md["dkim_selector"], md["dkim"], md["domain"])
	}
	wantFault(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"server_id": 1, "domain": "carla-shop.test", "active": "y"}}, "domain_error_unique<br />\r\n")
	var n int
	ok(t, s, "mail_domain_set_status", map[string]any{"session_id": sid, "primary_id": 1, "status": "active"}, &n)
	if n != 1 || s.Row("mail_domain", 1)["active"] != "y" {
		t.Errorf("mail_domain_set_status: got %d, want 1 and active y", n)
	}
	var byDomain []map[string]any
	ok(t, s, "mail_domain_get_by_domain", map[string]any{"session_id": sid, "domain": "carla-shop.test"}, &byDomain)
	if len(byDomain) != 1 {
		t.Errorf("mail_domain_get_by_domain: got %d rows, want 1", len(byDomain))
	}
	wantFault(t, s, "mail_user_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"email": "info@elsewhere.test"}}, "Mail domain - elsewhere.test - does not exist as primary.")
	wantFault(t, s, "mail_user_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"email": "info@carla-shop.test"}}, "login_error_regex<br />\r\nquota_error_value<br />\r\n")
	ok(t, s, "mail_user_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"server_id": 1, "email": "info@carla-shop.test", "login": "info@carla-shop.test", "password": "M4ilbox!Secret", "quota": 1073741824, "postfix": "y"}}, nil)
	mu := s.Row("mail_user", 1)
	for k, want := range map[string]string{"uid": "-1", "gid": "-1", "maildir_format": "maildir", "access": "y", "disableimap": "n", "move_junk": "", "greylisting": "n", "purge_trash_days": "0", "backup_copies": "0"} {
		if mu[k] != want {
			t.Errorf("mailbox %s: got %q, want %q", k, mu[k], want)
		}
	}
	if !verifyCrypt("M4ilbox!Secret", mu["password"]) {
		t.Errorf("mailbox password %q does not verify", mu["password"])
	}
	wantFault(t, s, "mail_user_update", map[string]any{"session_id": sid, "client_id": 0, "primary_id": 1, "params": map[string]any{"password": "abc"}},
		`The chosen password does not match the security guidelines. It has to be at least 8 chars in length and have a strength of "Good".`)
	ok(t, s, "mail_user_update", map[string]any{"session_id": sid, "client_id": 0, "primary_id": 1, "params": map[string]any{"name": "Info"}}, &n)
	if !verifyCrypt("M4ilbox!Secret", s.Row("mail_user", 1)["password"]) {
		t.Errorf("mailbox password changed by update without password")
	}
	wantFault(t, s, "mail_alias_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"source": "info@carla-shop.test", "destination": "info@carla-shop.test", "type": "alias", "active": "y"}}, "There is already a mailbox with this email address.")
	ok(t, s, "mail_forward_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"source": "boss@carla-shop.test", "destination": "x@y.test"}}, nil)
	if fw := s.Row("mail_forwarding", 1); fw["type"] != "" || fw["active"] != "n" {
		t.Errorf("forward without type/active: got %q/%q, want ''/n", fw["type"], fw["active"])
	}
	// No cascade: deleting the mail domain leaves the mailbox.
	ok(t, s, "mail_domain_delete", map[string]any{"session_id": sid, "primary_id": 1}, &n)
	if n != 1 || len(s.Rows("mail_user")) != 1 || len(s.Rows("mail_forwarding")) != 1 {
		t.Errorf("mail_domain_delete: got %d, %d mailboxes, %d forwards, want 1, 1, 1", n, len(s.Rows("mail_user")), len(s.Rows("mail_forwarding")))
	}
	ok(t, s, "mail_domain_delete", map[string]any{"session_id": sid, "primary_id": 1}, &n)
	if n != 0 {
		t.Errorf("delete again: got %d, want 0", n)
	}
	ok(t, s, "mail_user_delete", map[string]any{"session_id": sid, "primary_id": -1}, &n)
	if n != 0 || len(s.Rows("mail_user")) != 1 {
		t.Errorf("delete -1: got %d, want 0 and nothing deleted", n)
	}
	wantFault(t, s, "mail_user_delete", map[string]any{"session_id": sid, "primary_id": 0}, "The ID has to be > 0 or -1.")
	// A nonexistent id validates only params and changes nothing.
	ok(t, s, "mail_forward_update", map[string]any{"session_id": sid, "client_id": 0, "primary_id": 42, "params": map[string]any{"source": "a@b.test"}}, &n)
	if n != 0 {
		t.Errorf("update of missing id: got %d, want 0", n)
	}
}

func TestGet_IDSemanticsAndFilters(t *testing.T) {
	s, sid, _ := newSim(t)
	setupTenancy(t, s, sid)
	for _, d := range []string{"alpha.test", "beta.test", "gamma.example"} {
		ok(t, s, "domains_domain_add", map[string]any{"session_id": sid, "client_id": 2, "params": map[string]any{"domain": d}}, nil)
	}
	tests := []struct {
		id   any
		want string
	}{
		{999, "null"}, {"abc", "[]"}, {nil, "[]"}, {true, "[]"}, {"2", `"beta.test"`}, {2.0, `"beta.test"`},
	}
	for _, tt := range tests {
		env := call(t, s, "domains_domain_get", map[string]any{"session_id": sid, "primary_id": tt.id})
		got := string(env.Response)
		if strings.HasPrefix(got, "{") {
			var m map[string]any
			json.Unmarshal(env.Response, &m)
			got = mustJSON(m["domain"])
		}
		if env.Code != "ok" || got != tt.want {
			t.Errorf("get %#v: got %s %s, want %s", tt.id, env.Code, got, tt.want)
		}
	}
	wantFault(t, s, "domains_domain_get", map[string]any{"session_id": sid, "primary_id": 0}, "The ID has to be > 0 or -1.")
	wantFault(t, s, "domains_domain_get", map[string]any{"session_id": sid, "primary_id": -2}, "The ID has to be > 0 or -1.")
	count := func(filter any) int {
		var rows []map[string]any
		ok(t, s, "domains_domain_get", map[string]any{"session_id": sid, "primary_id": filter}, &rows)
		return len(rows)
	}
	for _, tt := range []struct {
		filter any
		want   int
	}{
		{-1, 3}, {map[string]any{}, 3}, {[]any{}, 3}, {map[string]any{"domain": "%.test"}, 2}, {map[string]any{"domain": "BETA.test"}, 1},
		{map[string]any{"sys_groupid": 3, "domain": "%a%"}, 3}, {map[string]any{"domain": nil}, 0},
		// encoding/json sorts keys, so the paging keys come first: ISPConfig still binds their names and values,
		// the statement then filters on the column `#LIMIT#`, and the SQL error yields [].
		{map[string]any{"sys_groupid": 3, "#LIMIT#": 2, "#OFFSET#": 2}, 0},
		{map[string]any{"no_such_column": "x"}, 0}, {[]any{1, 2}, 0},
	} {
		if got := count(tt.filter); got != tt.want {
			t.Errorf("filter %v: got %d rows, want %d", tt.filter, got, tt.want)
		}
	}
	for body, want := range map[string]int{
		`{"sys_groupid":3,"#LIMIT#":2,"#OFFSET#":2}`:  1,
		`{"sys_groupid":3,"#OFFSET#":-1,"#LIMIT#":1}`: 3, // a negative offset drops the LIMIT clause
		`{"#OFFSET#":1,"#LIMIT#":1}`:                  1,
		`{"sys_groupid":3,"#LIMIT#":1,"domain":"%"}`:  0,
	} {
		rec := rawCall(t, s, "domains_domain_get", `{"session_id":"`+sid+`","primary_id":`+body+`}`)
		var env envelope
		var rows []map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || json.Unmarshal(env.Response, &rows) != nil {
			t.Fatalf("filter %s: %q", body, rec.Body.String())
		}
		if len(rows) != want {
			t.Errorf("filter %s: got %d rows, want %d", body, len(rows), want)
		}
	}
	rec := rawCall(t, s, "client_get", mustJSON(map[string]any{"session_id": sid, "client_id": map[string]any{"domain": map[string]any{"x": 1}}}))
	if rec.Code != 500 || rec.Body.Len() != 0 {
		t.Errorf("filter value an object: got %d %q, want 500 and empty body", rec.Code, rec.Body.String())
	}
}

func TestServers(t *testing.T) {
	s, sid, _ := newSim(t)
	var sec map[string]string
	ok(t, s, "server_get", map[string]any{"session_id": sid, "server_id": 1, "section": "mail"}, &sec)
	if sec["maildir_path"] != "/var/vmail/[domain]/[localpart]" || sec["homedir_path"] != "/var/vmail" {
		t.Errorf("server_get mail: got %v", sec)
	}
	var byIP map[string]string
	ok(t, s, "server_get_serverid_by_ip", map[string]any{"session_id": sid, "ipaddress": "192.0.2.10"}, &byIP)
	if byIP["server_id"] != "1" {
		t.Errorf("server_get_serverid_by_ip: got %v, want server 1", byIP)
	}
	env := call(t, s, "server_get_serverid_by_ip", map[string]any{"session_id": sid, "ipaddress": "198.51.100.7"})
	if string(env.Response) != "null" {
		t.Errorf("unknown IP: got %s, want null", env.Response)
	}
	var all map[string]map[string]map[string]string
	ok(t, s, "server_get", map[string]any{"session_id": sid}, &all)
	if all["1"]["web"]["htaccess_allow_override"] != "All" {
		t.Errorf("server_get without id: got %v", all["1"]["web"])
	}
}

func TestDropField(t *testing.T) {
	s, sid, _ := newSim(t)
	s.DropField("mail_domain", "active")
	ok(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"domain": "a.test", "active": "y", "dkim_selector": "x"}}, nil)
	if r := s.Row("mail_domain", 1); r["active"] != "n" || r["dkim_selector"] != "x" {
		t.Errorf("dropped active: got active %q selector %q, want DB default n and x", r["active"], r["dkim_selector"])
	}
	s.ClearDroppedFields()
	ok(t, s, "mail_domain_update", map[string]any{"session_id": sid, "client_id": 0, "primary_id": 1, "params": map[string]any{"active": "y"}}, nil)
	if got := s.Row("mail_domain", 1)["active"]; got != "y" {
		t.Errorf("after ClearDroppedFields: got active %q, want y", got)
	}
}

func TestCallLog(t *testing.T) {
	s, sid, _ := newSim(t)
	ok(t, s, "server_get_all", map[string]any{"session_id": sid}, nil)
	ok(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"domain": "a.test"}}, nil)
	calls := s.Calls()
	if len(calls) != 3 || calls[0].Function != "login" || calls[2].Function != "mail_domain_add" {
		t.Fatalf("calls: got %+v, want login, server_get_all, mail_domain_add", calls)
	}
	if p, _ := calls[2].Params["params"].(map[string]any); p["domain"] != "a.test" || !calls[2].Applied {
		t.Errorf("logged params: got %v applied %v", calls[2].Params, calls[2].Applied)
	}
	if got := s.CallCount(); got != 2 {
		t.Errorf("CallCount(): got %d, want 2", got)
	}
	if got := s.CallCount("login", "mail_domain_add"); got != 2 {
		t.Errorf("CallCount(login, mail_domain_add): got %d, want 2", got)
	}
	s.ResetCalls()
	if got := len(s.Calls()); got != 0 {
		t.Errorf("after ResetCalls: got %d calls, want 0", got)
	}
}

func TestFaults(t *testing.T) {
	s, sid, _ := newSim(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(fn string, body map[string]any) (*http.Response, []byte, error) {
		resp, err := http.Post(srv.URL+"/remote/json.php?"+fn, "application/json", strings.NewReader(mustJSON(body)))
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	add := func(d string) map[string]any {
		return map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"domain": d}}
	}

	s.SetFault("mail_domain_add", Fault{Kind: FaultHTTP500})
	resp, body, err := post("mail_domain_add", add("before.test"))
	if err != nil || resp.StatusCode != 500 || len(body) != 0 || len(s.Rows("mail_domain")) != 0 {
		t.Errorf("500 before: got %v %v %q rows %d, want 500, empty body, nothing written", err, resp, body, len(s.Rows("mail_domain")))
	}
	s.SetFault("mail_domain_add", Fault{Kind: FaultHTTP500, After: true})
	resp, _, _ = post("mail_domain_add", add("after.test"))
	if resp.StatusCode != 500 || len(s.Rows("mail_domain")) != 1 {
		t.Errorf("500 after: got %d, %d rows, want 500 and the write applied", resp.StatusCode, len(s.Rows("mail_domain")))
	}
	if c := s.Calls(); !c[len(c)-1].Applied || c[len(c)-1].Fault != FaultHTTP500 || c[len(c)-2].Applied {
		t.Errorf("call log Applied flags: got %+v", c[len(c)-2:])
	}
	s.ClearFaults()
	if resp, _, _ = post("mail_domain_add", add("ok.test")); resp.StatusCode != 200 {
		t.Errorf("after ClearFaults: got %d, want 200", resp.StatusCode)
	}

	s.SetFault("", Fault{Kind: FaultReset})
	if _, _, err := post("server_get_all", map[string]any{"session_id": sid}); err == nil {
		t.Errorf("reset: got no error, want a transport error")
	}
	s.SetFault("", Fault{Kind: FaultGarbage})
	resp, body, _ = post("server_get_all", map[string]any{"session_id": sid})
	if resp.StatusCode != 200 || json.Valid(body) {
		t.Errorf("garbage: got %d valid JSON %v, want 200 and invalid JSON", resp.StatusCode, json.Valid(body))
	}
	s.SetFault("", Fault{Kind: FaultDown})
	if resp, _, _ = post("login", map[string]any{}); resp.StatusCode != 502 {
		t.Errorf("down: got %d, want 502", resp.StatusCode)
	}
	s.SetFault("", Fault{Kind: FaultLatency, Latency: 30 * time.Millisecond})
	start := time.Now()
	if resp, _, _ = post("server_get_all", map[string]any{"session_id": sid}); resp.StatusCode != 200 || time.Since(start) < 30*time.Millisecond {
		t.Errorf("latency: got %d after %v, want 200 after ≥30ms", resp.StatusCode, time.Since(start))
	}
	s.SetFault("", Fault{Kind: FaultHTTP500, Times: 1})
	first, _, _ := post("server_get_all", map[string]any{"session_id": sid})
	second, _, _ := post("server_get_all", map[string]any{"session_id": sid})
	if first.StatusCode != 500 || second.StatusCode != 200 {
		t.Errorf("Times 1: got %d then %d, want 500 then 200", first.StatusCode, second.StatusCode)
	}

	pattern := func(seed uint64) string {
		s := New(WithSeed(seed))
		s.SetFault("", Fault{Kind: FaultHTTP500, Rate: 0.5})
		var b strings.Builder
		for range 40 {
			rec := rawCall(t, s, "login", `{}`)
			if rec.Code == 500 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	p1, p2 := pattern(7), pattern(7)
	if p1 != p2 || !strings.Contains(p1, "x") || !strings.Contains(p1, ".") {
		t.Errorf("Rate 0.5 with seed 7: got %s and %s, want equal mixed patterns", p1, p2)
	}
}

func TestConcurrentCalls(t *testing.T) {
	s, sid, _ := newSim(t)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			d := "c" + mustJSON(i) + ".test"
			env := call(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"domain": d, "active": "y"}})
			if env.Code != "ok" {
				t.Errorf("concurrent add %s: got %s %s", d, env.Code, env.Message)
			}
			call(t, s, "mail_domain_get", map[string]any{"session_id": sid, "primary_id": -1})
		})
	}
	wg.Wait()
	if got := len(s.Rows("mail_domain")); got != 64 {
		t.Errorf("rows after concurrent adds: got %d, want 64", got)
	}
}

func TestParseUserSpec(t *testing.T) {
	for _, tt := range []struct{ spec, name, pw, fns string }{
		{"portal:secret", "portal", "secret", ""},
		{"portal:secret:mail_domain_get,mail_user_get;client_get", "portal", "secret", "mail_domain_get,mail_user_get;client_get"},
	} {
		n, p, f, err := ParseUserSpec(tt.spec)
		if err != nil || n != tt.name || p != tt.pw || f != tt.fns {
			t.Errorf("ParseUserSpec(%q): got %q %q %q %v, want %q %q %q", tt.spec, n, p, f, err, tt.name, tt.pw, tt.fns)
		}
	}
	for _, bad := range []string{"", "portal", ":pw", "portal:"} {
		if _, _, _, err := ParseUserSpec(bad); err == nil {
			t.Errorf("ParseUserSpec(%q): got nil error, want one", bad)
		}
	}
}

func TestRun_ServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"--listen", "127.0.0.1:0", "--user", "portal:Secret#2024"}, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading URL: %v", err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(line)
	if !strings.HasSuffix(url, "/remote/json.php") {
		t.Fatalf("printed URL: got %q, want …/remote/json.php", url)
	}
	resp, err := http.Post(url+"?login", "application/json", strings.NewReader(`{"username":"portal","password":"Secret#2024"}`))
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if env.Code != "ok" || len(env.Response) != 34 {
		t.Errorf("login: got %s %s, want ok and a session id", env.Code, env.Response)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestIDNA(t *testing.T) {
	for _, tt := range []struct {
		opts []Option
		want string
	}{
		{nil, "xn--bcher-kva.test"},
		{[]Option{WithoutIDNA()}, ""},
	} {
		s := New(tt.opts...)
		s.AddRemoteUser("portal", "pw", "")
		var sid string
		ok(t, s, "login", map[string]any{"username": "portal", "password": "pw"}, &sid)
		env := call(t, s, "mail_domain_add", map[string]any{"session_id": sid, "client_id": 0, "params": map[string]any{"server_id": 1, "domain": "bücher.test", "active": "y"}})
		if tt.want == "" {
			if env.Code != "remote_fault" || env.Message != "domain_error_regex<br />\r\n" {
				t.Errorf("without IDNA: got %s %q, want the domain_error_regex fault", env.Code, env.Message)
			}
			continue
		}
		if got := s.Row("mail_domain", 1)["domain"]; env.Code != "ok" || got != tt.want {
			t.Errorf("with IDNA: got %s %q, stored %q, want %q", env.Code, env.Message, got, tt.want)
		}
	}
}
