// Package ispapi is a typed client for the ISPConfig 3 remote API (the JSON endpoint remote/json.php), as
// specified in shared/ispconfig/API.md. It shares one API session between all goroutines, classifies every
// failure into a small set of errors (ErrUnavailable, ErrSessionExpired, ErrUnauthorized, ErrNotFound,
// *ValidationError, *InputError, *APIError, *MismatchError), validates input before sending it, sends every
// field of a record explicitly on add, and reads each written record back to check that ISPConfig stored what
// was sent.
package ispapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Session timing. ISPConfig sessions live 1800 s from login, however much they are used (API.md §2.2).
const (
	sessionLifetime = 30 * time.Minute
	// sessionRefresh is when the client logs in again in advance; the old session keeps serving other goroutines
	// until the new one is ready.
	sessionRefresh = 25 * time.Minute
	// sessionHardStop is when the client stops using a session that could not be refreshed yet: the margin covers
	// clock skew between the portal and the panel's database.
	sessionHardStop = 29 * time.Minute
)

// Config configures a Client. URL, Username and Password are required.
type Config struct {
	// URL is the JSON endpoint, e.g. https://panel.example.com:8080/remote/json.php.
	URL string
	// Username and Password are the ISPConfig remote user's credentials (System → Remote Users).
	Username string
	Password string
	// HTTPClient is used for every request. Nil means a client with a 30 s timeout and up to 32 idle connections
	// (gzip is handled by net/http).
	HTTPClient *http.Client
	// Observe, if set, is called once per HTTP request (login and logout included) with the ISPConfig function
	// name, the duration and the classified error (nil on success). Use it for metrics.
	Observe func(function string, d time.Duration, err error)
	// Now is the clock used for session expiry. Nil means time.Now.
	Now func() time.Time
	// Logger receives debug and warning messages. Nil means slog.Default().
	Logger *slog.Logger
	// ReadRetries is how often a read is retried after ErrUnavailable. 0 means 2; negative means never.
	ReadRetries int
	// RetryDelay is the first delay between read retries; it doubles on each retry. 0 means 200 ms.
	RetryDelay time.Duration
}

// Client calls the ISPConfig remote API. It is safe for concurrent use; create one per process with New.
type Client struct {
	endpoint string
	user     string
	pass     string
	hc       *http.Client
	observe  func(string, time.Duration, error)
	now      func() time.Time
	log      *slog.Logger
	retries  int
	delay    time.Duration

	mu        sync.Mutex
	sessionID string
	loginAt   time.Time
	loginDone chan struct{} // non-nil while one goroutine logs in; closed when it finishes
	loginErr  error

	groups sync.Map // client id (int64) → sys_groupid (int64); a client's group never changes
}

// New returns a Client for cfg. It does not contact the platform; the first call (or Ping) logs in.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ispapi: invalid URL %q", cfg.URL)
	}
	if cfg.Username == "" || cfg.Password == "" {
		return nil, errors.New("ispapi: username and password are required")
	}
	u.RawQuery = ""
	c := &Client{
		endpoint: u.String(),
		user:     cfg.Username,
		pass:     cfg.Password,
		hc:       cfg.HTTPClient,
		observe:  cfg.Observe,
		now:      cfg.Now,
		log:      cfg.Logger,
		retries:  cfg.ReadRetries,
		delay:    cfg.RetryDelay,
	}
	if c.hc == nil {
		// All requests go to one host; net/http's default of 2 idle connections per host would make concurrent
		// page views open and close connections all the time.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		c.hc = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.retries == 0 {
		c.retries = 2
	}
	if c.delay == 0 {
		c.delay = 200 * time.Millisecond
	}
	return c, nil
}

// Ping makes sure the client holds a valid API session, logging in if it has none or its session is about to
// expire. With a fresh session it makes no HTTP call. Use it in readiness checks: it fails with ErrUnauthorized
// for bad credentials and ErrUnavailable when the platform cannot be reached.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.session(ctx)
	return err
}

// Probe makes one real round trip (a mail-domain lookup of a name that can't exist), so it tells whether the
// platform answers now, unlike Ping, which trusts a fresh session. Use it for readiness and health checks.
func (c *Client) Probe(ctx context.Context) error {
	_, err := c.mailDomainByName(ctx, "portal-probe.invalid")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Close ends the API session with logout, if there is one. The Client stays usable: a later call logs in again.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	sid := c.sessionID
	c.sessionID = ""
	c.mu.Unlock()
	if sid == "" {
		return nil
	}
	var ok bool
	return c.do(ctx, "logout", map[string]any{"session_id": sid}, &ok)
}

