package ispsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// fnDef is one callable remote function.
type fnDef struct {
	name        string
	params      []string // PHP parameter names, in declaration order (API.md Appendix A)
	perm        string   // permission name checked (API.md §2.7); "" for login/logout
	run         func(c *callCtx) (any, error)
	selfLocking bool // run takes s.mu itself (login)
	hashes      bool // pre-hash passwords outside the lock
}

// Permission-group keys as ISPConfig stores them (API.md §2.6).
const (
	groupServer   = "server_get,server_config_set,get_function_list,client_templates_get_all,server_get_serverid_by_ip,server_ip_get,server_ip_add,server_ip_update,server_ip_delete,system_config_set,system_config_get,config_value_get,config_value_add,config_value_update,config_value_replace,config_value_delete"
	groupClient   = "client_get_all,client_get,client_add,client_update,client_delete,client_get_sites_by_user,client_get_by_username,client_get_by_customer_no,client_change_password,client_get_id,client_delete_everything,client_get_emailcontact"
	groupDomains  = "domains_domain_get,domains_domain_add,domains_domain_update,domains_domain_delete,domains_get_all_by_user"
	groupSites    = "sites_web_domain_get,sites_web_domain_add,sites_web_domain_update,sites_web_domain_delete,sites_web_domain_set_status"
	groupAlias    = "sites_web_aliasdomain_get,sites_web_aliasdomain_add,sites_web_aliasdomain_update,sites_web_aliasdomain_delete"
	groupSub      = "sites_web_subdomain_get,sites_web_subdomain_add,sites_web_subdomain_update,sites_web_subdomain_delete"
	groupMailDom  = "mail_domain_get,mail_domain_add,mail_domain_update,mail_domain_delete,mail_domain_set_status,mail_domain_get_by_domain"
	groupAliasDom = "mail_aliasdomain_get,mail_aliasdomain_add,mail_aliasdomain_update,mail_aliasdomain_delete"
	groupMailUser = "mail_user_get,mail_user_add,mail_user_update,mail_user_delete"
	groupMailAl   = "mail_alias_get,mail_alias_add,mail_alias_update,mail_alias_delete"
	groupMailFw   = "mail_forward_get,mail_forward_add,mail_forward_update,mail_forward_delete"
	groupCatchall = "mail_catchall_get,mail_catchall_add,mail_catchall_update,mail_catchall_delete"
	groupMonitor  = "monitor_jobqueue_count"
)

// PortalFunctions is the minimal remote_functions value for the core portal recommended by API.md §7 (client,
// domain-table, website, mail domain, mailbox, alias and forward groups; no server functions).
const PortalFunctions = groupClient + ";" + groupDomains + ";" + groupSites + ";" + groupMailDom + ";" + groupMailUser +
	";" + groupMailAl + ";" + groupMailFw

// AllFunctions is a remote_functions value holding every permission group whose functions the simulator implements.
const AllFunctions = groupServer + ";" + PortalFunctions + ";" + groupAlias + ";" + groupSub + ";" + groupAliasDom +
	";" + groupCatchall + ";" + groupMonitor + ";" + groupQuota

// functions maps a function name to its definition.
var functions = map[string]*fnDef{}

// functionOrder is the registration order, for get_function_list.
var functionOrder []string

func register(name, perm string, params []string, run func(c *callCtx) (any, error)) *fnDef {
	d := &fnDef{name: name, params: params, perm: perm, run: run}
	for _, p := range params {
		if p == "params" || p == "new_password" {
			d.hashes = true
		}
	}
	functions[name] = d
	functionOrder = append(functionOrder, name)
	return d
}

var (
	pGet    = []string{"session_id", "primary_id"}
	pAdd    = []string{"session_id", "client_id", "params"}
	pUpdate = []string{"session_id", "client_id", "primary_id", "params"}
	pStatus = []string{"session_id", "primary_id", "status"}
)

// hook is a function-specific step before the generic add or update. writes says whether ISPConfig's PHP writes
// into $params there (which is fatal for a string, number or true params); every hook reads $params (fatal for a
// string).
type hook struct {
	run    func(c *callCtx, p map[string]any) (map[string]any, error)
	writes bool
}

