package ispsim

import (
	"strconv"
	"strings"
)

// client_update runs functions::func_client_lock whenever the merged record's "locked" is non-empty, i.e. on every
// update of a client ("n" is the stored default): "y" disables every site, mail domain, mailbox (postfix n, smtp
// disabled) and forwarding row of the client's group and remembers the ones that were disabled already in
// client.tmp_data; "n" enables them all again, except those remembered. Both also set the rows' sys_userid to the
// client's panel user. Consequence: an update of an unlocked client re-enables whatever was disabled one by one.
// Tables the simulator does not have (cron, ftp_user, shell_user, …) keep their empty entries in tmp_data.

// lockTarget is one entry of func_client_lock's $to_disable list, in its order.
type lockTarget struct {
	key, table, idCol, activeCol string
	reverse                      bool // disablesmtp: "y" means disabled
}

var lockTargets = []lockTarget{
	{key: "cron"}, {key: "ftp_user"},
	{key: "mail_domain", table: "mail_domain", idCol: "domain_id", activeCol: "active"},
	{key: "mail_user", table: "mail_user", idCol: "mailuser_id", activeCol: "postfix"},
	{key: "mail_user", table: "mail_user", idCol: "mailuser_id", activeCol: "disablesmtp", reverse: true},
	{key: "mail_forwarding", table: "mail_forwarding", idCol: "forwarding_id", activeCol: "active"},
	{key: "mail_get"}, {key: "openvz_vm"}, {key: "shell_user"}, {key: "webdav_user"}, {key: "web_database"},
	{key: "web_domain", table: "web_domain", idCol: "domain_id", activeCol: "active"},
	{key: "web_folder"}, {key: "web_folder_user"},
}

// clientLock is func_client_lock(client_id, locked).
func (s *Sim) clientLock(clientID int64, locked string) {
	if locked != "y" && locked != "n" {
		return
	}
	ct := s.tables["client"]
	cr := ct.get(clientID)
	if cr == nil {
		return
	}
	tmp := &phpArray{}
	if v := ct.val(cr, "tmp_data"); v.valid && v.s != "" {
		if a, ok := unserializePHP(v.s); ok {
			tmp = a
		}
	}
	uid, gid := "", ""
	if u := s.sysUserOf(clientID); u != nil {
		uid = u[0].s
	}
	if g := s.groupOf(clientID); g != nil {
		gid = g[0].s
	}
	set := func(t *table, r row, col, v string) {
		before := rowCopy(r)
		t.set(r, col, str(v))
		t.set(r, "sys_userid", str(uid))
		for i := range r {
			if r[i] != before[i] {
				s.datalog++
				return
			}
		}
	}
	if locked == "y" {
		prevActive, prevSysuser := &phpArray{}, &phpArray{}
		for _, lt := range lockTargets {
			pa := prevActive.sub(lt.key)
			ps := prevSysuser.sub(lt.key)
			if lt.table == "" {
				continue
			}
			t := s.tables[lt.table]
			for _, r := range t.rows {
				if t.val(r, "sys_groupid").s != gid {
					continue
				}
				id, cur := r[0].s, t.val(r, lt.activeCol).s
				if !lt.reverse && cur != "y" {
					pa.sub(id).set(lt.activeCol, "n")
				} else if lt.reverse && cur == "y" {
					pa.sub(id).set(lt.activeCol, "y")
				}
				if su := t.val(r, "sys_userid").s; su != uid {
					ps.set(id, su)
				}
				v := "n"
				if lt.reverse {
					v = "y"
				}
				set(t, r, lt.activeCol, v)
			}
		}
		tmp.set("prev_active", prevActive)
		tmp.set("prev_sys_userid", prevSysuser)
	} else {
		prev, _ := tmp.get("prev_active").(*phpArray)
		for _, lt := range lockTargets {
			if lt.table == "" {
				continue
			}
			t := s.tables[lt.table]
			for _, r := range t.rows {
				if t.val(r, "sys_groupid").s != gid {
					continue
				}
				active, inactive := "y", "n"
				if lt.reverse {
					active, inactive = "n", "y"
				}
				if prev != nil {
					if pt, _ := prev.get(lt.key).(*phpArray); pt != nil {
						if pi, _ := pt.get(r[0].s).(*phpArray); pi != nil && pi.get(lt.activeCol) == inactive {
							active = inactive
						}
					}
				}
				// ISPConfig looks the previous owners up under "prev_sysuser", but stores them as
				// "prev_sys_userid": the owner always becomes the client's panel user.
				set(t, r, lt.activeCol, active)
			}
		}
		tmp.del("prev_active")
	}
	ct.set(cr, "tmp_data", str(tmp.serialize()))
}

