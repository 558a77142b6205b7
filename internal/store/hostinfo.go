package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// PlatformSettings is what customers need to reach a platform's servers: the addresses for DNS, the SFTP/SSH host,
// the mail hosts and ports, the webmail address and the MX and SPF records to suggest. Empty strings are unset.
type PlatformSettings struct {
	PlatformID int64
	WebIPv4    string
	WebIPv6    string
	SFTPHost   string
	IMAPHost   string
	IMAPPort   int
	POP3Host   string
	POP3Port   int
	SMTPHost   string
	SMTPPort   int
	WebmailURL string
	MXHosts    string // blank-separated, in preference order
	SPF        string
}

// DefaultPlatformSettings are the values of a platform nobody has configured yet: no hosts, the usual ports.
func DefaultPlatformSettings(platformID int64) PlatformSettings {
	return PlatformSettings{PlatformID: platformID, IMAPPort: 993, POP3Port: 995, SMTPPort: 587}
}

const settingsCols = `web_ipv4, web_ipv6, sftp_host, imap_host, imap_port, pop3_host, pop3_port, smtp_host, smtp_port,
	webmail_url, mx_hosts, spf`

// settingsOf selects a platform's settings, or the defaults, for the platform id expression pid (a column or
// parameter). It is one scalar subquery's worth of columns, so pages join it into the query they already run.
func settingsOf(pid string) string {
	return `coalesce(ps.web_ipv4, ''), coalesce(ps.web_ipv6, ''), coalesce(ps.sftp_host, ''), coalesce(ps.imap_host, ''),
		coalesce(ps.imap_port, 993), coalesce(ps.pop3_host, ''), coalesce(ps.pop3_port, 995), coalesce(ps.smtp_host, ''),
		coalesce(ps.smtp_port, 587), coalesce(ps.webmail_url, ''), coalesce(ps.mx_hosts, ''), coalesce(ps.spf, ''), ` + pid
}

func (p *PlatformSettings) dest() []any {
	return []any{&p.WebIPv4, &p.WebIPv6, &p.SFTPHost, &p.IMAPHost, &p.IMAPPort, &p.POP3Host, &p.POP3Port, &p.SMTPHost,
		&p.SMTPPort, &p.WebmailURL, &p.MXHosts, &p.SPF, &p.PlatformID}
}

// Settings returns platform id's settings (the defaults when none were saved). Errors: ErrNotFound when there is
// no such platform.
func (s Platforms) Settings(ctx context.Context, id int64) (PlatformSettings, error) {
	var out PlatformSettings
	err := s.db.QueryRow(ctx, `SELECT `+settingsOf("p.id")+` FROM platforms p
		LEFT JOIN platform_settings ps ON ps.platform_id = p.id WHERE p.id = $1`, id).Scan(out.dest()...)
	return out, wrap(err, "settings of platform %d", id)
}

// WithSettings returns platform id and its settings (the defaults when none were saved), in one statement.
// Errors: ErrNotFound when there is no such platform.
func (s Platforms) WithSettings(ctx context.Context, id int64) (Platform, PlatformSettings, error) {
	var p Platform
	var st PlatformSettings
	dest := []any{&p.ID, &p.Name, &p.Endpoint, &p.WebServerID, &p.MailServerID, &p.RemoteUser, &p.PasswordEnc,
		&p.TLSVerify, &p.IsDefault, &p.Seeded}
	err := s.db.QueryRow(ctx, `SELECT `+platformCols+`, `+settingsOf("p.id")+` FROM platforms p
		LEFT JOIN platform_settings ps ON ps.platform_id = p.id WHERE p.id = $1`, id).Scan(append(dest, st.dest()...)...)
	return p, st, wrap(err, "platform %d with settings", id)
}

