package ispapi

import (
	"context"
	"fmt"
)

var webDomainGet = getSpec{fn: "sites_web_domain_get", idKey: "primary_id"}

// WebDomainResettable holds the five web-site values that sites_web_domain_update resets (to 30 and 1) whenever
// they are missing from an update (API.md §6 quirk 21). Every update must carry them; take them from the stored
// record with WebDomain.Resettable and change what you mean to change.
type WebDomainResettable struct {
	LogRetention      int64 `isp:"log_retention"` // days, 0–9999
	PMMaxChildren     int64 `isp:"pm_max_children"`
	PMStartServers    int64 `isp:"pm_start_servers"`
	PMMinSpareServers int64 `isp:"pm_min_spare_servers"`
	PMMaxSpareServers int64 `isp:"pm_max_spare_servers"`
}

func (r WebDomainResettable) check(fn string) error {
	if r.PMMaxChildren < 1 || r.PMStartServers < 1 || r.PMMinSpareServers < 1 || r.PMMaxSpareServers < 1 {
		return &InputError{Function: fn, Field: "pm_*", Reason: "PHP-FPM values must be >= 1 (read them with GetWebDomain)"}
	}
	if r.LogRetention < 0 || r.LogRetention > 9999 {
		return &InputError{Function: fn, Field: "log_retention", Reason: "must be 0–9999"}
	}
	return nil
}

// WebDomainParams is everything AddWebDomain sends for a website (a vhost). The API applies no defaults
// (API.md §4.3): Active false creates a disabled site, empty PHP or PM settings create a broken one.
// Not sent, because the panel computes them for vhosts: document_root, system_user, system_group,
// php_open_basedir (allow_override is sent because it is required, but the panel overwrites it from the server
// configuration, so it is not verified).
type WebDomainParams struct {
	ServerID             int64  `isp:"server_id"`    // required
	IPAddress            string `isp:"ip_address"`   // "*" or an IPv4 of the server
	IPv6Address          string `isp:"ipv6_address"` // usually ""
	Domain               string `isp:"domain"`       // normalised with NormalizeDomain
	HDQuota              int64  `isp:"hd_quota"`     // MB, -1 unlimited
	TrafficQuota         int64  `isp:"traffic_quota"`
	CGI                  bool   `isp:"cgi"`
	SSI                  bool   `isp:"ssi"`
	SuExec               bool   `isp:"suexec"`
	ErrorDocs            bool   `isp:"errordocs,int"`
	Subdomain            string `isp:"subdomain"` // "www", "none" or "*"
	SSL                  bool   `isp:"ssl"`
	SSLLetsEncrypt       bool   `isp:"ssl_letsencrypt"`
	PHP                  string `isp:"php"` // no, fast-cgi, cgi, mod, suphp, php-fpm, hhvm
	ServerPHPID          int64  `isp:"server_php_id"`
	Perl                 bool   `isp:"perl"`
	Ruby                 bool   `isp:"ruby"`
	Python               bool   `isp:"python"`
	Active               bool   `isp:"active"`
	RedirectType         string `isp:"redirect_type"`
	RedirectPath         string `isp:"redirect_path"`
	SEORedirect          string `isp:"seo_redirect"`
	RewriteToHTTPS       bool   `isp:"rewrite_to_https"`
	StatsType            string `isp:"stats_type"`      // awstats, goaccess, webalizer or ""
	BackupInterval       string `isp:"backup_interval"` // none, daily, weekly, monthly
	BackupCopies         int64  `isp:"backup_copies"`
	BackupFormatWeb      string `isp:"backup_format_web"` // e.g. "default"
	BackupFormatDB       string `isp:"backup_format_db"`  // e.g. "gzip"
	AllowOverride        string `isp:"allow_override"`    // required, e.g. "All"
	PHPFPMUseSocket      bool   `isp:"php_fpm_use_socket"`
	PHPFPMChroot         bool   `isp:"php_fpm_chroot"`
	PM                   string `isp:"pm"` // static, dynamic, ondemand
	PMProcessIdleTimeout int64  `isp:"pm_process_idle_timeout"`
	PMMaxRequests        int64  `isp:"pm_max_requests"`
	HTTPPort             int64  `isp:"http_port"`
	HTTPSPort            int64  `isp:"https_port"`
	Resettable           WebDomainResettable
}

