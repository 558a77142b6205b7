package ispapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fake is a canned json.php: each function answers with a fixed status and body, taken from examples.md.
type fake struct {
	mu     sync.Mutex
	answer map[string]func(body map[string]any) (int, string)
	calls  []string
	logins atomic.Int64
}

func newFake(t *testing.T) (*fake, *Client) {
	t.Helper()
	f := &fake{answer: map[string]func(map[string]any) (int, string){}}
	f.answer["login"] = func(map[string]any) (int, string) {
		n := f.logins.Add(1)
		return 200, `{"code":"ok","message":"","response":"sess` + string(rune('0'+n%10)) + `"}`
	}
	f.answer["logout"] = func(map[string]any) (int, string) { return 200, `{"code":"ok","message":"","response":true}` }
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL + "/remote/json.php", Username: "portal", Password: "secret", RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fn := r.URL.RawQuery
	data, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(data, &body)
	f.mu.Lock()
	f.calls = append(f.calls, fn)
	h := f.answer[fn]
	f.mu.Unlock()
	if h == nil {
		w.Write([]byte(`{"code":"invalid_method","message":"Method ` + fn + ` does not exist","response":false}`))
		return
	}
	status, resp := h(body)
	w.WriteHeader(status)
	w.Write([]byte(resp))
}

func (f *fake) set(fn string, status int, resp string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer[fn] = func(map[string]any) (int, string) { return status, resp }
}

func TestCall_Classification(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		check  func(error) bool
	}{
		{"html body", 200, `<html><li>Primary ID fehlt!</li></html>`, is(ErrUnavailable)},
		{"api disabled", 200, `Remote API is disabled in security settings.`, is(ErrUnavailable)},
		{"http 500 empty", 500, ``, is(ErrUnavailable)},
		{"http 502", 502, `{"code":"ok","message":"","response":1}`, is(ErrUnavailable)},
		{"empty 200", 200, ``, is(ErrUnavailable)},
		{"json without code", 200, `{"response":1}`, is(ErrUnavailable)},
		{"permission", 200, `{"code":"remote_fault","message":"You do not have the permissions to access this function.","response":false}`, is(ErrUnauthorized)},
		{"unknown method", 200, `{"code":"invalid_method","message":"Method x does not exist","response":false}`, asAPI("invalid_method")},
		{"other fault", 200, `{"code":"remote_fault","message":"The status is not available","response":false}`, asAPI("remote_fault")},
		{"validation", 200, `{"code":"remote_fault","message":"domain_error_unique<br />\r\n","response":false}`, keys("domain_error_unique")},
		{"validation custom", 200, `{"code":"remote_fault","message":"domain_error_unique<br>\r\n","response":false}`, keys("domain_error_unique")},
		{"validation mixed with password sentence", 200, `{"code":"remote_fault","message":"contact_error_empty<br />\r\nusername_error_collision<br>\r\nThe chosen password does not match the security guidelines. It has to be at least 8 chars in length and have a strength of \"Good\".email_error_isemail<br />\r\nemail_error_empty<br />\r\n","response":false}`,
			keys("contact_error_empty", "username_error_collision", KeyWeakPassword, "email_error_isemail", "email_error_empty")},
		{"weak password alone", 200, `{"code":"remote_fault","message":"The chosen password does not match the security guidelines. It has to be at least 8 chars in length and have a strength of \"Good\".","response":false}`, keys(KeyWeakPassword)},
		{"duplicate username", 200, `{"code":"remote_fault","message":"username_error_unique<br>\r\nDuplicate username<br />","response":false}`, keys("username_error_unique", KeyDuplicateUsername)},
		{"mail domain missing", 200, `{"code":"remote_fault","message":"Mail domain - elsewhere.test - does not exist as primary.","response":false}`, keys(KeyMailDomainMissing)},
		{"mailbox exists", 200, `{"code":"remote_fault","message":"There is already a mailbox with this email address.","response":false}`, keys(KeyMailboxExists)},
		{"maintenance", 200, `{"code":"remote_fault","message":"This ISPConfig installation is currently under maintenance. We should be back shortly. Thank you for your patience.","response":false}`, is(ErrUnavailable)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t)
			f.set("server_get_all", tt.status, tt.body)
			err := c.call(context.Background(), "server_get_all", nil, nil)
			if !tt.check(err) {
				t.Fatalf("got %v (%T)", err, err)
			}
		})
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func asAPI(code string) func(error) bool {
	return func(err error) bool {
		var ae *APIError
		return errors.As(err, &ae) && ae.Code == code
	}
}

func keys(want ...string) func(error) bool {
	return func(err error) bool {
		var ve *ValidationError
		return errors.As(err, &ve) && reflect.DeepEqual(ve.Keys, want) && !ve.Local
	}
}

func TestCall_SessionExpiredReloginOnce(t *testing.T) {
	f, c := newFake(t)
	var calls atomic.Int64
	f.answer["server_get_all"] = func(body map[string]any) (int, string) {
		if calls.Add(1) == 1 {
			return 200, `{"code":"remote_fault","message":"The Session is expired or does not exist.","response":false}`
		}
		return 200, `{"code":"ok","message":"","response":[{"server_id":"1","server_name":"s1"}]}`
	}
	if err := c.call(context.Background(), "server_get_all", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := f.logins.Load(); got != 2 {
		t.Fatalf("logins: got %d, want 2", got)
	}
	// A session that stays rejected surfaces as ErrSessionExpired after one retry.
	f.set("server_get_all", 200, `{"code":"remote_fault","message":"The Session is expired or does not exist.","response":false}`)
	if err := c.call(context.Background(), "server_get_all", nil, nil); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("got %v, want ErrSessionExpired", err)
	}
}