// SaveSettings stores a platform's settings (validated by the caller).
func (s Platforms) SaveSettings(ctx context.Context, p PlatformSettings) error {
	_, err := s.db.Exec(ctx, `INSERT INTO platform_settings (platform_id, `+settingsCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (platform_id) DO UPDATE SET web_ipv4 = $2, web_ipv6 = $3, sftp_host = $4, imap_host = $5,
			imap_port = $6, pop3_host = $7, pop3_port = $8, smtp_host = $9, smtp_port = $10, webmail_url = $11,
			mx_hosts = $12, spf = $13, updated_at = now()`,
		p.PlatformID, p.WebIPv4, p.WebIPv6, p.SFTPHost, p.IMAPHost, p.IMAPPort, p.POP3Host, p.POP3Port, p.SMTPHost,
		p.SMTPPort, p.WebmailURL, p.MXHosts, p.SPF)
	return wrap(err, "save settings of platform %d", p.PlatformID)
}

// SiteUsage is what ISPConfig's quota functions last reported for a site.
type SiteUsage struct {
	Known        bool   // the usage job has read the site at least once
	DiskUsedKB   *int64 // nil until the web server's monitor has reported it
	TrafficMonth int64  // bytes this calendar month
	TrafficLast  int64  // bytes last calendar month
	SystemUser   string
	ObservedAt   time.Time
}

// SiteDetail is a site with its owner's platform settings and its last reported usage, read in one statement.
type SiteDetail struct {
	Site
	Settings PlatformSettings
	Usage    SiteUsage
}

// Detail returns a site with its platform's settings and its usage, for the site page. Errors: ErrNotFound.
func (s Sites) Detail(ctx context.Context, id int64) (SiteDetail, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+siteCols+`, `+settingsOf("c.platform_id")+`,
			u.site_id IS NOT NULL, u.disk_used_kb, coalesce(u.traffic_month_bytes, 0), coalesce(u.traffic_last_bytes, 0),
			coalesce(u.system_user, ''), coalesce(u.observed_at, 'epoch')
		FROM sites o JOIN customers c ON c.id = o.customer_id
		LEFT JOIN platform_settings ps ON ps.platform_id = c.platform_id
		LEFT JOIN site_usage u ON u.site_id = o.id
		WHERE o.id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (SiteDetail, error) {
		var d SiteDetail
		dest := []any{&d.ID, &d.CustomerID, &d.ISPID, &d.Domain, &d.PHPMode, &d.SSL, &d.LetsEncrypt, &d.QuotaMB,
			&d.TrafficMB, &d.Active, &d.State, &d.StateDetail, &d.CreatedAt, &d.UpdatedAt, &d.CustomerName, &d.Apply}
		dest = append(dest, d.Settings.dest()...)
		dest = append(dest, &d.Usage.Known, &d.Usage.DiskUsedKB, &d.Usage.TrafficMonth, &d.Usage.TrafficLast,
			&d.Usage.SystemUser, &d.Usage.ObservedAt)
		err := row.Scan(dest...)
		return d, err
	})
	return out, wrap(err, "site %d", id)
}

// DKIM is the DKIM key ISPConfig has for a mail domain (as the usage job last read it).
type DKIM struct {
	Selector  string
	PublicKey string
}

// MailDomainDetail is a mail domain with its owner's platform settings and its DKIM key, read in one statement.
type MailDomainDetail struct {
	MailDomain
	Settings PlatformSettings
	DKIM     *DKIM // nil: ISPConfig has no key for it (or the job has not read it yet)
}

