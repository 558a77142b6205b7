package ispsim

import (
	"encoding/json"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// remoteFault is an ISPConfigRemoteException: a "remote_fault" envelope carrying msg.
type remoteFault struct{ msg string }

func (f *remoteFault) Error() string { return f.msg }

func faultf(msg string) error { return &remoteFault{msg: msg} }

// rawResponse is a response that is not an envelope (HTTP 500 after a PHP fatal error, the "Primary ID fehlt!" page).
type rawResponse struct {
	status      int
	contentType string
	body        string
}

func (r *rawResponse) Error() string { return "http " + strconv.Itoa(r.status) }

// errFatal is a PHP fatal error (a TypeError, or an Error such as "Cannot use a scalar value as an array"): HTTP 500
// with an empty body. SQL errors are not fatal on a default installation (mysqli does not throw there): they are
// reported as faults or ignored, see sqlFault.
var errFatal = &rawResponse{status: 500}

// errPrimaryIDMissing is the HTML page tform_base emits on an update without a primary id (API.md §1.4).
var errPrimaryIDMissing = &rawResponse{status: 200, contentType: "text/html; charset=utf-8",
	body: "<div class='alert alert-danger clear'>\n  <div class='alert-label'><strong><tmpl_var name=\"error_txt\"></strong></div>\n  <div class='alert-content'>\n    <ul style=\"list-style-type:none\">\n      <li>Primary ID fehlt!</li>\n    </ul>\n  </div>\n</div>\n"}

const (
	msgBadID          = "The ID has to be > 0 or -1."
	msgPermission     = "You do not have the permissions to access this function."
	msgSessionEmpty   = "The SessionID is empty."
	msgSessionExpired = "The Session is expired or does not exist."
	msgStatus         = "The status is not available"
)

// rowMap returns a row as a PHP associative array (strings and nils).
func rowMap(t *table, r row) map[string]any {
	m := make(map[string]any, len(t.cols))
	for i, c := range t.cols {
		if r[i].valid {
			m[c.name] = r[i].s
		} else {
			m[c.name] = nil
		}
	}
	return m
}

func rowCopy(r row) row { return append(row(nil), r...) }

// getRecords implements getDataRecord (API.md §3.1) on t. A filter's keys are taken in sorted order; use
// getRecordsOrdered when the order they were sent in is known.
func (s *Sim) getRecords(t *table, id any) (any, error) { return s.getRecordsOrdered(t, id, nil) }

// getRecordsOrdered is getRecords with the order of a filter's keys as they appeared in the request.
func (s *Sim) getRecordsOrdered(t *table, id any, order []string) (any, error) {
	switch x := id.(type) {
	case map[string]any:
		return s.filterRows(t, x, order)
	case []any:
		// A JSON list is a PHP array too: its keys 0, 1, … are taken as column names.
		m := make(map[string]any, len(x))
		order = order[:0:0]
		for i, v := range x {
			k := strconv.Itoa(i)
			m[k] = v
			order = append(order, k)
		}
		return s.filterRows(t, m, order)
	}
	f, ok := isNumeric(id)
	if !ok {
		return []any{}, nil
	}
	switch {
	case f == -1:
		return s.allRows(t), nil
	case f <= 0:
		return nil, faultf(msgBadID)
	}
	if f != float64(int64(f)) {
		return nil, nil
	}
	r := t.get(int64(f))
	if r == nil {
		return nil, nil
	}
	return rowValue{t, rowCopy(r)}, nil
}

func (s *Sim) allRows(t *table) []any {
	out := make([]any, len(t.rows))
	for i, r := range t.rows {
		out[i] = rowValue{t, rowCopy(r)}
	}
	return out
}

// column returns the index of column name (MySQL column names are case-insensitive).
func (t *table) column(name string) (int, bool) {
	if i, ok := t.idx[name]; ok {
		return i, true
	}
	for i, c := range t.cols {
		if strings.EqualFold(c.name, name) {
			return i, true
		}
	}
	return 0, false
}

// filterRows implements the filter form of getDataRecord (remoting_lib.inc.php): AND of column = value / LIKE, plus
// #LIMIT#/#OFFSET#. As in ISPConfig, the paging keys still add their key and value to the statement's parameters, so
// a paging key sent before a column key shifts the placeholders: the statement then names the column `#LIMIT#`. Every
// SQL error (such as that, or an unknown column) yields [], because a default installation does not make mysqli
// throw and getDataRecord does not check for errors.
func (s *Sim) filterRows(t *table, filter map[string]any, order []string) (any, error) {
	if len(order) != len(filter) {
		order = slices.Sorted(maps.Keys(filter))
	}
	type cond struct {
		col  int
		val  any
		like *regexp.Regexp
	}
	var conds []cond
	var pairs []string // the column names in parameter order, paging keys included
	limit, offset := int64(0), int64(0)
	for _, k := range order {
		v := filter[k]
		pairs = append(pairs, k)
		switch k {
		case "#LIMIT#":
			limit = intval(v)
			continue
		case "#OFFSET#":
			offset = intval(v)
			continue
		}
		c := cond{val: v}
		switch x := v.(type) {
		case []any, map[string]any:
			return nil, errFatal // stristr() on an array: TypeError
		case string:
			if strings.Contains(x, "%") {
				c.like = likeRegexp(x)
			}
		}
		conds = append(conds, c)
	}
	for i := range conds {
		ci, ok := t.column(pairs[i])
		if !ok {
			return []any{}, nil // unknown column (or a shifted paging key): SQL error, ignored
		}
		conds[i].col = ci
	}
	out := []any{}
	for _, r := range t.rows {
		match := true
		for _, c := range conds {
			if !sqlMatch(r[c.col], c.val, c.like) {
				match = false
				break
			}
		}
		if match {
			out = append(out, rowValue{t, rowCopy(r)})
		}
	}
	if offset >= 0 && limit > 0 {
		if offset >= int64(len(out)) {
			return []any{}, nil
		}
		out = out[offset:min(int64(len(out)), offset+limit)]
	}
	return out, nil
}

// likeRegexp translates a MySQL LIKE pattern (case-insensitive collation) to a regexp.
func likeRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// sqlMatch is `column = value` (or LIKE) with MySQL's comparison rules: NULL never matches, numbers compare
// numerically, strings case-insensitively, booleans compare with ”.
func sqlMatch(v nval, want any, like *regexp.Regexp) bool {
	if !v.valid {
		return false
	}
	switch x := want.(type) {
	case nil:
		return false
	case bool:
		return v.s == ""
	case json.Number:
		f, _ := x.Float64()
		return mysqlNumber(v.s) == f
	case string:
		if like != nil {
			return like.MatchString(v.s)
		}
		return strings.EqualFold(strings.TrimRight(v.s, " "), strings.TrimRight(x, " "))
	}
	return false
}

// owner returns the sys_userid and sys_groupid the engine stamps for client_id (API.md §3.2.1): the client's
// sys_user (admin for 0), or 0/0 for an unknown client.
func (s *Sim) owner(clientID any) (uid, gid string, ok bool) {
	cid := strconv.FormatInt(intval(clientID), 10)
	u := s.tables["sys_user"]
	ci := u.idx["client_id"]
	for _, r := range u.rows {
		if r[ci].s == cid {
			return r[0].s, u.val(r, "default_group").s, true
		}
	}
	return "0", "0", false
}

// assignment is one column = value of an INSERT/UPDATE statement.
type assignment struct {
	col string
	val nval
}

// encodeCtx carries what validators need besides the value.
type encodeCtx struct {
	form    *form
	record  map[string]any
	selfID  int64 // primary key of the record being updated, 0 on insert
	crypted bool
	c       *callCtx
}

// encode runs §3.2.3/§3.2.4 over every form field: filters, validators, datatype and widget conversion. It returns the
// assignments and the concatenated validation messages.
func (s *Sim) encode(ec *encodeCtx) ([]assignment, string) {
	f := ec.form
	t := s.tables[f.table]
	var msgs strings.Builder
	out := make([]assignment, 0, len(f.fields))
	filtered := make(map[string]string, len(f.fields))
	// Filters first for every field, so validators that look at other fields see filtered values.
	for _, fd := range f.fields {
		if len(fd.filters) > 0 {
			filtered[fd.name] = applyFilters(phpString(ec.record[fd.name], ","), fd.filters, !s.noIDN)
		}
	}
	for _, fd := range f.fields {
		if s.dropped[f.table+"."+fd.name] {
			continue
		}
		v, present := ec.record[fd.name]
		if fs, ok := filtered[fd.name]; ok {
			v, present = fs, true
		}
		text := validationText(v)
		for _, vd := range fd.validators {
			if m := s.validate(ec, t, &fd, vd, text, filtered); m != "" {
				msgs.WriteString(m)
			}
		}
		var nv nval
		switch fd.datatype {
		case "INTEGER":
			nv = str(strconv.FormatInt(intval(v), 10))
		case "TEXT":
			if (v == nil || !present) && len(fd.filters) == 0 {
				nv = null
			} else {
				nv = str(phpString(v, ","))
			}
		case "DATE":
			const layout = "2006-01-02"
			if tm, err := time.Parse(layout, strings.TrimSpace(phpString(v, ","))); err == nil {
				nv = str(tm.Format(layout))
			} else {
				nv = null
			}
		case "DATETIME":
			if tm, ok := parsePHPDateTime(phpString(v, ",")); ok {
				nv = str(tm.Format("2006-01-02 15:04:05"))
			} else {
				nv = null
			}
		default:
			nv = str(phpString(v, ","))
		}
		switch fd.formtype {
		case "CHECKBOX":
			if nv.valid && nv.s == "" {
				nv = str(fd.unchecked)
			}
		case "PASSWORD":
			if !nv.valid || nv.s == "" {
				continue
			}
			if !ec.crypted {
				pw := nv.s
				if fd.encryption == "CRYPTMAIL" {
					pw = toLatin1(pw)
				}
				nv = str(ec.c.hash(pw))
			}
		}
		out = append(out, assignment{fd.name, nv})
	}
	return out, msgs.String()
}

// rePHPDateTime is what PHP's date_parse_from_format('Y-m-d H:i:s', …) parses without errors (the API's date-time
// format, remoting_lib.inc.php): out-of-range parts are only warnings.
var rePHPDateTime = regexp.MustCompile(`^(\d{1,4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})$`)

// parsePHPDateTime parses a DATETIME field as tform does: date_parse_from_format with the API's format, then
// mktime, which carries out-of-range parts over (month 13 is January of the next year). 1899-12-31 is an error.
func parsePHPDateTime(s string) (time.Time, bool) {
	m := rePHPDateTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	n := make([]int, 7)
	for i := 1; i < 7; i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	if n[1] == 1899 && n[2] == 12 && n[3] == 31 {
		return time.Time{}, false
	}
	return time.Date(n[1], time.Month(n[2]), n[3], n[4], n[5], n[6], 0, time.UTC), true
}

func validationText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "1"
		}
		return ""
	}
	return phpString(v, ",")
}