// paramsFatal reports whether the PHP code before the generic engine dies on a params argument that is not an array:
// reading a key of a string is a TypeError, writing a key of a number, a string or true an Error; null and false
// become arrays when written to.
func paramsFatal(p any, h *hook) bool {
	if h == nil {
		return false
	}
	switch x := p.(type) {
	case string:
		return true
	case json.Number:
		return h.writes
	case bool:
		return h.writes && x
	}
	return false
}

// writesParams stands for the PHP code of client_add and sites_web_domain_add, which writes into $params.
var writesParams = &hook{writes: true}

// isPHPArray reports whether a bound argument is a PHP array (a JSON object or list).
func isPHPArray(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// crud registers the generic get/add/update/delete quartet of prefix on form formName. Hooks may be nil: preAdd and
// preUpdate run before the engine and may replace params.
func crud(prefix, permPrefix, formName string, preAdd, preUpdate *hook) {
	register(prefix+"_get", permPrefix+"_get", pGet, func(c *callCtx) (any, error) {
		return c.s.getRecordsOrdered(c.s.tables[c.s.forms[formName].table], c.arg("primary_id"), c.keyOrder("primary_id"))
	})
	register(prefix+"_add", permPrefix+"_add", pAdd, func(c *callCtx) (any, error) {
		raw := c.arg("params")
		if paramsFatal(raw, preAdd) {
			return nil, errFatal
		}
		// A hook that writes to $params turns null and false into an array.
		array := isPHPArray(raw) || (preAdd != nil && preAdd.writes)
		p := c.params()
		if preAdd != nil {
			var err error
			if p, err = preAdd.run(c, p); err != nil {
				return nil, err
			}
		}
		if !array {
			id, _, err := c.s.insertWithoutRecord(c.s.forms[formName], c.arg("client_id"))
			return id, err
		}
		id, _, err := c.s.insertRecord(c, c.s.forms[formName], c.arg("client_id"), p)
		return id, err
	})
	register(prefix+"_update", permPrefix+"_update", pUpdate, func(c *callCtx) (any, error) {
		if paramsFatal(c.arg("params"), preUpdate) {
			return nil, errFatal
		}
		p := c.params()
		if preUpdate != nil {
			var err error
			if p, err = preUpdate.run(c, p); err != nil {
				return nil, err
			}
		}
		return c.s.updateRecord(c, c.s.forms[formName], c.arg("client_id"), c.arg("primary_id"), p)
	})
	register(prefix+"_delete", permPrefix+"_delete", pGet, func(c *callCtx) (any, error) {
		return c.s.deleteRecord(c.s.tables[c.s.forms[formName].table], c.arg("primary_id"))
	})
}

func init() {
	register("login", "", []string{"username", "password", "client_login"}, login).selfLocking = true
	register("logout", "", []string{"session_id"}, func(c *callCtx) (any, error) {
		sid := c.arg("session_id")
		if phpEmpty(sid) {
			return nil, faultf(msgSessionEmpty)
		}
		delete(c.s.sessions, phpString(sid, ""))
		return true, nil
	})
	register("get_function_list", "get_function_list", []string{"session_id"}, func(c *callCtx) (any, error) {
		return append([]string(nil), functionOrder...), nil
	})
	registerClients()
	registerSites()
	registerMail()
	crud("domains_domain", "domains_domain", "domain", nil, nil)
	register("domains_get_all_by_user", "domains_get_all_by_user", []string{"session_id", "group_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["domain"]
		g := strconv.FormatInt(intval(c.arg("group_id")), 10)
		out := []any{}
		for _, r := range t.rows {
			if t.val(r, "sys_groupid").s == g {
				out = append(out, (&object{}).add("domain_id", r[0]).add("domain", t.val(r, "domain")))
			}
		}
		return out, nil
	})
	registerServers()
	registerQuota()
	register("monitor_jobqueue_count", "monitor_jobqueue_count", []string{"session_id", "server_id"}, func(c *callCtx) (any, error) {
		// The simulated servers apply every change at once (the queue is empty) unless a test holds the queue
		// (Sim.HoldQueue); then every change since stays queued until Sim.AdvanceQueue. Like ISPConfig's count
		// (sys_datalog rows after the server's last applied one, for it or for all servers), it is one number for
		// any server id.
		if !c.s.queueHeld {
			return "0", nil
		}
		return strconv.Itoa(c.s.datalog - c.s.queueApplied), nil
	})
}

func login(c *callCtx) (any, error) {
	s := c.s
	user, pw := c.arg("username"), c.arg("password")
	if phpEmpty(user) {
		return nil, faultf("The login username is empty.")
	}
	if phpEmpty(pw) {
		return nil, faultf("The login password is empty.")
	}
	name, pass := phpString(user, ""), phpString(pw, "")
	const failed = "The login failed. Username or password wrong."
	s.mu.Lock()
	now := s.now().Unix()
	for id, ss := range s.sessions {
		if ss.tstamp < now {
			delete(s.sessions, id)
		}
	}
	if !phpEmpty(c.arg("client_login")) {
		u := s.tables["sys_user"]
		var hash, active, clientID string
		userID := 0
		for _, r := range u.rows {
			if strings.EqualFold(u.val(r, "username").s, name) {
				hash, active, clientID = u.val(r, "passwort").s, u.val(r, "active").s, u.val(r, "client_id").s
				userID, _ = strconv.Atoi(r[0].s)
				break
			}
		}
		s.mu.Unlock()
		if userID == 0 || !verifyCrypt(pass, hash) {
			return nil, faultf(failed)
		}
		if active != "1" {
			return nil, faultf("The login failed. User is blocked.")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		cid, _ := strconv.ParseInt(clientID, 10, 64)
		cr := s.tables["client"].get(cid)
		if cr == nil || s.tables["client"].val(cr, "can_use_api").s != "y" {
			return nil, faultf("The login failed. Client may not use api.")
		}
		id := newSessionID()
		s.sessions[id] = &session{userID: userID, tstamp: s.now().Unix() + int64(SessionLifetime.Seconds()), clientLogin: true}
		return id, nil
	}
	var ru remoteUser
	found := false
	for _, u := range s.users {
		if strings.EqualFold(u.name, name) {
			ru, found = *u, true
			break
		}
	}
	s.mu.Unlock()
	if !found || !verifyCrypt(pass, ru.hash) {
		return nil, faultf(failed)
	}
	if c.remote != "127.0.0.1" && c.remote != "::1" {
		allowed := ru.access
		if allowed && ru.ips != "" {
			allowed = false
			for _, ip := range strings.Split(ru.ips, ",") {
				if ip == c.remote {
					allowed = true
				}
			}
		}
		if !allowed {
			return nil, faultf("The login is not allowed from " + c.remote)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newSessionID()
	s.sessions[id] = &session{userID: ru.id, functions: ru.functions, tstamp: s.now().Unix() + int64(SessionLifetime.Seconds())}
	return id, nil
}

// sysUserOf returns the sys_user row of a client (admin for 0), or nil.
func (s *Sim) sysUserOf(clientID int64) row {
	u := s.tables["sys_user"]
	cid := strconv.FormatInt(clientID, 10)
	for _, r := range u.rows {
		if u.val(r, "client_id").s == cid {
			return r
		}
	}
	return nil
}

// groupOf returns the sys_group row of a client (admin group for 0), or nil.
func (s *Sim) groupOf(clientID int64) row {
	g := s.tables["sys_group"]
	cid := strconv.FormatInt(clientID, 10)
	for _, r := range g.rows {
		if g.val(r, "client_id").s == cid {
			return r
		}
	}
	return nil
}

func clientGetFixup(v any) any {
	fix := func(x any) {
		if rv, ok := x.(rowValue); ok {
			i := rv.t.idx["template_additional"]
			if !rv.r[i].valid || rv.r[i].s == "" {
				rv.r[i] = str("") // no assigned additional templates in the simulator
			}
		}
	}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			fix(x)
		}
	} else {
		fix(v)
	}
	return v
}

func registerClients() {
	register("client_get", "client_get", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		v, err := c.s.getRecordsOrdered(c.s.tables["client"], c.arg("client_id"), c.keyOrder("client_id"))
		return clientGetFixup(v), err
	})
	register("client_add", "client_add", []string{"session_id", "reseller_id", "params"}, clientAdd)
	register("client_update", "client_update", []string{"session_id", "client_id", "reseller_id", "params"}, clientUpdate)
	register("client_delete", "client_delete", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		n, err := c.s.deleteRecord(c.s.tables["client"], c.arg("client_id"))
		if err != nil {
			return nil, err
		}
		cid := strconv.FormatInt(intval(c.arg("client_id")), 10)
		for _, tn := range []string{"sys_user", "sys_group"} {
			t := c.s.tables[tn]
			kept := t.rows[:0]
			for _, r := range t.rows {
				if t.val(r, "client_id").s != cid {
					kept = append(kept, r)
				}
			}
			t.rows = kept
		}
		return n, nil
	})
	register("client_get_by_username", "client_get_by_username", []string{"session_id", "username"}, func(c *callCtx) (any, error) {
		u := c.s.tables["sys_user"]
		name := phpString(c.arg("username"), "")
		for _, r := range u.rows {
			if strings.EqualFold(u.val(r, "username").s, name) {
				return rowValue{u, rowCopy(r)}, nil
			}
		}
		return nil, faultf("There is no user account for this user name.")
	})
	register("client_get_id", "client_get_id", []string{"session_id", "sys_userid"}, func(c *callCtx) (any, error) {
		u := c.s.tables["sys_user"]
		if r := u.get(intval(c.arg("sys_userid"))); r != nil {
			return intval(u.val(r, "client_id").s), nil
		}
		return nil, faultf("There is no sys_user account with this userid.")
	})
	register("client_get_groupid", "client_get_id", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		if g := c.s.groupOf(intval(c.arg("client_id"))); g != nil {
			return intval(g[0].s), nil
		}
		return nil, faultf("There is no group for this client ID.")
	})
	register("client_get_by_groupid", "client_get_id", []string{"session_id", "group_id"}, func(c *callCtx) (any, error) {
		g := c.s.tables["sys_group"]
		if r := g.get(intval(c.arg("group_id"))); r != nil {
			v, err := c.s.getRecords(c.s.tables["client"], g.val(r, "client_id").s)
			return clientGetFixup(v), err
		}
		return nil, faultf("There is no client for this group ID.")
	})
	register("client_get_emailcontact", "client_get_emailcontact", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["client"]
		if r := t.get(intval(c.arg("client_id"))); r != nil {
			o := &object{}
			for _, k := range []string{"company_name", "contact_name", "gender", "email", "language"} {
				o.add(k, t.val(r, k))
			}
			return o, nil
		}
		return nil, faultf("There is no client with this client ID.")
	})
	register("client_get_by_customer_no", "client_get_by_customer_no", []string{"session_id", "customer_no"}, func(c *callCtx) (any, error) {
		no := strings.TrimSpace(phpString(c.arg("customer_no"), ""))
		if no == "" {
			return nil, faultf("There was no customer number specified.")
		}
		t := c.s.tables["client"]
		for _, r := range t.rows {
			if v := t.val(r, "customer_no"); v.valid && strings.EqualFold(v.s, no) {
				return rowValue{t, rowCopy(r)}, nil
			}
		}
		return nil, faultf("There is no user account for this customer number.")
	})
	register("client_get_all", "client_get_all", []string{"session_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["client"]
		if len(t.rows) == 0 {
			return false, nil
		}
		out := make([]string, len(t.rows))
		for i, r := range t.rows {
			out[i] = r[0].s
		}
		return out, nil
	})
	register("client_change_password", "client_change_password", []string{"session_id", "client_id", "new_password"}, func(c *callCtx) (any, error) {
		t := c.s.tables["client"]
		cid := intval(c.arg("client_id"))
		r := t.get(cid)
		if r == nil || cid <= 0 {
			return nil, faultf("There is no user account for this client_id")
		}
		h := c.hash(phpString(c.arg("new_password"), ""))
		t.set(r, "password", str(h))
		if u := c.s.sysUserOf(cid); u != nil {
			c.s.tables["sys_user"].set(u, "passwort", str(h))
		}
		c.s.datalog++
		return true, nil
	})
	register("client_get_sites_by_user", "client_get_sites_by_user", []string{"session_id", "sys_userid", "sys_groupid"}, func(c *callCtx) (any, error) {
		t := c.s.tables["web_domain"]
		uid := strconv.FormatInt(intval(c.arg("sys_userid")), 10)
		groups := map[string]bool{}
		for _, g := range strings.Split(phpString(c.arg("sys_groupid"), ","), ",") {
			groups[strconv.FormatInt(intval(strings.TrimSpace(g)), 10)] = true
		}
		out := []any{}
		for _, r := range t.rows {
			if t.val(r, "type").s != "vhost" {
				continue
			}
			perm := func(col string) bool { return strings.Contains(t.val(r, col).s, "r") }
			if (t.val(r, "sys_userid").s == uid && perm("sys_perm_user")) ||
				(groups[t.val(r, "sys_groupid").s] && perm("sys_perm_group")) || perm("sys_perm_other") {
				out = append(out, (&object{}).add("domain", t.val(r, "domain")).add("domain_id", r[0]).
					add("document_root", t.val(r, "document_root")).add("active", t.val(r, "active")))
			}
		}
		return out, nil
	})
}