// WebDomain is a website as ISPConfig stores it (the stats password hash is not decoded).
type WebDomain struct {
	ID                   Int    `json:"domain_id"`
	SysUserID            Int    `json:"sys_userid"`
	SysGroupID           Int    `json:"sys_groupid"`
	ServerID             Int    `json:"server_id"`
	IPAddress            string `json:"ip_address"`
	Domain               string `json:"domain"` // punycode
	Type                 string `json:"type"`
	ParentDomainID       Int    `json:"parent_domain_id"`
	DocumentRoot         string `json:"document_root"`
	SystemUser           string `json:"system_user"`
	SystemGroup          string `json:"system_group"`
	HDQuota              Int    `json:"hd_quota"`
	TrafficQuota         Int    `json:"traffic_quota"`
	Subdomain            string `json:"subdomain"`
	SSL                  Flag   `json:"ssl"`
	SSLLetsEncrypt       Flag   `json:"ssl_letsencrypt"`
	PHP                  string `json:"php"`
	PM                   string `json:"pm"`
	PMMaxChildren        Int    `json:"pm_max_children"`
	PMStartServers       Int    `json:"pm_start_servers"`
	PMMinSpareServers    Int    `json:"pm_min_spare_servers"`
	PMMaxSpareServers    Int    `json:"pm_max_spare_servers"`
	PMProcessIdleTimeout Int    `json:"pm_process_idle_timeout"`
	PMMaxRequests        Int    `json:"pm_max_requests"`
	LogRetention         Int    `json:"log_retention"`
	Active               Flag   `json:"active"`
	StatsType            string `json:"stats_type"`
	BackupInterval       string `json:"backup_interval"`
	BackupCopies         Int    `json:"backup_copies"`
	HTTPPort             Int    `json:"http_port"`
	HTTPSPort            Int    `json:"https_port"`
	RedirectType         string `json:"redirect_type"`
	RedirectPath         string `json:"redirect_path"`
}

// Resettable returns the stored values an update of w must resend.
func (w WebDomain) Resettable() WebDomainResettable {
	return WebDomainResettable{
		LogRetention:      int64(w.LogRetention),
		PMMaxChildren:     int64(w.PMMaxChildren),
		PMStartServers:    int64(w.PMStartServers),
		PMMinSpareServers: int64(w.PMMinSpareServers),
		PMMaxSpareServers: int64(w.PMMaxSpareServers),
	}
}

// WebDomainUpdate lists the website fields to change; nil fields are left as they are, except the Resettable
// values, which are always sent.
type WebDomainUpdate struct {
	Resettable           WebDomainResettable // required, see WebDomainResettable
	HDQuota              *int64              `isp:"hd_quota"`
	TrafficQuota         *int64              `isp:"traffic_quota"`
	Subdomain            *string             `isp:"subdomain"`
	SSL                  *bool               `isp:"ssl"`
	SSLLetsEncrypt       *bool               `isp:"ssl_letsencrypt"`
	PHP                  *string             `isp:"php"`
	PM                   *string             `isp:"pm"`
	PMProcessIdleTimeout *int64              `isp:"pm_process_idle_timeout"`
	PMMaxRequests        *int64              `isp:"pm_max_requests"`
	RedirectType         *string             `isp:"redirect_type"`
	RedirectPath         *string             `isp:"redirect_path"`
	RewriteToHTTPS       *bool               `isp:"rewrite_to_https"`
	StatsType            *string             `isp:"stats_type"`
	BackupInterval       *string             `isp:"backup_interval"`
	BackupCopies         *int64              `isp:"backup_copies"`
	Active               *bool               `isp:"active"`
	// MoveToClient re-owns the site to that client when > 0. ISPConfig moves nothing else (paths, system user,
	// FTP users stay), so leave it 0 unless you mean it (API.md §3.3 step 6).
	MoveToClient int64 `isp:"-"`
}

// AddWebDomain creates website p.Domain for client clientID (0: admin) and returns its id. The domain is
// normalised first (*ValidationError without an HTTP call); after an ambiguous failure the site is looked up by
// domain and server instead of being created twice. On *MismatchError the site exists and its id is returned.
func (c *Client) AddWebDomain(ctx context.Context, clientID int64, p WebDomainParams) (int64, error) {
	const fn = "sites_web_domain_add"
	if err := checkOwner(fn, "client_id", clientID); err != nil {
		return 0, err
	}
	if err := checkID(fn, "server_id", p.ServerID); err != nil {
		return 0, err
	}
	d, err := NormalizeDomain(p.Domain)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	p.Domain = d
	if err := validateWebQuota("hd_quota_error_regex", p.HDQuota); err != nil {
		return 0, withFunction(err, fn)
	}
	if err := validateWebQuota("traffic_quota_error_regex", p.TrafficQuota); err != nil {
		return 0, withFunction(err, fn)
	}
	if err := p.Resettable.check(fn); err != nil {
		return 0, err
	}
	params := toParams(p)
	params["type"] = "vhost"
	params["vhost_type"] = "name"
	params["parent_domain_id"] = int64(0)
	server := p.ServerID
	return c.add(ctx, writeSpec{
		fn:       fn,
		args:     map[string]any{"client_id": clientID, "params": params},
		params:   params,
		get:      webDomainGet,
		noVerify: []string{"allow_override"},
		owner:    clientID,
		lookup: func(ctx context.Context) (int64, error) {
			w, err := c.webDomainByName(ctx, d, server)
			return int64(w.ID), err
		},
	})
}