var (
	reStripScript = regexp.MustCompile(`(?is)<script[^>]*?>.*?</script>`)
	reStripTags   = regexp.MustCompile(`(?s)<[^>]*>`)
	reWhitespace  = regexp.MustCompile(`\s+`)
)

// applyFilters runs tform's SAVE filters. idn says whether IDNTOASCII converts (PHP has intl or ISPConfig's
// bundled IDNA class); without either ISPConfig leaves the text as it is.
func applyFilters(s string, filters []string, idn bool) string {
	for _, f := range filters {
		switch f {
		case "IDNTOASCII":
			if !idn {
				continue
			}
			lines := strings.Split(s, "\n")
			for i, l := range lines {
				lines[i] = idnToASCII(l)
			}
			s = strings.Join(lines, "\n")
		case "TOLOWER":
			s = strings.ToLower(s)
		case "TOUPPER":
			s = strings.ToUpper(s)
		case "TRIM":
			s = strings.Trim(s, " \t\n\r\x00\x0B")
		case "NOWHITESPACE":
			s = reWhitespace.ReplaceAllString(s, "")
		case "STRIPTAGS":
			s = reStripTags.ReplaceAllString(reStripScript.ReplaceAllString(s, ""), "")
		case "STRIPNL":
			s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
		}
	}
	return s
}