func clientForm(s *Sim, p map[string]any) *form {
	if v, ok := p["limit_client"]; ok && v != nil && !looseEqualZero(v) {
		return s.forms["reseller"]
	}
	return s.forms["client"]
}

// interfaceModules is $conf['interface_modules_enabled'] of a default installation: the modules of a new client's
// panel user when params has no "modules".
const interfaceModules = "dashboard,mail,sites,dns,tools,help"

// fakeSSHKeys stands in for the RSA key pair client_add generates (API.md §4.2 step 6); it is not a usable key.
func fakeSSHKeys(user string, ts int64) (private, public string) {
	b := make([]byte, 96)
	_, _ = rand.Read(b)
	enc := base64.StdEncoding.EncodeToString(b)
	private = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + enc + "\n-----END OPENSSH PRIVATE KEY-----\n"
	public = "ssh-rsa " + enc + " " + user + "-rsa-key-" + strconv.FormatInt(ts, 10) + "\n"
	return private, public
}

// clientAdd is client_add (API.md §4.2).
func clientAdd(c *callCtx) (any, error) {
	s := c.s
	if paramsFatal(c.arg("params"), writesParams) {
		return nil, errFatal
	}
	p := copyMap(c.params())
	resellerID := c.arg("reseller_id")
	if v, ok := p["parent_client_id"]; !ok || v == nil || looseEqualZero(v) {
		p["parent_client_id"] = resellerID
	}
	if !phpEmpty(p["parent_client_id"]) {
		t := s.tables["client"]
		r := t.get(intval(p["parent_client_id"]))
		if r == nil || intval(t.val(r, "limit_client").s) == 0 {
			p["parent_client_id"] = 0
		} else if v, ok := p["limit_client"]; ok && v != nil && !looseEqualZero(v) {
			return nil, faultf("Reseller cannot be client of another reseller.")
		}
	}
	f := clientForm(s, p)
	// klientadd: the form's validation messages first, then its own duplicate check on sys_user.
	crypted := intval(p["_ispconfig_pw_crypted"]) == 1
	assigns, msgs := s.encode(&encodeCtx{form: f, record: p, crypted: crypted, c: c})
	if u, ok := p["username"]; ok && u != nil {
		ut := s.tables["sys_user"]
		for _, r := range ut.rows {
			if strings.EqualFold(ut.val(r, "username").s, phpString(u, "")) {
				msgs += "Duplicate username<br />"
				break
			}
		}
	}
	if msgs != "" {
		return nil, faultf(msgs)
	}
	id, r, err := s.insertAssigned("client", resellerID, p["_primary_id"], assigns)
	if err != nil {
		return nil, err
	}
	t := s.tables["client"]
	cid := t.id(r)
	username := t.val(r, "username").s
	now := s.now().Unix()
	priv, pub := fakeSSHKeys(username, now)
	t.set(r, "created_at", str(strconv.FormatInt(now, 10)))
	t.set(r, "id_rsa", str(priv))
	t.set(r, "ssh_rsa", str(pub))

	g := s.tables["sys_group"]
	gr := g.newRow()
	g.set(gr, "name", str(username))
	g.set(gr, "description", str(""))
	g.set(gr, "client_id", str(strconv.FormatInt(cid, 10)))
	gid, _ := g.insert(gr)

	if p["language"] == nil {
		// sys_user.language is NOT NULL: the INSERT of the panel user fails, and ISPConfig does not check (a
		// default installation's mysqli does not throw). The client and its group exist, without a panel user.
		return id, nil
	}
	modules := phpString(p["modules"], ",")
	if p["modules"] == nil {
		modules = interfaceModules
	}
	if intval(p["limit_client"]) > 0 {
		modules += ",client"
	}
	start := "dashboard"
	if sm := phpString(p["startmodule"], ","); sm != "" {
		start = strings.Split(modules, ",")[0]
		for _, m := range strings.Split(modules, ",") {
			if m == sm {
				start = sm
			}
		}
	}
	theme := phpString(p["usertheme"], ",")
	if theme == "" {
		theme = "default"
	}
	pw := phpString(p["password"], ",")
	if !crypted {
		pw = c.hash(pw)
	}
	u := s.tables["sys_user"]
	ur := u.newRow()
	gs := strconv.FormatInt(gid, 10)
	for k, v := range map[string]string{"username": username, "passwort": pw, "modules": modules, "startmodule": start,
		"app_theme": theme, "typ": "user", "active": "1", "language": phpString(p["language"], ","), "groups": gs,
		"default_group": gs, "client_id": strconv.FormatInt(cid, 10)} {
		u.set(ur, k, str(v))
	}
	u.insert(ur)
	if rid := intval(resellerID); rid != 0 {
		if rr := s.sysUserOf(rid); rr != nil {
			groups := u.val(rr, "groups").s
			if groups != "" {
				groups += ","
			}
			u.set(rr, "groups", str(groups+gs))
		}
		t.set(r, "parent_client_id", str(strconv.FormatInt(rid, 10)))
	}
	return id, nil
}