// GetWebDomain returns website id. Errors: ErrNotFound (also when id is a web_domain row of another type).
func (c *Client) GetWebDomain(ctx context.Context, id int64) (WebDomain, error) {
	var w WebDomain
	if err := c.getRow(ctx, webDomainGet, id, &w); err != nil {
		return WebDomain{}, fmt.Errorf("ispapi: web domain %d: %w", id, err)
	}
	if w.Type != "vhost" {
		return WebDomain{}, fmt.Errorf("ispapi: web domain %d is a %q: %w", id, w.Type, ErrNotFound)
	}
	return w, nil
}

// WebDomainByName returns the website for domain (normalised) on server serverID. Errors: ErrNotFound.
func (c *Client) WebDomainByName(ctx context.Context, domain string, serverID int64) (WebDomain, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return WebDomain{}, withFunction(err, webDomainGet.fn)
	}
	return c.webDomainByName(ctx, d, serverID)
}

func (c *Client) webDomainByName(ctx context.Context, domain string, serverID int64) (WebDomain, error) {
	rows, err := filterRows[WebDomain](ctx, c, webDomainGet, map[string]any{"domain": domain, "server_id": serverID, "type": "vhost"})
	if err != nil {
		return WebDomain{}, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = int64(r.ID)
	}
	if _, err := onlyOne(webDomainGet.fn, ids); err != nil {
		return WebDomain{}, fmt.Errorf("ispapi: web domain %q: %w", domain, err)
	}
	return rows[0], nil
}

// WebDomainsByClient returns the websites owned by client clientID, ordered by id. It filters web_domain on the
// client's sys_groupid and type "vhost" (two calls the first time, one afterwards: the group id is cached)
// rather than using client_get_sites_by_user, which answers only four columns and needs the client's sys_userid.
func (c *Client) WebDomainsByClient(ctx context.Context, clientID int64) ([]WebDomain, error) {
	g, err := c.ClientGroupID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	rows, err := filterRows[WebDomain](ctx, c, webDomainGet, map[string]any{"sys_groupid": g, "type": "vhost"})
	if err != nil {
		return nil, fmt.Errorf("ispapi: web domains of client %d: %w", clientID, err)
	}
	sortByID(rows, func(w WebDomain) Int { return w.ID })
	return rows, nil
}

// UpdateWebDomain changes the fields set in u (plus the Resettable values) and verifies them. Errors:
// *InputError when u.Resettable is unset, *ValidationError, *MismatchError.
func (c *Client) UpdateWebDomain(ctx context.Context, id int64, u WebDomainUpdate) error {
	const fn = "sites_web_domain_update"
	if err := checkID(fn, "primary_id", id); err != nil {
		return err
	}
	if err := checkOwner(fn, "client_id", u.MoveToClient); err != nil {
		return err
	}
	if err := u.Resettable.check(fn); err != nil {
		return err
	}
	for _, q := range []struct {
		key string
		v   *int64
	}{{"hd_quota_error_regex", u.HDQuota}, {"traffic_quota_error_regex", u.TrafficQuota}} {
		if q.v != nil {
			if err := validateWebQuota(q.key, *q.v); err != nil {
				return withFunction(err, fn)
			}
		}
	}
	params := toParams(u)
	owner := int64(-1)
	if u.MoveToClient > 0 {
		owner = u.MoveToClient
	}
	return c.update(ctx, writeSpec{
		fn:     fn,
		args:   map[string]any{"client_id": u.MoveToClient, "primary_id": id, "params": params},
		params: params,
		get:    webDomainGet,
		owner:  owner,
	}, id)
}

// SetWebDomainActive enables or disables website id and verifies the stored flag. Note that ISPConfig re-hashes
// the site's statistics password on the way (API.md §4.3).
func (c *Client) SetWebDomainActive(ctx context.Context, id int64, active bool) error {
	return c.setStatus(ctx, "sites_web_domain_set_status", webDomainGet, id, active)
}

// DeleteWebDomain deletes website id. ISPConfig does not delete its sub/alias domains, FTP users, databases …
// (API.md §3.4). Deleting a site that does not exist is not an error.
func (c *Client) DeleteWebDomain(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "sites_web_domain_delete", "primary_id", id)
}