func idnToASCII(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if d, err := idna.ToASCII(s[at+1:]); err == nil {
			return s[:at+1] + d
		}
		return s
	}
	if d, err := idna.ToASCII(s); err == nil {
		return d
	}
	return s
}

var (
	reEmailLocal = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
	reEmailHost  = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	reISINT      = regexp.MustCompile(`^-?[0-9]+$`)
	reWebDomain  = regexp.MustCompile(`^[\w.-]{1,255}\.[a-zA-Z0-9-]{2,63}$`)
	reSysName    = regexp.MustCompile(`^[a-zA-Z0-9.\-_]{1,32}$`)
)

// validEmail approximates PHP's FILTER_VALIDATE_EMAIL.
func validEmail(s string) bool {
	at := strings.LastIndex(s, "@")
	if at <= 0 || at == len(s)-1 || len(s) > 320 {
		return false
	}
	local, host := s[:at], s[at+1:]
	if len(local) > 64 || !reEmailLocal.MatchString(local) {
		return false
	}
	if strings.HasPrefix(host, "[") {
		_, err := mail.ParseAddress("x@" + host)
		return err == nil
	}
	return reEmailHost.MatchString(host)
}

func builtinMsg(key string) string { return key + "<br />\r\n" }
func customMsg(key string) string  { return key + "<br>\r\n" }

