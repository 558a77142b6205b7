// Package stripefake is an in-process fake of the few Stripe API endpoints the portal uses (creating and reading
// Checkout Sessions), checking the secret key and the form parameters the way Stripe does, plus the signing of
// webhook deliveries as Stripe signs them. Tests point stripe-go at it; nothing calls the network. Only tests
// import it.
package stripefake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// Session is a Checkout Session as the fake keeps it.
type Session struct {
	ID                    string            `json:"id"`
	Object                string            `json:"object"`
	Mode                  string            `json:"mode"`
	Status                string            `json:"status"`         // open, complete, expired
	PaymentStatus         string            `json:"payment_status"` // unpaid, paid
	AmountTotal           int64             `json:"amount_total"`
	Currency              string            `json:"currency"`
	CustomerEmail         string            `json:"customer_email,omitempty"`
	ClientReferenceID     string            `json:"client_reference_id,omitempty"`
	SuccessURL            string            `json:"success_url"`
	CancelURL             string            `json:"cancel_url"`
	URL                   string            `json:"url"`
	Metadata              map[string]string `json:"metadata"`
	Livemode              bool              `json:"livemode"`
	Created               int64             `json:"created"`
	ProductName           string            `json:"-"` // line_items[0][price_data][product_data][name]
	PaymentIntentMetadata map[string]string `json:"-"`
	IdempotencyKey        string            `json:"-"`
}

// Server is the fake Stripe API; it accepts the secret keys it was given (AddKey adds more).
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	keys     map[string]bool
	sessions []*Session
	idem     map[string]idemEntry
	creates  int // POSTs that made a new session
	requests int
}

type idemEntry struct {
	params string
	body   []byte
}

// New starts a fake that accepts secretKeys, closed when the test ends.
func New(t testing.TB, secretKeys ...string) *Server {
	s := &Server{keys: map[string]bool{}, idem: map[string]idemEntry{}}
	for _, k := range secretKeys {
		s.keys[k] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/checkout/sessions", s.authed(s.createSession))
	mux.HandleFunc("GET /v1/checkout/sessions", s.authed(s.listSessions))
	mux.HandleFunc("GET /v1/checkout/sessions/{id}", s.authed(s.getSession))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		stripeError(w, http.StatusNotFound, "invalid_request_error", "Unrecognized request URL ("+r.Method+": "+r.URL.Path+").", "")
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// AddKey makes the fake accept another secret key (another issuer's account).
func (s *Server) AddKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[key] = true
}

// Sessions returns every session created so far, oldest first.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, len(s.sessions))
	for i, x := range s.sessions {
		out[i] = *x
	}
	return out
}

// Creates is how many sessions were made (idempotent replays don't count).
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// Requests is how many authenticated requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Complete marks a session as completed with paymentStatus ("paid", or "unpaid" for a delayed method) and returns it.
func (s *Server) Complete(id, paymentStatus string) Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sessions {
		if x.ID == id {
			x.Status, x.PaymentStatus = "complete", paymentStatus
			return *x
		}
	}
	panic("stripefake: no session " + id)
}

func (s *Server) authed(next func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || key == "" {
			stripeError(w, http.StatusUnauthorized, "invalid_request_error",
				"You did not provide an API key. You need to provide your API key in the Authorization header.", "")
			return
		}
		s.mu.Lock()
		known := s.keys[key]
		if known {
			s.requests++
		}
		s.mu.Unlock()
		if !known {
			stripeError(w, http.StatusUnauthorized, "invalid_request_error", "Invalid API Key provided: "+redact(key), "")
			return
		}
		next(w, r)
	}
}

func redact(k string) string {
	if len(k) <= 12 {
		return "***"
	}
	return k[:8] + strings.Repeat("*", len(k)-12) + k[len(k)-4:]
}