// clientUpdate is client_update, including its password corruption when params lack "password" (API.md §4.2).
func clientUpdate(c *callCtx) (any, error) {
	s := c.s
	t := s.tables["client"]
	clientID, resellerID := c.arg("client_id"), c.arg("reseller_id")
	old, err := s.getRecords(t, clientID)
	if err != nil {
		return nil, err
	}
	merged := map[string]any{}
	if rv, ok := old.(rowValue); ok {
		merged = rowMap(t, rv.r)
	}
	for k, v := range c.params() {
		merged[k] = v
	}
	if v, ok := merged["parent_client_id"]; !ok || v == nil || looseEqualZero(v) {
		merged["parent_client_id"] = resellerID
	}
	if !phpEmpty(merged["parent_client_id"]) {
		r := t.get(intval(merged["parent_client_id"]))
		if r == nil || intval(t.val(r, "limit_client").s) == 0 {
			return nil, faultf("Selected client is not a reseller.")
		}
		if v, ok := merged["limit_client"]; ok && v != nil && !looseEqualZero(v) {
			return nil, faultf("Reseller cannot be client of another reseller.")
		}
	}
	if v, ok := merged["template_additional"]; ok && v != nil {
		merged["template_additional"] = ""
	}
	n, err := s.updateRecord(c, clientForm(s, merged), resellerID, clientID, merged)
	if err != nil {
		return nil, err
	}
	// ispconfig_sysuser_update
	if ur := s.sysUserOf(intval(clientID)); ur != nil {
		u := s.tables["sys_user"]
		u.set(ur, "username", str(phpString(merged["username"], ",")))
		if pw := phpString(merged["password"], ","); pw != "" {
			if intval(merged["_ispconfig_pw_crypted"]) != 1 {
				pw = c.hash(pw)
			}
			u.set(ur, "passwort", str(pw))
		}
		if l := phpString(merged["language"], ","); l != "" {
			u.set(ur, "language", str(l))
		}
		if m := phpString(merged["modules"], ","); m != "" {
			u.set(ur, "modules", str(m))
		}
		switch phpString(merged["canceled"], ",") {
		case "y":
			u.set(ur, "active", str("0"))
		case "n":
			u.set(ur, "active", str("1"))
		}
	}
	if l := phpString(merged["locked"], ","); l != "" && l != "0" {
		s.clientLock(intval(clientID), l)
	}
	return n, nil
}

