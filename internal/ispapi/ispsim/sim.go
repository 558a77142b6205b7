// Package ispsim is an in-memory simulator of ISPConfig 3's remote API JSON endpoint (/remote/json.php), built from
// the specification in shared/ispconfig/API.md and held to a default-configured ISPConfig 3.2 (non-strict MariaDB,
// mysqli not throwing) by the differential test in internal/ispapi, whose recorded real answers it must reproduce.
// It serves the function set a reseller portal needs (API.md §7) with the real endpoint's envelopes, fault texts,
// parameter binding, record semantics, validation messages, ownership stamping and quirks, and adds test hooks: a
// call log, row access, fault injection before or after a write, silently dropped fields and an injectable clock.
package ispsim

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SessionLifetime is the absolute lifetime of a remote session, counted from login (API.md §2.2).
const SessionLifetime = 1800 * time.Second

// Sim is the simulated ISPConfig panel. It implements http.Handler for /remote/json.php; every other path is 404.
// All methods are safe for concurrent use.
type Sim struct {
	mu       sync.Mutex
	tables   map[string]*table
	forms    map[string]*form
	sessions map[string]*session
	users    []*remoteUser
	dropped  map[string]bool // "table.column"
	datalog  int
	// queueHeld keeps changes in the servers' job queue (monitor_jobqueue_count) until AdvanceQueue; queueApplied
	// is the datalog position the servers have applied.
	queueHeld    bool
	queueApplied int
	usage        usage // what the servers' monitors reported (quota functions)
	clock        func() time.Time
	gzip         bool
	noIDN        bool // IDNTOASCII filters do nothing (PHP without intl)

	logMu sync.Mutex
	calls []Call

	faultMu sync.Mutex
	faults  map[string]*faultState
	rng     *mrand.Rand
}

type session struct {
	userID      int
	functions   string
	tstamp      int64
	clientLogin bool
}

type remoteUser struct {
	id        int
	name      string
	hash      string
	functions string
	access    bool
	ips       string
}

// Option configures a Sim.
type Option func(*Sim)

// WithClock makes the simulator read the time from now instead of time.Now; advancing it past SessionLifetime expires
// sessions.
func WithClock(now func() time.Time) Option { return func(s *Sim) { s.clock = now } }

// WithSeed seeds the random source that decides probabilistic faults, so a run can be repeated exactly. The default
// seed is 1.
func WithSeed(seed uint64) Option {
	return func(s *Sim) { s.rng = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithGzip turns gzip compression of responses on or off for requests that accept it. The real panel compresses
// (ob_gzhandler); so does the simulator by default.
func WithGzip(on bool) Option { return func(s *Sim) { s.gzip = on } }

// WithoutIDNA simulates a panel whose PHP has neither the intl extension nor ISPConfig's bundled IDNA class: the
// IDNTOASCII filters leave international domain names as they are (they then fail the domain validators). The
// default is a panel with intl, as ISPConfig's installation guides set it up; ../shared/ispconfig/peer has no intl.
func WithoutIDNA() Option { return func(s *Sim) { s.noIDN = true } }

// WithRemoteUser seeds a remote user at construction; see AddRemoteUser.
func WithRemoteUser(name, password, functions string) Option {
	return func(s *Sim) { s.AddRemoteUser(name, password, functions) }
}

// New returns a simulator in the state of a fresh installation: the admin panel user and group (id 1), server 1
// ("server1.example.com", IP 192.0.2.10, install-default configuration) and empty client, site and mail tables whose
// ids start at 1. Add a remote user with AddRemoteUser before logging in.
func New(opts ...Option) *Sim {
	s := &Sim{
		tables:   parseSchema(),
		forms:    sharedForms(),
		sessions: map[string]*session{},
		dropped:  map[string]bool{},
		clock:    time.Now,
		gzip:     true,
		faults:   map[string]*faultState{},
	}
	WithSeed(1)(s)
	s.seed()
	for _, o := range opts {
		o(s)
	}
	return s
}

var (
	formsOnce sync.Once
	formsAll  map[string]*form
)

// sharedForms parses the form definitions once; they are read-only afterwards.
func sharedForms() map[string]*form {
	formsOnce.Do(func() { formsAll = parseForms() })
	return formsAll
}

func (s *Sim) seed() {
	u := s.tables["sys_user"]
	r := u.newRow()
	for k, v := range map[string]string{"username": "admin", "passwort": cryptPassword("admin"),
		"modules": "dashboard,admin,client,mail,monitor,sites,dns,vm,tools,help", "startmodule": "dashboard",
		"typ": "admin", "groups": "1", "default_group": "1", "client_id": "0"} {
		u.set(r, k, str(v))
	}
	u.insert(r)
	g := s.tables["sys_group"]
	r = g.newRow()
	g.set(r, "name", str("admin"))
	g.set(r, "description", str("Administrators group"))
	g.insert(r)

	sv := s.tables["server"]
	r = sv.newRow()
	for k, v := range map[string]string{"sys_userid": "1", "sys_groupid": "1", "sys_perm_user": "riud",
		"sys_perm_group": "riud", "sys_perm_other": "r", "server_name": "server1.example.com", "mail_server": "1",
		"web_server": "1", "dns_server": "1", "file_server": "1", "db_server": "1", "config": defaultServerConfig,
		"dbversion": "1"} {
		sv.set(r, k, str(v))
	}
	sv.insert(r)
	ip := s.tables["server_ip"]
	r = ip.newRow()
	for k, v := range map[string]string{"sys_userid": "1", "sys_groupid": "1", "sys_perm_user": "riud",
		"sys_perm_group": "riud", "sys_perm_other": "", "server_id": "1", "ip_address": "192.0.2.10"} {
		ip.set(r, k, str(v))
	}
	ip.insert(r)
}

func (s *Sim) now() time.Time { return s.clock() }

// AddRemoteUser creates a remote API user (System → Remote Users) with remote access from any address. functions is
// the remote_functions value as ISPConfig stores it: permission-group keys (comma lists) joined by ";" (API.md §2.5).
// "" or AllFunctions grants every function the simulator knows. Adding an existing name replaces that user; existing
// sessions keep their permission snapshot.
func (s *Sim) AddRemoteUser(name, password, functions string) {
	if functions == "" {
		functions = AllFunctions
	}
	hash := cryptPassword(password)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.name == name {
			u.hash, u.functions = hash, functions
			return
		}
	}
	s.users = append(s.users, &remoteUser{id: len(s.users) + 1, name: name, hash: hash, functions: functions, access: true})
}

// SetRemoteAccess sets a remote user's remote_access flag and remote_ips list (comma-separated IPs, "" = any). Callers
// from 127.0.0.1 and ::1 are always allowed (API.md §2.1 step 6). It reports whether the user exists.
func (s *Sim) SetRemoteAccess(name string, access bool, ips string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.name == name {
			u.access, u.ips = access, ips
			return true
		}
	}
	return false
}