// DomainDetail returns a mail domain with its platform's settings and DKIM key, for the mail domain page.
// Errors: ErrNotFound.
func (s Mail) DomainDetail(ctx context.Context, id int64) (MailDomainDetail, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+mailDomainCols+`, `+settingsOf("c.platform_id")+`, k.selector, k.public_key
		FROM mail_domains o JOIN customers c ON c.id = o.customer_id
		LEFT JOIN platform_settings ps ON ps.platform_id = c.platform_id
		LEFT JOIN mail_domain_dkim k ON k.mail_domain_id = o.id
		WHERE o.id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (MailDomainDetail, error) {
		var d MailDomainDetail
		var sel, key *string
		dest := []any{&d.ID, &d.CustomerID, &d.ISPID, &d.Domain, &d.Active, &d.PrevActive, &d.State, &d.StateDetail,
			&d.CreatedAt, &d.CustomerName, &d.Mailboxes, &d.Forwards, &d.Apply}
		dest = append(dest, d.Settings.dest()...)
		dest = append(dest, &sel, &key)
		if err := row.Scan(dest...); err != nil {
			return d, err
		}
		if sel != nil && key != nil {
			d.DKIM = &DKIM{Selector: *sel, PublicKey: *key}
		}
		return d, nil
	})
	return out, wrap(err, "mail domain %d", id)
}

// Readings reads and writes what the usage job observed.
type Readings struct{ db DBTX }

// NewReadings returns the usage tables over db.
func NewReadings(db DBTX) Readings { return Readings{db: db} }

// UsageCustomer is a customer whose ISPConfig client the usage job reads.
type UsageCustomer struct {
	ID          int64
	ISPClientID int64
}

// Customers returns the customers on platform pid that have an ISPConfig client and any site or mail domain.
func (u Readings) Customers(ctx context.Context, pid int64) ([]UsageCustomer, error) {
	rows, _ := u.db.Query(ctx, `SELECT c.id, c.isp_client_id FROM customers c
		WHERE c.platform_id = $1 AND c.isp_client_id > 0 AND c.state <> 'deleted'
			AND (EXISTS (SELECT 1 FROM sites s WHERE s.customer_id = c.id AND s.isp_id IS NOT NULL)
				OR EXISTS (SELECT 1 FROM mail_domains m WHERE m.customer_id = c.id AND m.isp_id IS NOT NULL))
		ORDER BY c.id`, pid)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[UsageCustomer])
	return out, wrap(err, "usage customers of platform %d", pid)
}

// SiteReading is one site's figures from one run of the usage job, keyed by ISPConfig's id.
type SiteReading struct {
	ISPID        int64
	DiskUsedKB   *int64
	TrafficMonth int64
	TrafficLast  int64
	SystemUser   string
}

// MailboxReading is one mailbox's figure from one run, keyed by ISPConfig's id.
type MailboxReading struct {
	ISPID     int64
	UsedBytes int64
}

// DKIMReading is one mail domain's key from one run, keyed by ISPConfig's id; an empty key means none.
type DKIMReading struct {
	ISPID int64
	DKIM
}

// Record stores one customer's readings taken at at. A site or mailbox missing from the readings keeps its last
// figures (ISPConfig lists only active sites; observed_at says how old they are); a mail domain missing from keys
// has no DKIM key any more. Running it twice with the same readings changes nothing but observed_at.
func (u Readings) Record(ctx context.Context, customerID int64, at time.Time, sites []SiteReading, boxes []MailboxReading, keys []DKIMReading) error {
	siteIDs, disk, month, last, users := make([]int64, len(sites)), make([]*int64, len(sites)), make([]int64, len(sites)),
		make([]int64, len(sites)), make([]string, len(sites))
	for i, s := range sites {
		siteIDs[i], disk[i], month[i], last[i], users[i] = s.ISPID, s.DiskUsedKB, s.TrafficMonth, s.TrafficLast, s.SystemUser
	}
	boxIDs, used := make([]int64, len(boxes)), make([]int64, len(boxes))
	for i, b := range boxes {
		boxIDs[i], used[i] = b.ISPID, b.UsedBytes
	}
	var keyIDs []int64
	var sels, pubs []string
	for _, k := range keys {
		if k.PublicKey != "" {
			keyIDs, sels, pubs = append(keyIDs, k.ISPID), append(sels, k.Selector), append(pubs, k.PublicKey)
		}
	}
	// One statement: the three tables change together, and pages see either the old or the new readings.
	_, err := u.db.Exec(ctx, `
		WITH r AS (SELECT * FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[])
				AS r(isp_id, disk, month, last, sys_user)),
			site_up AS (INSERT INTO site_usage (site_id, disk_used_kb, traffic_month_bytes, traffic_last_bytes, system_user, observed_at)
				SELECT s.id, r.disk, r.month, r.last, r.sys_user, $2 FROM r JOIN sites s ON s.isp_id = r.isp_id AND s.customer_id = $1
				ON CONFLICT (site_id) DO UPDATE SET disk_used_kb = excluded.disk_used_kb,
					traffic_month_bytes = excluded.traffic_month_bytes, traffic_last_bytes = excluded.traffic_last_bytes,
					system_user = excluded.system_user, observed_at = excluded.observed_at
				RETURNING site_id),
			b AS (SELECT * FROM unnest($8::bigint[], $9::bigint[]) AS b(isp_id, used)),
			box_up AS (INSERT INTO mailbox_usage (mailbox_id, used_bytes, observed_at)
				SELECT m.id, b.used, $2 FROM b JOIN mailboxes m ON m.isp_id = b.isp_id AND m.customer_id = $1
				ON CONFLICT (mailbox_id) DO UPDATE SET used_bytes = excluded.used_bytes, observed_at = excluded.observed_at
				RETURNING mailbox_id),
			k AS (SELECT * FROM unnest($10::bigint[], $11::text[], $12::text[]) AS k(isp_id, sel, pub)),
			key_up AS (INSERT INTO mail_domain_dkim (mail_domain_id, selector, public_key, observed_at)
				SELECT d.id, k.sel, k.pub, $2 FROM k JOIN mail_domains d ON d.isp_id = k.isp_id AND d.customer_id = $1
				ON CONFLICT (mail_domain_id) DO UPDATE SET selector = excluded.selector, public_key = excluded.public_key,
					observed_at = excluded.observed_at
				RETURNING mail_domain_id)
		DELETE FROM mail_domain_dkim WHERE mail_domain_id IN (SELECT id FROM mail_domains WHERE customer_id = $1)
			AND mail_domain_id NOT IN (SELECT mail_domain_id FROM key_up)`,
		customerID, at, siteIDs, disk, month, last, users, boxIDs, used, keyIDs, sels, pubs)
	return wrap(err, "record usage of customer %d", customerID)
}