func setStatus(c *callCtx, formName string) (any, error) {
	var active string
	switch c.arg("status") {
	case "active":
		active = "y"
	case "inactive":
		active = "n"
	default:
		return nil, faultf(msgStatus)
	}
	s := c.s
	f := s.forms[formName]
	t := s.tables[f.table]
	rec := map[string]any{}
	if v, err := s.getRecords(t, c.arg("primary_id")); err != nil {
		return nil, err
	} else if rv, ok := v.(rowValue); ok {
		rec = rowMap(t, rv.r)
	}
	rec["active"] = active
	return s.updateRecord(c, f, 0, c.arg("primary_id"), rec)
}

// webDomainResets are the values sites_web_domain_update writes when the key is absent or "" (API.md §4.3).
var webDomainResets = []struct{ key, val string }{
	{"log_retention", "30"}, {"pm_max_children", "1"}, {"pm_start_servers", "1"}, {"pm_min_spare_servers", "1"},
	{"pm_max_spare_servers", "1"},
}

func resetWebDomain(c *callCtx, p map[string]any) (map[string]any, error) {
	p = copyMap(p)
	for _, r := range webDomainResets {
		if phpString(p[r.key], ",") == "" {
			p[r.key] = r.val
		}
	}
	return p, nil
}

func registerSites() {
	reset := &hook{run: resetWebDomain, writes: true}
	crud("sites_web_domain", "sites_web_domain", "web_vhost_domain", nil, reset)
	register("sites_web_domain_add", "sites_web_domain_add", []string{"session_id", "client_id", "params", "readonly"}, webDomainAdd)
	register("sites_web_domain_set_status", "sites_web_domain_set_status", pStatus, func(c *callCtx) (any, error) {
		return setStatus(c, "web_vhost_domain")
	})
	prefill := func(c *callCtx, p map[string]any) (map[string]any, error) {
		p = copyMap(p)
		for _, k := range []string{"document_root", "system_user", "system_group"} {
			if phpEmpty(p[k]) {
				p[k] = "-"
			}
		}
		return resetWebDomain(c, p)
	}
	crud("sites_web_vhost_subdomain", "sites_web_subdomain", "web_vhost_domain", &hook{run: prefill, writes: true}, reset)
	crud("sites_web_vhost_aliasdomain", "sites_web_aliasdomain", "web_vhost_domain", &hook{run: prefill, writes: true}, reset)
	crud("sites_web_subdomain", "sites_web_subdomain", "web_childdomain", nil, nil)
	crud("sites_web_aliasdomain", "sites_web_aliasdomain", "web_childdomain", nil, nil)
}