// HoldQueue makes the simulated servers stop applying changes at once: every change from now on stays in the job
// queue monitor_jobqueue_count reports until AdvanceQueue. HoldQueue(false) applies everything and empties it again.
func (s *Sim) HoldQueue(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueHeld, s.queueApplied = hold, s.datalog
}

// AdvanceQueue lets the servers apply n queued changes (all of them when n <= 0), as a server daemon's cron run
// would. It returns how many are still queued.
func (s *Sim) AdvanceQueue(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || s.queueApplied+n > s.datalog {
		s.queueApplied = s.datalog
	} else {
		s.queueApplied += n
	}
	return s.datalog - s.queueApplied
}

// ExpireSessions ends every session, as if 1800 s had passed for all of them.
func (s *Sim) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// SessionCount returns the number of sessions that are still valid.
func (s *Sim) SessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	n := 0
	for _, ss := range s.sessions {
		if ss.tstamp >= now {
			n++
		}
	}
	return n
}

// Rows returns copies of all rows of an ISPConfig table in primary-key order: client, sys_user, sys_group,
// web_domain, mail_domain, mail_user, mail_forwarding, domain, server or server_ip. SQL NULL columns are absent from
// the maps. An unknown table yields nil.
func (s *Sim) Rows(tableName string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[tableName]
	if t == nil {
		return nil
	}
	out := make([]map[string]string, 0, len(t.rows))
	for _, r := range t.rows {
		m := make(map[string]string, len(t.cols))
		for i, c := range t.cols {
			if r[i].valid {
				m[c.name] = r[i].s
			}
		}
		out = append(out, m)
	}
	return out
}

// Row returns a copy of the row with primary key id, or nil.
func (s *Sim) Row(tableName string, id int) map[string]string {
	for _, r := range s.Rows(tableName) {
		if r[s.tables[tableName].pk()] == strconv.Itoa(id) {
			return r
		}
	}
	return nil
}

// SetColumn overwrites one stored value, bypassing the API (e.g. to set client.can_use_api or to plant data that
// no longer validates). It reports whether the row and column exist.
func (s *Sim) SetColumn(tableName string, id int, column, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[tableName]
	if t == nil {
		return false
	}
	r := t.get(int64(id))
	if _, ok := t.idx[column]; r == nil || !ok {
		return false
	}
	t.set(r, column, str(value))
	return true
}