// validate runs one validator and returns its message, or "".
func (s *Sim) validate(ec *encodeCtx, t *table, fd *field, vd validator, v string, filtered map[string]string) string {
	if vd.allowEmpty && v == "" {
		return ""
	}
	switch vd.kind {
	case "NOTEMPTY":
		if v == "" {
			return builtinMsg(vd.key)
		}
	case "UNIQUE":
		ci := t.idx[fd.name]
		for _, r := range t.rows {
			if r[ci].valid && strings.EqualFold(r[ci].s, v) && t.id(r) != ec.selfID {
				return builtinMsg(vd.key)
			}
		}
	case "REGEX":
		ok := false
		if vd.check != nil {
			ok = vd.check(v)
		} else {
			ok = vd.re.MatchString(v)
		}
		if !ok {
			return builtinMsg(vd.key)
		}
	case "ISEMAIL":
		if !validEmail(v) || strings.Contains(v, "+") {
			return builtinMsg(vd.key)
		}
	case "ISEMAILADDRESS":
		if !validEmail(v) {
			return builtinMsg(vd.key)
		}
	case "ISDOMAIN":
		if !validEmail("check@" + v) {
			return builtinMsg(vd.key)
		}
	case "ISINT":
		if v != "" && !reISINT.MatchString(v) {
			return builtinMsg(vd.key)
		}
	case "ISDATETIME":
		if _, ok := parsePHPDateTime(v); !ok {
			return builtinMsg(vd.key)
		}
	case "CUSTOM":
		return s.customValidate(ec, t, vd, v, filtered)
	}
	return ""
}

// Password policy of a default install: misc.min_password_length 8, misc.min_password_strength 3 ("Good").
const weakPasswordText = `The chosen password does not match the security guidelines. It has to be at least 8 chars in length and have a strength of "Good".`

func (s *Sim) customValidate(ec *encodeCtx, t *table, vd validator, v string, filtered map[string]string) string {
	switch vd.custom {
	case "validate_password::password_check":
		if v != "" && (len(v) < 8 || passwordStrength(v) < 3) {
			return weakPasswordText
		}
	case "validate_client::username_unique":
		if v == "" {
			return ""
		}
		selfClient := strconv.FormatInt(ec.selfID, 10)
		for _, r := range t.rows {
			if strings.EqualFold(t.val(r, "username").s, v) && t.id(r) != ec.selfID {
				return customMsg(vd.key)
			}
		}
		u := s.tables["sys_user"]
		for _, r := range u.rows {
			if strings.EqualFold(u.val(r, "username").s, v) && u.val(r, "client_id").s != selfClient {
				return customMsg(vd.key)
			}
		}
	case "validate_client::username_collision":
		if v == "web" || (strings.HasPrefix(v, "web") && len(v) > 3 && v[3] >= '0' && v[3] <= '9') {
			return customMsg(vd.key)
		}
	case "validate_domain::web_domain", "validate_domain::alias_domain":
		switch {
		case v == "":
			return customMsg("domain_error_empty")
		case !reWebDomain.MatchString(v):
			return customMsg("domain_error_regex")
		case strings.HasSuffix(v, ".acme.invalid"):
			return customMsg("domain_error_acme_invalid")
		case s.webDomainTaken(ec, v, vd.custom == "validate_domain::web_domain", false):
			return customMsg("domain_error_unique")
		}
	case "validate_domain::web_domain_autosub":
		if v == "www" || v == "*" {
			d := filtered["domain"]
			if d != "" && s.webDomainTaken(ec, "www."+d, true, true) {
				return customMsg(vd.key)
			}
		}
	case "validate_systemuser::check_sysuser", "validate_systemuser::check_sysgroup":
		// functions::is_allowed_user / is_allowed_group with check_names: "-" is the API's placeholder.
		if v == "-" {
			return ""
		}
		name, prefix := strings.ToLower(strings.TrimSpace(v)), `^web\d+$`
		if vd.custom == "validate_systemuser::check_sysgroup" {
			prefix = `^client\d+$`
		}
		switch name {
		case "root", "ispconfig", "vmail", "getmail":
			return customMsg(vd.key)
		}
		if !reSysName.MatchString(name) || !regexp.MustCompile(prefix).MatchString(name) {
			return customMsg(vd.key)
		}
	case "validate_reseller::limit_client":
		// $field_value <= 0 && $field_value != -1, with PHP 8's comparison of a non-numeric string and a number
		// (as strings). The text is appended as it is, without a line break.
		bad := false
		if f, ok := isNumeric(v); ok {
			bad = f <= 0 && f != -1
		} else {
			bad = v <= "0" && v != "-1"
		}
		if bad {
			return vd.key
		}
	}
	// validate_client::check_vat_id (online VIES check), check_used_servers,
	// validate_domain::web_*_directives, validate_dkim, validate_autoresponder: always pass in the simulator.
	return ""
}