// webDomainAdd is sites_web_domain_add with the sites_web_vhost_domain plugin (API.md §4.3).
func webDomainAdd(c *callCtx) (any, error) {
	s := c.s
	if paramsFatal(c.arg("params"), writesParams) {
		return nil, errFatal
	}
	p := copyMap(c.params())
	clientID := c.arg("client_id")
	if _, ok := p["client_group_id"]; !ok {
		if g := s.groupOf(intval(clientID)); g != nil {
			p["client_group_id"] = g[0].s
		}
	}
	for _, k := range []string{"document_root", "system_user", "system_group"} {
		if phpEmpty(p[k]) {
			p[k] = "-"
		}
	}
	if phpEmpty(p["log_retention"]) {
		p["log_retention"] = "30"
	}
	for _, k := range []string{"pm_max_children", "pm_start_servers", "pm_min_spare_servers", "pm_max_spare_servers"} {
		if phpEmpty(p[k]) {
			p[k] = "1"
		}
	}
	id, r, err := s.insertRecord(c, s.forms["web_vhost_domain"], clientID, p)
	if err != nil {
		return nil, err
	}
	t := s.tables["web_domain"]
	groupID := intval(p["client_group_id"])
	t.set(r, "sys_groupid", str(strconv.FormatInt(groupID, 10)))
	t.set(r, "sys_perm_group", str("ru"))
	if typ := t.val(r, "type").s; typ != "vhostalias" && typ != "vhostsubdomain" {
		owner := int64(0)
		if gr := s.tables["sys_group"].get(groupID); gr != nil {
			owner = intval(s.tables["sys_group"].val(gr, "client_id").s)
		}
		did := strconv.FormatInt(t.id(r), 10)
		cid := strconv.FormatInt(owner, 10)
		cfg := s.serverConfig(intval(t.val(r, "server_id").s))
		web := cfg["web"]
		path := strings.NewReplacer("[website_id]", did, "[client_id]", cid).Replace(web["website_path"])
		set := func(k, v string) {
			if !s.dropped["web_domain."+k] {
				t.set(r, k, str(v))
			}
		}
		set("system_user", "web"+did)
		set("system_group", "client"+cid)
		set("document_root", path)
		set("allow_override", web["htaccess_allow_override"])
		set("php_open_basedir", strings.NewReplacer("[website_path]", path,
			"[website_domain]", phpString(c.params()["domain"], ",")).Replace(web["php_open_basedir"]))
	}
	if b, ok := c.arg("readonly").(bool); ok && b {
		t.set(r, "sys_userid", str("1"))
	}
	return id, nil
}