// DropField makes the simulator silently ignore writes of column in table through the add/update/set_status
// functions, as ISPConfig ignores an unknown key: an add stores the database default, an update keeps the old value,
// and the field's validators do not run. Use it to test read-after-write verification.
func (s *Sim) DropField(tableName, column string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped[tableName+"."+column] = true
}

// ClearDroppedFields undoes every DropField.
func (s *Sim) ClearDroppedFields() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.dropped)
}

// Call is one request the simulator dispatched.
type Call struct {
	Function string         // the function name from the query string
	Params   map[string]any // the decoded JSON body (numbers as json.Number); nil if it was not an object
	Time     time.Time      // the simulator clock when the call arrived
	Fault    FaultKind      // the injected fault, FaultNone if none
	Applied  bool           // the function ran (false for invalid bodies, unknown functions and faults injected before)
}

// Calls returns a copy of the call log, oldest first. Every request with a function name is logged, login and logout
// included, so len(s.Calls()) counts everything.
func (s *Sim) Calls() []Call {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = deepCopy(c.Params)
		out[i] = c
	}
	return out
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}

// ResetCalls empties the call log.
func (s *Sim) ResetCalls() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.calls = nil
}

// CallCount counts logged calls of the named functions. Without arguments it counts every call except login and
// logout, i.e. the calls that do work; use len(s.Calls()) to count everything.
func (s *Sim) CallCount(fn ...string) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, c := range s.calls {
		if len(fn) == 0 {
			if c.Function != "login" && c.Function != "logout" {
				n++
			}
			continue
		}
		for _, f := range fn {
			if c.Function == f {
				n++
				break
			}
		}
	}
	return n
}

func (s *Sim) logCall(c Call) {
	s.logMu.Lock()
	s.calls = append(s.calls, c)
	s.logMu.Unlock()
}

// callCtx is one function invocation.
type callCtx struct {
	s      *Sim
	def    *fnDef
	args   map[string]any
	hashes map[string]string
	remote string // caller IP
	body   []byte // the raw request body
}

// keyOrder returns the keys of the object argument name in the order the request sent them (PHP arrays keep
// insertion order, and some of ISPConfig's SQL depends on it), or nil.
func (c *callCtx) keyOrder(name string) []string {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		if k, _ := t.(string); k != name {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		// PHP keeps the last of duplicate keys; so does this (as the value of the last occurrence).
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return nil
		}
		inner := json.NewDecoder(bytes.NewReader(raw))
		if t, err := inner.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		var keys []string
		for inner.More() {
			t, err := inner.Token()
			if err != nil {
				return nil
			}
			k, _ := t.(string)
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
			var skip json.RawMessage
			if inner.Decode(&skip) != nil {
				return nil
			}
		}
		return keys
	}
	return nil
}

// arg returns the bound value of a declared PHP parameter (nil when absent or JSON null).
func (c *callCtx) arg(name string) any {
	if c.args == nil {
		return nil
	}
	return c.args[name]
}

// params returns the "params" argument as a map (empty if absent or not an object); callers must not modify it.
func (c *callCtx) params() map[string]any {
	if m, ok := c.arg("params").(map[string]any); ok {
		return m
	}
	return map[string]any{}
}

// hash crypts a password, reusing a hash computed before the lock was taken.
func (c *callCtx) hash(pw string) string {
	if h, ok := c.hashes[pw]; ok {
		return h
	}
	return cryptPassword(pw)
}

// prehash crypts the plain-text passwords of a request outside the simulator lock (SHA-512 crypt is the expensive
// part of a write).
func prehash(args map[string]any) map[string]string {
	var out map[string]string
	add := func(v any) {
		pw, ok := v.(string)
		if !ok || pw == "" {
			return
		}
		if out == nil {
			out = map[string]string{}
		}
		for _, p := range []string{pw, toLatin1(pw)} {
			if _, ok := out[p]; !ok {
				out[p] = cryptPassword(p)
			}
		}
	}
	if p, ok := args["params"].(map[string]any); ok {
		add(p["password"])
		add(p["stats_password"])
	}
	add(args["new_password"])
	return out
}