// phpArray is an ordered PHP array with string or integer keys (numeric strings become integers, as in PHP) and
// string or array values: just enough for client.tmp_data.
type phpArray struct {
	keys []string
	vals map[string]any // string or *phpArray
}

func (a *phpArray) get(k string) any {
	if a.vals == nil {
		return nil
	}
	return a.vals[k]
}

func (a *phpArray) set(k string, v any) {
	if a.vals == nil {
		a.vals = map[string]any{}
	}
	if _, ok := a.vals[k]; !ok {
		a.keys = append(a.keys, k)
	}
	a.vals[k] = v
}

// sub returns the array under k, creating it when absent.
func (a *phpArray) sub(k string) *phpArray {
	if v, ok := a.get(k).(*phpArray); ok {
		return v
	}
	v := &phpArray{}
	a.set(k, v)
	return v
}

func (a *phpArray) del(k string) {
	if _, ok := a.vals[k]; !ok {
		return
	}
	delete(a.vals, k)
	for i, x := range a.keys {
		if x == k {
			a.keys = append(a.keys[:i], a.keys[i+1:]...)
			break
		}
	}
}

func isPHPIntKey(k string) bool {
	n, err := strconv.ParseInt(k, 10, 64)
	return err == nil && strconv.FormatInt(n, 10) == k
}

// serialize is PHP's serialize() of the array.
func (a *phpArray) serialize() string {
	var b strings.Builder
	b.WriteString("a:" + strconv.Itoa(len(a.keys)) + ":{")
	for _, k := range a.keys {
		if isPHPIntKey(k) {
			b.WriteString("i:" + k + ";")
		} else {
			b.WriteString("s:" + strconv.Itoa(len(k)) + ":\"" + k + "\";")
		}
		switch v := a.vals[k].(type) {
		case *phpArray:
			b.WriteString(v.serialize())
		case string:
			b.WriteString("s:" + strconv.Itoa(len(v)) + ":\"" + v + "\";")
		}
	}
	b.WriteString("}")
	return b.String()
}

// unserializePHP parses what serialize writes (arrays, strings, integers); anything else fails, as
// func_client_lock then starts from an empty array.
func unserializePHP(s string) (*phpArray, bool) {
	p := &phpParser{s: s}
	v, ok := p.value()
	a, isArr := v.(*phpArray)
	return a, ok && isArr && p.i == len(s)
}

type phpParser struct {
	s string
	i int
}

func (p *phpParser) until(c byte) (string, bool) {
	j := strings.IndexByte(p.s[p.i:], c)
	if j < 0 {
		return "", false
	}
	v := p.s[p.i : p.i+j]
	p.i += j + 1
	return v, true
}

func (p *phpParser) value() (any, bool) {
	if p.i+2 > len(p.s) || p.s[p.i+1] != ':' {
		return nil, false
	}
	kind := p.s[p.i]
	p.i += 2
	switch kind {
	case 'i':
		v, ok := p.until(';')
		return v, ok
	case 's':
		ns, ok := p.until(':')
		n, err := strconv.Atoi(ns)
		if !ok || err != nil || p.i+n+2 > len(p.s) || p.s[p.i] != '"' {
			return nil, false
		}
		v := p.s[p.i+1 : p.i+1+n]
		p.i += n + 1
		if p.s[p.i:p.i+2] != "\";" {
			return nil, false
		}
		p.i += 2
		return v, true
	case 'a':
		ns, ok := p.until(':')
		n, err := strconv.Atoi(ns)
		if !ok || err != nil || p.i >= len(p.s) || p.s[p.i] != '{' {
			return nil, false
		}
		p.i++
		a := &phpArray{}
		for range n {
			k, ok := p.value()
			ks, isStr := k.(string)
			if !ok || !isStr {
				return nil, false
			}
			v, ok := p.value()
			if !ok {
				return nil, false
			}
			a.set(ks, v)
		}
		if p.i >= len(p.s) || p.s[p.i] != '}' {
			return nil, false
		}
		p.i++
		return a, true
	}
	return nil, false
}
