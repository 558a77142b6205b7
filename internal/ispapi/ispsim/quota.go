package ispsim

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// groupQuota is the client module's "Quota functions" group (API.md §2.6): read-only figures from the servers'
// monitor data.
const groupQuota = "quota_get_by_user,trafficquota_get_by_user,mailquota_get_by_user,databasequota_get_by_user"

// QuotaFunctions is the remote_functions key of the "Quota functions" group, for tests that grant it on its own.
const QuotaFunctions = groupQuota

// usage is what the simulated servers' cron jobs have reported: disk use per system user (KB, as repquota reports
// it, in monitor_data type harddisk_quota), traffic per host name and day (web_traffic) and mailbox use per address
// (bytes, monitor_data type email_quota). Tests set it with SetDiskUsage, AddTraffic and SetMailboxUsage.
type usage struct {
	diskKB  map[string]int64
	traffic []trafficRow
	mailB   map[string]int64
}

type trafficRow struct {
	host  string
	day   time.Time
	bytes int64
}

// SetDiskUsage records what the web server's quota monitor reports for a site's system user (web1, web2, …), in KB.
func (s *Sim) SetDiskUsage(systemUser string, usedKB int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usage.diskKB == nil {
		s.usage.diskKB = map[string]int64{}
	}
	s.usage.diskKB[systemUser] = usedKB
}

// AddTraffic records bytes of web traffic for host on day (web_traffic, written by the server's log cron).
func (s *Sim) AddTraffic(host string, day time.Time, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usage.traffic = append(s.usage.traffic, trafficRow{host: strings.ToLower(host), day: day, bytes: bytes})
}

// SetMailboxUsage records what the mail server's quota monitor reports for a mailbox, in bytes.
func (s *Sim) SetMailboxUsage(email string, usedBytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usage.mailB == nil {
		s.usage.mailB = map[string]int64{}
	}
	s.usage.mailB[strings.ToLower(email)] = usedBytes
}

// quotaGroup returns the sys_groupid a quota function selects by, and all=true when client_id is PHP-null-equal
// (null, 0, "", false): quota_lib then selects every client's rows. An unknown client selects nothing ("-").
func (c *callCtx) quotaGroup() (group string, all bool) {
	arg := c.arg("client_id")
	if looseEqualZero(arg) {
		return "", true
	}
	u := c.s.sysUserOf(intval(arg))
	if u == nil {
		return "-", false
	}
	return c.s.tables["sys_user"].val(u, "default_group").s, false
}

// quotaRows are the rows of t that keep selects for the client of the call, ordered by the column order (quota_lib's
// ORDER BY).
func (c *callCtx) quotaRows(t *table, order string, keep func(row) bool) []row {
	g, all := c.quotaGroup()
	var rows []row
	for _, r := range t.rows {
		if keep(r) && (all || t.val(r, "sys_groupid").s == g) {
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return t.val(rows[i], order).s < t.val(rows[j], order).s })
	return rows
}

// wholeRow is a row with every column, as SELECT * returns it, to which quota_lib adds its figures.
func wholeRow(t *table, r row) *object {
	o := &object{}
	for i, col := range t.cols {
		o.add(col.name, r[i])
	}
	return o
}

func registerQuota() {
	register("quota_get_by_user", "quota_get_by_user", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["web_domain"]
		out := []any{}
		for _, r := range c.quotaRows(t, "domain", func(r row) bool { return t.val(r, "active").s == "y" && t.val(r, "type").s == "vhost" }) {
			o := wholeRow(t, r)
			// Without a monitor figure PHP reads null for used and files and turns the empty limits into -1.
			var used any
			pct := int64(0)
			if kb, ok := c.s.usage.diskKB[t.val(r, "system_user").s]; ok {
				used = strconv.FormatInt(kb, 10)
			}
			o.add("used", used).add("soft", int64(-1)).add("hard", int64(-1)).add("files", nil).
				add("used_raw", used).add("soft_raw", nil).add("hard_raw", nil).add("files_raw", nil).
				add("used_percentage", pct)
			out = append(out, o)
		}
		return out, nil
	})
	register("trafficquota_get_by_user", "trafficquota_get_by_user", []string{"session_id", "client_id", "lastdays"}, func(c *callCtx) (any, error) {
		t := c.s.tables["web_domain"]
		g, all := c.quotaGroup()
		now := c.s.now()
		last := now.AddDate(0, -1, 0)
		o := &object{}
		for _, r := range t.rows {
			typ := t.val(r, "type").s
			if t.val(r, "active").s != "y" || (typ != "vhost" && typ != "vhostsubdomain" && typ != "vhostalias") ||
				!(all || t.val(r, "sys_groupid").s == g) {
				continue
			}
			host := t.val(r, "domain").s
			var month, lastMonth, year, lastYear int64
			var hasMonth, hasLast, hasYear, hasLastYear bool
			for _, tr := range c.s.usage.traffic {
				if tr.host != host {
					continue
				}
				if tr.day.Year() == now.Year() {
					year, hasYear = year+tr.bytes, true
					if tr.day.Month() == now.Month() {
						month, hasMonth = month+tr.bytes, true
					}
				}
				if tr.day.Year() == last.Year() && tr.day.Month() == last.Month() {
					lastMonth, hasLast = lastMonth+tr.bytes, true
				}
				if tr.day.Year() == now.Year()-1 {
					lastYear, hasLastYear = lastYear+tr.bytes, true
				}
			}
			e := (&object{}).add("domain_id", r[0])
			// SUM() comes back as a string; a month without rows leaves its key out.
			for _, f := range []struct {
				key string
				ok  bool
				n   int64
			}{{"this_month", hasMonth, month}, {"this_year", hasYear, year}, {"last_month", hasLast, lastMonth}, {"last_year", hasLastYear, lastYear}} {
				if f.ok {
					e.add(f.key, strconv.FormatInt(f.n, 10))
				}
			}
			o.add(host, e)
		}
		if len(o.keys) == 0 {
			return []any{}, nil // PHP's empty array encodes as []
		}
		return o, nil
	})
	register("mailquota_get_by_user", "mailquota_get_by_user", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		t := c.s.tables["mail_user"]
		out := []any{}
		for _, r := range c.quotaRows(t, "email", func(row) bool { return true }) {
			o := wholeRow(t, r)
			used := c.s.usage.mailB[strings.ToLower(t.val(r, "email").s)] // 0 when the monitor has no figure
			quota := intval(t.val(r, "quota").s)
			pct := int64(0)
			if quota > 0 && used > 0 {
				pct = (used*100 + quota/2) / quota
			}
			o.add("used", used).add("quota_raw", t.val(r, "quota")).add("used_raw", used).add("used_percentage", pct)
			out = append(out, o)
		}
		return out, nil
	})
	register("databasequota_get_by_user", "databasequota_get_by_user", []string{"session_id", "client_id"}, func(c *callCtx) (any, error) {
		return []any{}, nil // the simulator has no databases
	})
}
