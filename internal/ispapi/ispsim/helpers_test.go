package ispsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// envelope is a decoded json.php answer.
type envelope struct {
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	Response json.RawMessage `json:"response"`
}

// rawCall posts body to /remote/json.php?query and returns the recorder.
func rawCall(t *testing.T, s *Sim, query string, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/remote/json.php?"+query, bytes.NewBufferString(body))
	req.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// call posts a JSON body and decodes the envelope, failing the test on a non-envelope answer.
func call(t *testing.T, s *Sim, fn string, body map[string]any) envelope {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	rec := rawCall(t, s, fn, string(b))
	if rec.Code != 200 {
		t.Fatalf("%s: status %d, want 200", fn, rec.Code)
	}
	var env envelope
	raw, _ := io.ReadAll(rec.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s: body %q is not an envelope: %v", fn, raw, err)
	}
	return env
}

// ok calls fn and decodes a success response into out (if non-nil).
func ok(t *testing.T, s *Sim, fn string, body map[string]any, out any) {
	t.Helper()
	env := call(t, s, fn, body)
	if env.Code != "ok" {
		t.Fatalf("%s: got code %q message %q, want ok", fn, env.Code, env.Message)
	}
	if out != nil {
		if err := json.Unmarshal(env.Response, out); err != nil {
			t.Fatalf("%s: decoding %s: %v", fn, env.Response, err)
		}
	}
}

// wantFault calls fn and checks for a remote_fault with message msg.
func wantFault(t *testing.T, s *Sim, fn string, body map[string]any, msg string) {
	t.Helper()
	env := call(t, s, fn, body)
	if env.Code != "remote_fault" || env.Message != msg || string(env.Response) != "false" {
		t.Fatalf("%s: got %q %q %s, want remote_fault %q false", fn, env.Code, env.Message, env.Response, msg)
	}
}

// newSim returns a simulator with remote user "portal" holding every function, a fake clock and a session id.
func newSim(t *testing.T) (*Sim, string, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(WithClock(clk.Now))
	s.AddRemoteUser("portal", "ApiPass#2024", "")
	var sid string
	ok(t, s, "login", map[string]any{"username": "portal", "password": "ApiPass#2024"}, &sid)
	return s, sid, clk
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// resellerParams and customerParams are the client_add params of examples.md §2.
func resellerParams() map[string]any {
	return map[string]any{"company_name": "Example Hosting Ltd", "contact_firstname": "Rita", "contact_name": "Reseller",
		"email": "rita@example-hosting.test", "username": "exreseller", "password": "Res3ller!Secret", "language": "en",
		"usertheme": "default", "country": "GB", "limit_client": -1, "limit_web_domain": -1, "web_php_options": "no,fast-cgi,php-fpm",
		"ssh_chroot": "no,jailkit", "default_webserver": 1, "web_servers": "1"}
}

func customerParams() map[string]any {
	return map[string]any{"contact_firstname": "Carla", "contact_name": "Customer", "email": "carla@customer.test",
		"username": "carla", "password": "Cust0mer!Secret", "language": "en", "country": "DE", "limit_client": 0,
		"limit_web_domain": 2, "limit_web_quota": 5000, "limit_maildomain": 2, "limit_mailbox": 10, "limit_mailalias": 20,
		"limit_mailforward": 20, "limit_mailquota": 10240, "limit_domainmodule": 5, "limit_traffic_quota": -1,
		"default_webserver": 1, "web_servers": "1", "default_mailserver": 1, "mail_servers": "1",
		"web_php_options": "no,php-fpm", "ssh_chroot": "no", "limit_ssl": "y", "limit_ssl_letsencrypt": "y"}
}

func siteParams(domain string) map[string]any {
	return map[string]any{"server_id": 1, "ip_address": "*", "ipv6_address": "", "domain": domain, "type": "vhost",
		"parent_domain_id": 0, "vhost_type": "name", "hd_quota": 2000, "traffic_quota": -1, "cgi": "n", "ssi": "n",
		"suexec": "y", "errordocs": 1, "subdomain": "www", "ssl": "n", "ssl_letsencrypt": "n", "php": "php-fpm",
		"server_php_id": 0, "perl": "n", "ruby": "n", "python": "n", "active": "y", "redirect_type": "", "redirect_path": "",
		"seo_redirect": "", "rewrite_to_https": "n", "stats_type": "awstats", "backup_interval": "none", "backup_copies": 1,
		"backup_format_web": "default", "backup_format_db": "gzip", "allow_override": "All", "php_fpm_use_socket": "y",
		"php_fpm_chroot": "n", "pm": "ondemand", "pm_max_children": 10, "pm_start_servers": 2, "pm_min_spare_servers": 1,
		"pm_max_spare_servers": 5, "pm_process_idle_timeout": 10, "pm_max_requests": 0, "http_port": 80, "https_port": 443,
		"log_retention": 10}
}

// setupTenancy creates the reseller (client 1) and the customer (client 2) of examples.md.
func setupTenancy(t *testing.T, s *Sim, sid string) {
	t.Helper()
	var id string
	ok(t, s, "client_add", map[string]any{"session_id": sid, "reseller_id": 0, "params": resellerParams()}, &id)
	if id != "1" {
		t.Fatalf("reseller id: got %q, want 1", id)
	}
	ok(t, s, "client_add", map[string]any{"session_id": sid, "reseller_id": 1, "params": customerParams()}, &id)
	if id != "2" {
		t.Fatalf("customer id: got %q, want 2", id)
	}
}