// createSession serves POST /v1/checkout/sessions for mode=payment with one price_data line item.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Invalid request: send application/x-www-form-urlencoded.", "")
		return
	}
	if err := r.ParseForm(); err != nil {
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Invalid request body.", "")
		return
	}
	f := r.PostForm
	key := r.Header.Get("Idempotency-Key")
	params := canonical(f)
	s.mu.Lock()
	if e, ok := s.idem[key]; key != "" && ok {
		s.mu.Unlock()
		if e.params != params {
			stripeError(w, http.StatusBadRequest, "idempotency_error",
				"Keys for idempotent requests can only be used with the same parameters they were first used with.", "")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, e.body)
		return
	}
	s.mu.Unlock()

	const li = "line_items[0]"
	sess := &Session{Object: "checkout.session", Mode: f.Get("mode"), Status: "open", PaymentStatus: "unpaid",
		Currency: f.Get(li + "[price_data][currency]"), CustomerEmail: f.Get("customer_email"),
		ClientReferenceID: f.Get("client_reference_id"), SuccessURL: f.Get("success_url"), CancelURL: f.Get("cancel_url"),
		ProductName: f.Get(li + "[price_data][product_data][name]"), Metadata: nested(f, "metadata"),
		PaymentIntentMetadata: nested(f, "payment_intent_data[metadata]"), IdempotencyKey: key, Created: time.Now().Unix()}
	switch {
	case sess.Mode != "payment":
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "The fake supports mode=payment only.", "mode")
		return
	case sess.SuccessURL == "" || !absolute(sess.SuccessURL):
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Not a valid URL", "success_url")
		return
	case sess.CancelURL != "" && !absolute(sess.CancelURL):
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Not a valid URL", "cancel_url")
		return
	case len(sess.Currency) != 3 || strings.ToLower(sess.Currency) != sess.Currency:
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Invalid currency: "+sess.Currency, li+"[price_data][currency]")
		return
	case sess.ProductName == "":
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Missing required param: "+li+"[price_data][product_data][name].", li+"[price_data][product_data][name]")
		return
	}
	unit, err := strconv.ParseInt(f.Get(li+"[price_data][unit_amount]"), 10, 64)
	if err != nil || unit < 1 {
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Invalid integer: "+f.Get(li+"[price_data][unit_amount]"), li+"[price_data][unit_amount]")
		return
	}
	qty, err := strconv.ParseInt(f.Get(li+"[quantity]"), 10, 64)
	if err != nil || qty < 1 {
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "Invalid integer: "+f.Get(li+"[quantity]"), li+"[quantity]")
		return
	}
	if f.Has("line_items[1][quantity]") {
		stripeError(w, http.StatusBadRequest, "invalid_request_error", "The fake supports one line item only.", "line_items")
		return
	}
	sess.AmountTotal = unit * qty
	sess.ID = "cs_test_" + randomID()
	sess.URL = "https://checkout.stripe.test/c/pay/" + sess.ID
	body, _ := json.Marshal(sess)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.idem[key]; key != "" && ok { // a concurrent request with the key won
		writeJSON(w, http.StatusOK, e.body)
		return
	}
	s.sessions = append(s.sessions, sess)
	s.creates++
	if key != "" {
		s.idem[key] = idemEntry{params: params, body: body}
	}
	writeJSON(w, http.StatusOK, body)
}

// listSessions serves GET /v1/checkout/sessions: the newest sessions, at most limit (default 10).
// (One fake account: every key sees every session.)
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	limit := 10
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			stripeError(w, http.StatusBadRequest, "invalid_request_error", "Invalid integer: "+v, "limit")
			return
		}
		limit = n
	}
	s.mu.Lock()
	data := []*Session{}
	for i := len(s.sessions) - 1; i >= 0 && len(data) < limit; i-- {
		data = append(data, s.sessions[i])
	}
	body, _ := json.Marshal(map[string]any{"object": "list", "url": "/v1/checkout/sessions", "data": data,
		"has_more": len(s.sessions) > len(data)})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// getSession serves GET /v1/checkout/sessions/{id}.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sessions {
		if x.ID == id {
			body, _ := json.Marshal(x)
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	stripeError(w, http.StatusNotFound, "invalid_request_error", "No such checkout.session: '"+id+"'", "id")
}

// nested collects form keys prefix[k] into a map.
func nested(f url.Values, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range f {
		if rest, ok := strings.CutPrefix(k, prefix+"["); ok && strings.HasSuffix(rest, "]") && !strings.Contains(rest, "[") {
			out[strings.TrimSuffix(rest, "]")] = v[0]
		}
	}
	return out
}

func absolute(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}

func canonical(f url.Values) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q;", k, f[k])
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_"+randomID())
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func stripeError(w http.ResponseWriter, status int, typ, msg, param string) {
	e := map[string]any{"type": typ, "message": msg}
	if param != "" {
		e["param"] = param
	}
	body, _ := json.Marshal(map[string]any{"error": e})
	writeJSON(w, status, body)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sign returns the Stripe-Signature header Stripe sends with payload, signed at t with the endpoint's secret:
// "t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<payload>")>".
func Sign(payload []byte, secret string, t time.Time) string {
	return SignWith(payload, t, secret)
}

// SignWith signs with several secrets at once, as Stripe does while an endpoint's secret is being rolled.
func SignWith(payload []byte, t time.Time, secrets ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	parts := []string{"t=" + ts}
	for _, sec := range secrets {
		m := hmac.New(sha256.New, []byte(sec))
		m.Write([]byte(ts + "."))
		m.Write(payload)
		parts = append(parts, "v1="+hex.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(parts, ",")
}

// Event returns the JSON body of a webhook delivery as Stripe sends it: an event of typ with object as its
// data.object, created at created.
func Event(id, typ string, object any, created time.Time) []byte {
	obj, err := json.Marshal(object)
	if err != nil {
		panic(err)
	}
	body, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": stripe.APIVersion, "created": created.Unix(),
		"data": map[string]any{"object": json.RawMessage(obj)}, "livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": nil, "idempotency_key": nil}, "type": typ,
	})
	if err != nil {
		panic(err)
	}
	return body
}