func TestSession_SingleFlightAndRefresh(t *testing.T) {
	f, c := newFake(t)
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f.set("server_get_all", 200, `{"code":"ok","message":"","response":[]}`)
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.call(context.Background(), "server_get_all", nil, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := f.logins.Load(); got != 1 {
		t.Fatalf("logins after 64 concurrent calls: got %d, want 1", got)
	}
	mu.Lock()
	now = now.Add(24 * time.Minute)
	mu.Unlock()
	_ = c.Ping(context.Background())
	if got := f.logins.Load(); got != 1 {
		t.Fatalf("logins at 24 min: got %d, want 1", got)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	_ = c.Ping(context.Background())
	if got := f.logins.Load(); got != 2 {
		t.Fatalf("logins at 26 min: got %d, want 2 (refresh before expiry)", got)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.calls[len(f.calls)-1] != "logout" {
		t.Fatalf("last call %q, want logout", f.calls[len(f.calls)-1])
	}
}

func TestGetClient_NullIsNotFound(t *testing.T) {
	f, c := newFake(t)
	f.set("client_get", 200, `{"code":"ok","message":"","response":null}`)
	if _, err := c.GetClient(context.Background(), 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	f.set("client_get_by_username", 200, `{"code":"remote_fault","message":"There is no user account for this user name.","response":false}`)
	if _, err := c.ClientByUsername(context.Background(), "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestRead_RetriesUnavailable(t *testing.T) {
	f, c := newFake(t)
	var n atomic.Int64
	f.answer["mail_domain_get"] = func(map[string]any) (int, string) {
		if n.Add(1) < 3 {
			return 500, ""
		}
		return 200, `{"code":"ok","message":"","response":{"domain_id":"1","domain":"carla-shop.test","active":"y"}}`
	}
	m, err := c.GetMailDomain(context.Background(), 1)
	if err != nil || m.Domain != "carla-shop.test" || !bool(m.Active) {
		t.Fatalf("got %+v, %v", m, err)
	}
}

func TestDecode_StringTolerant(t *testing.T) {
	var r struct {
		A, B, C, D, E Int
		F, G, H, I    Flag
	}
	in := `{"A":"42","B":7,"C":null,"D":"","E":"12abc","F":"y","G":"n","H":null,"I":"Y"}`
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if r.A != 42 || r.B != 7 || r.C != 0 || r.D != 0 || r.E != 12 || !bool(r.F) || bool(r.G) || bool(r.H) || !bool(r.I) {
		t.Fatalf("got %+v", r)
	}
}

func TestToParams(t *testing.T) {
	p := toParams(WebDomainParams{ServerID: 1, Active: true, ErrorDocs: true, Domain: "a.test"})
	if p["active"] != "y" || p["cgi"] != "n" || p["errordocs"] != int64(1) || p["server_id"] != int64(1) || p["log_retention"] != int64(0) {
		t.Fatalf("got %v", p)
	}
	u := toParams(MailUserUpdate{Name: Ptr("x"), Postfix: Ptr(false)})
	if len(u) != 2 || u["name"] != "x" || u["postfix"] != "n" {
		t.Fatalf("got %v", u)
	}
	cl := toParams(ClientUpdate{Limits: &ClientLimits{WebDomain: 3}})
	if cl["limit_web_domain"] != int64(3) {
		t.Fatalf("got %v", cl)
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct{ in, want, key string }{
		{"Example.COM", "example.com", ""},
		{" bücher.example. ", "xn--bcher-kva.example", ""},
		{"", "", "domain_error_empty"},
		{"localhost", "", "domain_error_regex"},
		{"-a.test", "", "domain_error_regex"},
		{"a_b.test", "", "domain_error_regex"},
		{"a..test", "", "domain_error_regex"},
		{"a.1", "", "domain_error_regex"},
		{string(make([]byte, 64)) + ".test", "", "domain_error_regex"},
	}
	for _, tt := range tests {
		got, err := NormalizeDomain(tt.in)
		if tt.key == "" && (err != nil || got != tt.want) {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		var ve *ValidationError
		if tt.key != "" && (!errors.As(err, &ve) || !ve.Has(tt.key) || !ve.Local) {
			t.Errorf("NormalizeDomain(%q) error %v; want key %s", tt.in, err, tt.key)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Info@Carla-Shop.TEST", "info@carla-shop.test"},
		{"jürgen@bücher.example", ""}, // non-ASCII local part is not accepted by ISPConfig's ISEMAIL
		{"a@bücher.example", "a@xn--bcher-kva.example"},
		{"a+b@x.test", ""},
		{"a@x", ""},
		{"@x.test", ""},
		{"a..b@x.test", ""},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	for in, key := range map[string]string{"carla": "", "web7": "username_error_collision", "web": "username_error_collision",
		"webmaster": "", "a b": "username_error_regex", "": "username_error_empty"} {
		err := ValidateUsername(in)
		var ve *ValidationError
		if (key == "" && err != nil) || (key != "" && (!errors.As(err, &ve) || !ve.Has(key))) {
			t.Errorf("ValidateUsername(%q) = %v, want %q", in, err, key)
		}
	}
}

func TestObserve_OncePerHTTPCall(t *testing.T) {
	f, c := newFake(t)
	var mu sync.Mutex
	var seen []string
	c.observe = func(fn string, d time.Duration, err error) { mu.Lock(); seen = append(seen, fn); mu.Unlock() }
	f.set("server_get_all", 200, `{"code":"ok","message":"","response":[]}`)
	_ = c.call(context.Background(), "server_get_all", nil, nil)
	_ = c.Close(context.Background())
	if want := []string{"login", "server_get_all", "logout"}; !reflect.DeepEqual(seen, want) {
		t.Fatalf("got %v, want %v", seen, want)
	}
}