// webDomainTaken reports whether another web_domain row on the same server answers to domain d with a colliding IP.
// exact restricts the match to rows whose domain is d (the auto-subdomain check).
func (s *Sim) webDomainTaken(ec *encodeCtx, d string, checkIP, exact bool) bool {
	t := s.tables["web_domain"]
	server := strconv.FormatInt(intval(ec.record["server_id"]), 10)
	ip := phpString(ec.record["ip_address"], ",")
	ip6 := phpString(ec.record["ipv6_address"], ",")
	for _, r := range t.rows {
		if t.id(r) == ec.selfID || t.val(r, "server_id").s != server {
			continue
		}
		dom := t.val(r, "domain").s
		sub := t.val(r, "subdomain").s
		if !strings.EqualFold(dom, d) && (exact || !((sub == "www" || sub == "*") && strings.EqualFold(sub+"."+dom, d))) {
			continue
		}
		if !checkIP {
			return true
		}
		rip, rip6 := t.val(r, "ip_address").s, t.val(r, "ipv6_address").s
		if ip == "*" || rip == "*" || ip == rip || (ip6 != "" && ip6 == rip6) {
			return true
		}
	}
	return false
}

// passwordStrength rates a password from 1 to 5 the way ISPConfig's password validator does.
func passwordStrength(pw string) int {
	n := len(pw)
	if n < 5 {
		return 1
	}
	points, different := 0, 0
	if strings.ContainsAny(pw, "abcdefghijklmnopqrstuvwxyz") {
		different++
	}
	if strings.ContainsAny(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		points++
		different++
	}
	if strings.ContainsAny(pw, "0123456789") {
		points++
		different++
	}
	if strings.ContainsAny(pw, "`~!@#$%^&*()_+|\\=-[]}{';:/?.>,<\" ") {
		points++
		different++
	}
	between := func(lo, hi int) bool { return n >= lo && n <= hi }
	switch {
	case points == 0 || different < 3:
		if between(5, 6) {
			return 1
		} else if between(7, 8) {
			return 2
		}
		return 3
	case points == 1:
		if between(5, 6) {
			return 2
		} else if between(7, 10) {
			return 3
		}
		return 4
	case points == 2:
		if between(5, 8) {
			return 3
		} else if between(9, 10) {
			return 4
		}
		return 5
	case points == 3:
		if between(5, 6) {
			return 3
		} else if between(7, 8) {
			return 4
		}
		return 5
	default:
		if between(5, 6) {
			return 4
		}
		return 5
	}
}

// insertRecord is the generic *_add (API.md §3.2). before runs on the new row after the form values and ownership are
// set and before it is stored.
func (s *Sim) insertRecord(c *callCtx, f *form, clientID any, params map[string]any) (any, row, error) {
	if params == nil {
		params = map[string]any{}
	}
	ec := &encodeCtx{form: f, record: params, crypted: intval(params["_ispconfig_pw_crypted"]) == 1, c: c}
	assigns, msgs := s.encode(ec)
	if msgs != "" {
		return nil, nil, faultf(msgs)
	}
	return s.insertAssigned(f.table, clientID, params["_primary_id"], assigns)
}