// checkPerm validates the session and the permission name (API.md §2.4, §2.5).
func (s *Sim) checkPerm(sessionID any, perm string) error {
	if phpEmpty(sessionID) {
		return faultf(msgSessionEmpty)
	}
	ss := s.sessions[phpString(sessionID, "")]
	if ss == nil || ss.tstamp < s.now().Unix() {
		return faultf(msgSessionExpired)
	}
	if ss.clientLogin {
		return nil
	}
	for _, f := range strings.Split(strings.ReplaceAll(ss.functions, ";", ","), ",") {
		if f == perm {
			return nil
		}
	}
	return faultf(msgPermission)
}

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ServeHTTP answers /remote/json.php?<function> like ISPConfig's JSON handler (API.md §1).
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/remote/json.php" {
		http.NotFound(w, r)
		return
	}
	fn, override := functionName(r.URL.RawQuery)
	if override {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "Internal Error: var override attempt detected")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		return
	}
	call := Call{Function: fn, Time: s.now()}
	var ft *Fault
	if fn != "" {
		ft = s.pickFault(fn)
	}
	if ft != nil {
		call.Fault = ft.Kind
		if ft.Latency > 0 {
			select {
			case <-time.After(ft.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if !ft.After && ft.Kind != FaultLatency {
			call.Params, _ = decodeBody(body)
			s.logCall(call)
			s.writeFault(w, r, ft.Kind)
			return
		}
	}
	resp := s.dispatch(r, fn, body, &call)
	if fn != "" {
		s.logCall(call)
	}
	if ft != nil && ft.Kind != FaultLatency {
		s.writeFault(w, r, ft.Kind)
		return
	}
	s.write(w, r, resp)
}

// functionName returns the first query-string key (API.md §1.1) and whether a forbidden key is present.
func functionName(raw string) (string, bool) {
	first := ""
	seen := false
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, _, _ := strings.Cut(part, "=")
		if u, err := url.QueryUnescape(k); err == nil {
			k = u
		}
		k = strings.NewReplacer(".", "_", " ", "_").Replace(k)
		if base, _, ok := strings.Cut(k, "["); ok {
			k = base
		}
		switch k {
		case "s", "s_old", "conf", "GLOBALS":
			return "", true
		}
		if !seen && k != "" {
			first, seen = k, true
		}
	}
	return first, false
}

// decodeBody is json_decode($raw, true): the result must be an object or a list.
func decodeBody(body []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case []any:
		return nil, true
	}
	return nil, false
}

// response is what a dispatched call produced: an envelope or a raw response.
type response struct {
	code, message string
	value         any
	raw           *rawResponse
}

func (s *Sim) dispatch(r *http.Request, fn string, body []byte, call *Call) response {
	if fn == "" {
		return response{code: "invalid_method", message: "Method not provided in json call", value: false}
	}
	args, ok := decodeBody(body)
	call.Params = args
	if !ok {
		return response{code: "invalid_data", message: "The JSON data sent to the api is invalid", value: false}
	}
	def := functions[fn]
	if def == nil {
		return response{code: "invalid_method", message: "Method " + fn + " does not exist", value: false}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	c := &callCtx{s: s, def: def, args: args, remote: host, body: body}
	if args != nil && def.hashes {
		c.hashes = prehash(args)
	}
	call.Applied = true
	var v any
	if def.selfLocking {
		v, err = def.run(c)
	} else {
		s.mu.Lock()
		err = nil
		if def.perm != "" {
			err = s.checkPerm(c.arg("session_id"), def.perm)
		}
		if err == nil {
			v, err = def.run(c)
		}
		s.mu.Unlock()
	}
	switch e := err.(type) {
	case nil:
		return response{code: "ok", value: v}
	case *remoteFault:
		return response{code: "remote_fault", message: e.msg, value: false}
	case *rawResponse:
		return response{raw: e}
	}
	return response{raw: errFatal}
}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

func (s *Sim) write(w http.ResponseWriter, r *http.Request, resp response) {
	h := w.Header()
	if resp.raw != nil {
		if resp.raw.contentType != "" {
			h.Set("Content-Type", resp.raw.contentType)
		}
		w.WriteHeader(resp.raw.status)
		io.WriteString(w, resp.raw.body)
		return
	}
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"code":`...)
	b = appendString(b, resp.code)
	b = append(b, `,"message":`...)
	b = appendString(b, resp.message)
	b = append(b, `,"response":`...)
	b = appendJSON(b, resp.value)
	b = append(b, '}')
	h.Set("Content-Type", `application/json; charset="utf-8"`)
	h.Set("Pragma", "no-cache")
	h.Set("Cache-Control", "no-store, no-cache, max-age=0, must-revalidate")
	h.Set("X-Content-Type-Options", "nosniff")
	if s.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		h.Set("Vary", "Accept-Encoding")
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(w)
		zw.Write(b)
		zw.Close()
		gzipPool.Put(zw)
	} else {
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}
	*bp = b
	bufPool.Put(bp)
}

// copyMap returns a shallow copy of m (request maps are shared with the call log and must not be modified).
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+8)
	maps.Copy(out, m)
	return out
}