// session returns a usable session id, logging in when needed. Exactly one goroutine logs in at a time; the
// others wait for it, or keep using the old session while it is still valid.
func (c *Client) session(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		now := c.now()
		age := now.Sub(c.loginAt)
		valid := c.sessionID != "" && age < sessionHardStop && age >= 0
		if valid && age < sessionRefresh {
			sid := c.sessionID
			c.mu.Unlock()
			return sid, nil
		}
		if done := c.loginDone; done != nil {
			if valid { // someone is refreshing; the old session still works
				sid := c.sessionID
				c.mu.Unlock()
				return sid, nil
			}
			c.mu.Unlock()
			select {
			case <-done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			c.mu.Lock()
			err := c.loginErr
			c.mu.Unlock()
			if err != nil {
				return "", err
			}
			continue
		}
		done := make(chan struct{})
		c.loginDone = done
		c.mu.Unlock()

		// The login must not fail for everyone because the goroutine that happened to start it was cancelled.
		start := c.now()
		var sid string
		err := c.do(context.WithoutCancel(ctx), "login", map[string]any{"username": c.user, "password": c.pass}, &sid)
		if err == nil && sid == "" {
			err = &APIError{Function: "login", Code: "ok", Message: "empty session id"}
		}
		c.mu.Lock()
		if err == nil {
			c.sessionID, c.loginAt = sid, start
			c.log.Debug("ispapi: logged in", "username", c.user)
		}
		c.loginErr = err
		c.loginDone = nil
		close(done)
		c.mu.Unlock()
		if err != nil {
			return "", err
		}
		return sid, nil
	}
}

// dropSession forgets sid if it is still the current session, so that the next call logs in again.
func (c *Client) dropSession(sid string) {
	c.mu.Lock()
	if c.sessionID == sid {
		c.sessionID = ""
	}
	c.mu.Unlock()
}

// call runs fn with the session id added to args and decodes the response into out. When the session was
// rejected it logs in again and retries once.
func (c *Client) call(ctx context.Context, fn string, args map[string]any, out any) error {
	for attempt := 0; ; attempt++ {
		sid, err := c.session(ctx)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotSent, err)
		}
		body := make(map[string]any, len(args)+1)
		for k, v := range args {
			body[k] = v
		}
		body["session_id"] = sid
		err = c.do(ctx, fn, body, out)
		if errors.Is(err, ErrSessionExpired) && attempt == 0 {
			c.log.Debug("ispapi: session rejected, logging in again", "function", fn)
			c.dropSession(sid)
			continue
		}
		return err
	}
}

// read is call for functions without side effects: it retries ErrUnavailable with exponential backoff.
func (c *Client) read(ctx context.Context, fn string, args map[string]any, out any) error {
	delay := c.delay
	for attempt := 0; ; attempt++ {
		err := c.call(ctx, fn, args, out)
		if err == nil || !errors.Is(err, ErrUnavailable) || attempt >= c.retries || c.retries < 0 {
			return err
		}
		c.log.Debug("ispapi: retrying read", "function", fn, "attempt", attempt+1, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay *= 2
	}
}

// envelope is every JSON answer of json.php (API.md §1.3).
type envelope struct {
	Code     *string         `json:"code"`
	Message  string          `json:"message"`
	Response json.RawMessage `json:"response"`
}

// do performs one HTTP request for fn and classifies the outcome. It is the only place that talks HTTP.
func (c *Client) do(ctx context.Context, fn string, body map[string]any, out any) (err error) {
	start := time.Now()
	defer func() {
		if c.observe != nil {
			c.observe(fn, time.Since(start), err)
		}
	}()
	buf, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("ispapi: %s: encode request: %w", fn, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"?"+fn, bytes.NewReader(buf))
	if err != nil {
		return fmt.Errorf("ispapi: %s: %w", fn, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ispapi: %s: %w", fn, ctx.Err())
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("ispapi: %s: %w: %w: %v", fn, ErrUnavailable, ErrNotSent, err)
		}
		return fmt.Errorf("ispapi: %s: %w: %v", fn, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ispapi: %s: %w", fn, ctx.Err())
		}
		return fmt.Errorf("ispapi: %s: %w: read body: %v", fn, ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ispapi: %s: %w: HTTP %d", fn, ErrUnavailable, resp.StatusCode)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil || env.Code == nil {
		return fmt.Errorf("ispapi: %s: %w: not a JSON envelope: %q", fn, ErrUnavailable, snippet(data))
	}
	switch *env.Code {
	case "ok":
	case "remote_fault":
		return classifyFault(fn, env.Message)
	default:
		return &APIError{Function: fn, Code: *env.Code, Message: env.Message}
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = env.Response
		return nil
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return &APIError{Function: fn, Code: "ok", Message: "unexpected response: " + err.Error()}
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// checkID rejects ids ISPConfig would misread: 0 and negatives mean "all rows" or fail (API.md §3.1, §3.4).
func checkID(fn, field string, id int64) error {
	if id <= 0 {
		return &InputError{Function: fn, Field: field, Reason: fmt.Sprintf("must be > 0, got %d", id)}
	}
	return nil
}

// checkOwner rejects negative owner ids; 0 means the admin (or "keep the owner" on updates).
func checkOwner(fn, field string, id int64) error {
	if id < 0 {
		return &InputError{Function: fn, Field: field, Reason: fmt.Sprintf("must be >= 0, got %d", id)}
	}
	return nil
}