func (s *Sim) insertAssigned(tname string, clientID, primaryID any, assigns []assignment) (any, row, error) {
	t := s.tables[tname]
	r := t.newRow()
	for _, a := range assigns {
		t.set(r, a.col, a.val)
	}
	uid, gid, _ := s.owner(clientID)
	t.set(r, "sys_userid", str(uid))
	t.set(r, "sys_groupid", str(gid))
	t.set(r, "sys_perm_user", str("riud"))
	t.set(r, "sys_perm_group", str("riud"))
	t.set(r, "sys_perm_other", str(""))
	if pid := intval(primaryID); pid > 0 {
		r[0] = str(strconv.FormatInt(pid, 10))
	}
	id, ok := t.insert(r)
	if !ok {
		return nil, nil, errFatal // duplicate primary key
	}
	s.datalog++
	if primaryID != nil && intval(primaryID) > 0 {
		return primaryID, r, nil
	}
	return strconv.FormatInt(id, 10), r, nil
}

// insertWithoutRecord is the generic add when params is not an array (absent, null, a string, a number or a
// boolean): tform's encode skips filters and validators, every field is written as NULL except checkboxes (their
// unchecked value) and passwords (left out), and MySQL rejects the NULL in the first NOT NULL column. ISPConfig
// reports that as a database_error fault with the statement (API.md §1.4, PHP < 8.1 path, which is also the path
// of a default installation: mysqli does not throw there).
func (s *Sim) insertWithoutRecord(f *form, clientID any) (any, row, error) {
	t := s.tables[f.table]
	var cols, vals []string
	var assigns []assignment
	notNull := ""
	for _, fd := range f.fields {
		switch fd.formtype {
		case "PASSWORD":
			continue
		case "CHECKBOX":
			cols = append(cols, fd.name)
			vals = append(vals, "'"+fd.unchecked+"'")
			assigns = append(assigns, assignment{fd.name, str(fd.unchecked)})
			continue
		}
		cols = append(cols, fd.name)
		vals = append(vals, "NULL")
		assigns = append(assigns, assignment{fd.name, null})
		if i, ok := t.idx[fd.name]; ok && notNull == "" && t.cols[i].def.valid {
			notNull = fd.name
		}
	}
	uid, gid, known := s.owner(clientID)
	if !known {
		uid, gid = "", ""
	}
	cols = append(cols, "sys_userid", "sys_groupid", "sys_perm_user", "sys_perm_group", "sys_perm_other")
	vals = append(vals, "'"+uid+"'", "'"+gid+"'", "'riud'", "'riud'", "''")
	if notNull != "" {
		return nil, nil, faultf("Column '" + notNull + "' cannot be null INSERT INTO `" + t.name + "` (`" +
			strings.Join(cols, "`, `") + "`) VALUES (" + strings.Join(vals, ", ") + ")")
	}
	return s.insertAssigned(f.table, clientID, nil, assigns)
}

// updateOpts adjusts the generic update for the functions that deviate from it.
type updateOpts struct {
	merged bool // params already hold the merged record (client_update, set_status)
}

// updateRecord is the generic *_update (API.md §3.3). It returns the number of changed rows.
func (s *Sim) updateRecord(c *callCtx, f *form, clientID, primaryID any, params map[string]any) (any, error) {
	t := s.tables[f.table]
	if params == nil {
		params = map[string]any{}
	}
	if _, ok := primaryID.(map[string]any); ok {
		if _, err := s.getRecords(t, primaryID); err != nil {
			return nil, err
		}
	}
	var stored row
	var selfID int64
	if n, ok := isNumeric(primaryID); ok {
		if n <= 0 && n != -1 {
			return nil, faultf(msgBadID)
		}
		if n > 0 && n == float64(int64(n)) {
			selfID = int64(n)
			stored = t.get(selfID)
		}
	}
	record := map[string]any{}
	if stored != nil {
		record = rowMap(t, stored)
		for _, fd := range f.fields {
			if fd.formtype == "PASSWORD" && phpString(params[fd.name], ",") == "" {
				delete(record, fd.name)
			}
		}
	}
	for k, v := range params {
		record[k] = v
	}
	ec := &encodeCtx{form: f, record: record, selfID: selfID, crypted: intval(params["_ispconfig_pw_crypted"]) == 1, c: c}
	assigns, msgs := s.encode(ec)
	// getDataRecord leaves its complaint about an id that is neither numeric nor an array in the error message the
	// validators then append to; null and false then stop at tform's "Primary ID fehlt!" page.
	const msgIDType = "The ID must be either an integer or an array."
	switch x := primaryID.(type) {
	case nil:
		return nil, errPrimaryIDMissing
	case bool:
		if !x {
			return nil, errPrimaryIDMissing
		}
		return nil, faultf(msgIDType + msgs)
	case string:
		if _, ok := isNumeric(x); !ok {
			return nil, faultf(msgIDType + msgs)
		}
	}
	if msgs != "" {
		return nil, faultf(msgs)
	}
	if stored == nil {
		return int64(0), nil
	}
	return s.applyUpdate(t, stored, assigns, clientID), nil
}