// mailDomainCheck is the "mail domain must exist as primary" pre-check of mail_user_add/update (API.md §4.5).
func mailDomainCheck(s *Sim, email string) error {
	_, domain, _ := strings.Cut(email, "@")
	md := s.tables["mail_domain"]
	found := false
	for _, r := range md.rows {
		if strings.EqualFold(md.val(r, "domain").s, domain) {
			found = true
			break
		}
	}
	fw := s.tables["mail_forwarding"]
	for _, r := range fw.rows {
		if fw.val(r, "type").s == "aliasdomain" && strings.EqualFold(fw.val(r, "source").s, "@"+domain) {
			found = false
		}
	}
	if !found {
		return faultf("Mail domain - " + domain + " - does not exist as primary.")
	}
	return nil
}

// mailboxCheck is the alias pre-check: no active mailbox with that address (API.md §4.6).
func mailboxCheck(s *Sim, source any) error {
	src := phpString(source, ",")
	mu := s.tables["mail_user"]
	for _, r := range mu.rows {
		if strings.EqualFold(mu.val(r, "email").s, src) && mu.val(r, "postfix").s == "y" {
			return faultf("There is already a mailbox with this email address.")
		}
	}
	return nil
}

func registerMail() {
	crud("mail_domain", "mail_domain", "mail_domain", nil, nil)
	register("mail_domain_get_by_domain", "mail_domain_get_by_domain", []string{"session_id", "domain"}, func(c *callCtx) (any, error) {
		d := c.arg("domain")
		if phpEmpty(d) {
			return false, nil
		}
		t := c.s.tables["mail_domain"]
		out := []any{}
		for _, r := range t.rows {
			if strings.EqualFold(t.val(r, "domain").s, phpString(d, ",")) {
				out = append(out, rowValue{t, rowCopy(r)})
			}
		}
		return out, nil
	})
	register("mail_domain_set_status", "mail_domain_set_status", pStatus, func(c *callCtx) (any, error) {
		var active string
		switch c.arg("status") {
		case "active":
			active = "y"
		case "inactive":
			active = "n"
		default:
			return nil, faultf(msgStatus)
		}
		t := c.s.tables["mail_domain"]
		r := t.get(intval(c.arg("primary_id")))
		if r == nil || c.s.dropped["mail_domain.active"] || t.val(r, "active").s == active {
			return int64(0), nil
		}
		t.set(r, "active", str(active))
		c.s.datalog++
		return int64(1), nil
	})
	crud("mail_user", "mail_user", "mail_user", &hook{writes: true, run: func(c *callCtx, p map[string]any) (map[string]any, error) {
		p = copyMap(p)
		if e, ok := p["email"]; ok && e != nil {
			p["email"] = strings.ToLower(phpString(e, ","))
			if err := mailDomainCheck(c.s, p["email"].(string)); err != nil {
				return nil, err
			}
		}
		if p["uid"] == nil {
			p["uid"] = "-1"
		}
		if p["gid"] == nil {
			p["gid"] = "-1"
		}
		if p["maildir_format"] == nil {
			p["maildir_format"] = "maildir"
		}
		return p, nil
	}}, &hook{run: func(c *callCtx, p map[string]any) (map[string]any, error) {
		if e, ok := p["email"]; ok && e != nil {
			if err := mailDomainCheck(c.s, strings.ToLower(phpString(e, ","))); err != nil {
				return nil, err
			}
		}
		return p, nil
	}})
	aliasCheck := &hook{run: func(c *callCtx, p map[string]any) (map[string]any, error) {
		if src, ok := p["source"]; ok && src != nil {
			if err := mailboxCheck(c.s, src); err != nil {
				return nil, err
			}
		}
		return p, nil
	}}
	crud("mail_alias", "mail_alias", "mail_alias", aliasCheck, aliasCheck)
	crud("mail_forward", "mail_forward", "mail_forward", nil, nil)
	crud("mail_catchall", "mail_catchall", "mail_catchall", nil, nil)
	crud("mail_aliasdomain", "mail_aliasdomain", "mail_aliasdomain", nil, nil)
}