// applyUpdate writes assigns to r and re-owns it when clientID > 0; it returns 1 if anything changed, else 0.
func (s *Sim) applyUpdate(t *table, r row, assigns []assignment, clientID any) int64 {
	before := rowCopy(r)
	for _, a := range assigns {
		t.set(r, a.col, a.val)
	}
	if intval(clientID) > 0 {
		if uid, gid, ok := s.owner(clientID); ok {
			t.set(r, "sys_userid", str(uid))
			t.set(r, "sys_groupid", str(gid))
		}
	}
	for i := range r {
		if r[i] != before[i] {
			s.datalog++
			return 1
		}
	}
	return 0
}

var (
	reInjectAll = regexp.MustCompile(`(?i)^\s*-?\d+\s+or\s+1\s*=\s*1\s*$`)
	// reIdentifier is what MySQL reads as a column name: letters, digits, _ and $, not only digits.
	reIdentifier = regexp.MustCompile(`^[0-9A-Za-z_$]*[A-Za-z_$][0-9A-Za-z_$]*$`)
)

// deleteSQLFault is the database_error fault of a DELETE whose id is pasted into the statement unquoted
// (remoting.inc.php deleteQuery, getDeleteSQL): idText is the id as PHP turns it into a string.
func deleteSQLFault(t *table, idText string) error {
	sql := "DELETE FROM `" + t.name + "` WHERE " + t.pk() + " = " + idText + " AND 1"
	switch {
	case strings.TrimSpace(idText) == "":
		return faultf("You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'AND 1' at line 1 " + sql)
	case reIdentifier.MatchString(idText):
		return faultf("Unknown column '" + idText + "' in 'WHERE' " + sql)
	}
	// Any other text: the parser stops after the first word (a good approximation of MariaDB for ids such as
	// "5 abc"; "5 OR 1=1" is valid SQL and handled by the caller).
	if first, rest, ok := strings.Cut(strings.TrimSpace(idText), " "); ok && first != "" {
		return faultf("You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '" +
			strings.TrimLeft(rest, " ") + " AND 1' at line 1 " + sql)
	}
	return errFatal // not modelled
}

// deleteRecord is the generic *_delete (API.md §3.4): deleted rows, no cascade.
func (s *Sim) deleteRecord(t *table, primaryID any) (any, error) {
	switch x := primaryID.(type) {
	case nil:
		return nil, deleteSQLFault(t, "")
	case []any, map[string]any:
		if _, err := s.getRecords(t, primaryID); err != nil {
			return nil, err
		}
		return nil, deleteSQLFault(t, "Array")
	case bool:
		if !x {
			return nil, deleteSQLFault(t, "")
		}
		primaryID = json.Number("1")
	case string:
		if _, ok := isNumeric(x); !ok {
			if reInjectAll.MatchString(x) {
				n := int64(len(t.rows))
				t.rows = t.rows[:0]
				s.datalog += int(n)
				return n, nil
			}
			return nil, deleteSQLFault(t, x)
		}
	}
	n, _ := isNumeric(primaryID)
	switch {
	case n == -1:
		return int64(0), nil
	case n <= 0:
		return nil, faultf(msgBadID)
	case n != float64(int64(n)):
		return int64(0), nil
	}
	if t.remove(int64(n)) {
		s.datalog++
		return int64(1), nil
	}
	return int64(0), nil
}
