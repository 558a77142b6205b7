package ispapi

import (
	"context"
	"fmt"
	"strings"
)

var clientGet = getSpec{fn: "client_get", idKey: "client_id"}

// ClientParams is everything AddClient and AddReseller send. ISPConfig applies no defaults (API.md §3.2.3): a zero
// limit means "none", a false flag "not allowed", so fill in every value the plan grants.
type ClientParams struct {
	CompanyName      string `isp:"company_name"`
	Gender           string `isp:"gender"` // "", "m" or "f"
	ContactFirstname string `isp:"contact_firstname"`
	ContactName      string `isp:"contact_name"` // required
	CustomerNo       string `isp:"customer_no"`
	Username         string `isp:"username"` // required; see ValidateUsername
	Password         string `isp:"-"`        // plain text; ISPConfig checks its strength and stores a hash
	Language         string `isp:"language"` // required in practice, e.g. "en" (API.md §4.2 client_add step 7)
	UserTheme        string `isp:"usertheme"`
	Street           string `isp:"street"`
	Zip              string `isp:"zip"`
	City             string `isp:"city"`
	State            string `isp:"state"`
	Country          string `isp:"country"` // ISO code, e.g. "DE"
	Telephone        string `isp:"telephone"`
	Mobile           string `isp:"mobile"`
	Fax              string `isp:"fax"`
	Email            string `isp:"email"` // required
	Internet         string `isp:"internet"`
	VATID            string `isp:"vat_id"`
	CompanyID        string `isp:"company_id"`
	Notes            string `isp:"notes"`
	Locked           bool   `isp:"locked"`
	Canceled         bool   `isp:"canceled"`
	WebPHPOptions    string `isp:"web_php_options"` // required: comma list of no, fast-cgi, cgi, mod, suphp, php-fpm, hhvm
	SSHChroot        string `isp:"ssh_chroot"`      // required: comma list of no, jailkit
	Servers          ClientServers
	Limits           ClientLimits
}

// ClientServers are a client's allowed and default servers. Lists are comma-separated server ids ("1,2").
type ClientServers struct {
	DefaultWeb      int64  `isp:"default_webserver"`
	Web             string `isp:"web_servers"`
	DefaultMail     int64  `isp:"default_mailserver"`
	Mail            string `isp:"mail_servers"`
	DefaultDNS      int64  `isp:"default_dnsserver"`
	DefaultSlaveDNS int64  `isp:"default_slave_dnsserver"`
	DNS             string `isp:"dns_servers"`
	DefaultDB       int64  `isp:"default_dbserver"`
	DB              string `isp:"db_servers"`
}

// ClientLimits are a client's plan limits: -1 unlimited, 0 none, n at most n; quotas in MB. ISPConfig stores but
// never enforces them (API.md §5.5). Client (limit_client) makes a reseller when non-zero, and DomainModule is
// stored for resellers only.
type ClientLimits struct {
	Client            int64  `isp:"-"`
	DomainModule      int64  `isp:"-"`
	WebDomain         int64  `isp:"limit_web_domain"`
	WebQuota          int64  `isp:"limit_web_quota"`
	WebSubdomain      int64  `isp:"limit_web_subdomain"`
	WebAliasdomain    int64  `isp:"limit_web_aliasdomain"`
	FTPUser           int64  `isp:"limit_ftp_user"`
	ShellUser         int64  `isp:"limit_shell_user"`
	WebDAVUser        int64  `isp:"limit_webdav_user"`
	TrafficQuota      int64  `isp:"limit_traffic_quota"`
	Database          int64  `isp:"limit_database"`
	DatabaseUser      int64  `isp:"limit_database_user"`
	DatabaseQuota     int64  `isp:"limit_database_quota"`
	MailDomain        int64  `isp:"limit_maildomain"`
	Mailbox           int64  `isp:"limit_mailbox"`
	MailAlias         int64  `isp:"limit_mailalias"`
	MailAliasDomain   int64  `isp:"limit_mailaliasdomain"`
	MailForward       int64  `isp:"limit_mailforward"`
	MailCatchall      int64  `isp:"limit_mailcatchall"`
	MailQuota         int64  `isp:"limit_mailquota"`
	MailRouting       int64  `isp:"limit_mailrouting"`
	MailFilter        int64  `isp:"limit_mailfilter"`
	Fetchmail         int64  `isp:"limit_fetchmail"`
	MailMailinglist   int64  `isp:"limit_mailmailinglist"`
	MailWBList        int64  `isp:"limit_mail_wblist"`
	SpamfilterWBList  int64  `isp:"limit_spamfilter_wblist"`
	SpamfilterUser    int64  `isp:"limit_spamfilter_user"`
	SpamfilterPolicy  int64  `isp:"limit_spamfilter_policy"`
	DNSZone           int64  `isp:"limit_dns_zone"`
	DNSSlaveZone      int64  `isp:"limit_dns_slave_zone"`
	DNSRecord         int64  `isp:"limit_dns_record"`
	Cron              int64  `isp:"limit_cron"`
	CronFrequency     int64  `isp:"limit_cron_frequency"`
	CronType          string `isp:"limit_cron_type"` // "", "full", "chrooted", "url"
	CGI               bool   `isp:"limit_cgi"`
	SSI               bool   `isp:"limit_ssi"`
	Perl              bool   `isp:"limit_perl"`
	Ruby              bool   `isp:"limit_ruby"`
	Python            bool   `isp:"limit_python"`
	ForceSuexec       bool   `isp:"force_suexec"`
	HTError           bool   `isp:"limit_hterror"`
	Wildcard          bool   `isp:"limit_wildcard"`
	SSL               bool   `isp:"limit_ssl"`
	SSLLetsEncrypt    bool   `isp:"limit_ssl_letsencrypt"`
	Backup            bool   `isp:"limit_backup"`
	MailBackup        bool   `isp:"limit_mail_backup"`
	DirectiveSnippets bool   `isp:"limit_directive_snippets"`
}

// ClientRecord is a client or reseller as ISPConfig stores it. Secrets in the row (password hash, private SSH
// key) are deliberately not decoded.
type ClientRecord struct {
	ID               Int    `json:"client_id"`
	SysUserID        Int    `json:"sys_userid"`
	SysGroupID       Int    `json:"sys_groupid"` // the group of the owner (the reseller), not the client's own group
	ParentClientID   Int    `json:"parent_client_id"`
	CompanyName      string `json:"company_name"`
	ContactFirstname string `json:"contact_firstname"`
	ContactName      string `json:"contact_name"`
	CustomerNo       string `json:"customer_no"`
	Username         string `json:"username"`
	Email            string `json:"email"`
	Language         string `json:"language"`
	Street           string `json:"street"`
	Zip              string `json:"zip"`
	City             string `json:"city"`
	State            string `json:"state"`
	Country          string `json:"country"`
	Telephone        string `json:"telephone"`
	Locked           Flag   `json:"locked"`
	Canceled         Flag   `json:"canceled"`
	WebPHPOptions    string `json:"web_php_options"`
	SSHChroot        string `json:"ssh_chroot"`
	DefaultWebserver Int    `json:"default_webserver"`
	DefaultMailsrv   Int    `json:"default_mailserver"`
	LimitClient      Int    `json:"limit_client"`
	LimitWebDomain   Int    `json:"limit_web_domain"`
	LimitWebQuota    Int    `json:"limit_web_quota"`
	LimitTraffic     Int    `json:"limit_traffic_quota"`
	LimitMailDomain  Int    `json:"limit_maildomain"`
	LimitMailbox     Int    `json:"limit_mailbox"`
	LimitMailAlias   Int    `json:"limit_mailalias"`
	LimitMailForward Int    `json:"limit_mailforward"`
	LimitCatchall    Int    `json:"limit_mailcatchall"`
	LimitMailQuota   Int    `json:"limit_mailquota"`
	LimitDomainMod   Int    `json:"limit_domainmodule"`
	LimitSSL         Flag   `json:"limit_ssl"`
	LimitLetsEncrypt Flag   `json:"limit_ssl_letsencrypt"`
}

// IsReseller reports whether the client may have clients of its own (limit_client != 0).
func (r ClientRecord) IsReseller() bool { return r.LimitClient != 0 }

// ClientUpdate lists the client fields to change; nil fields are left as they are. The password is never part of
// an update (use SetClientPassword): UpdateClient always sends "password": "" because client_update re-hashes the
// stored hash otherwise (API.md §6 quirk 20).
type ClientUpdate struct {
	CompanyName      *string `isp:"company_name"`
	ContactFirstname *string `isp:"contact_firstname"`
	ContactName      *string `isp:"contact_name"`
	CustomerNo       *string `isp:"customer_no"`
	Email            *string `isp:"email"`
	Language         *string `isp:"language"`
	Street           *string `isp:"street"`
	Zip              *string `isp:"zip"`
	City             *string `isp:"city"`
	State            *string `isp:"state"`
	Country          *string `isp:"country"`
	Telephone        *string `isp:"telephone"`
	Mobile           *string `isp:"mobile"`
	Notes            *string `isp:"notes"`
	Locked           *bool   `isp:"locked"`   // y disables all the client's sites and mailboxes
	Canceled         *bool   `isp:"canceled"` // y disables the client's panel login
	WebPHPOptions    *string `isp:"web_php_options"`
	Limits           *ClientLimits
	// MoveToReseller re-owns the client record to that reseller when > 0 (client_update's reseller_id). ISPConfig
	// does not change parent_client_id or the reseller's group list (API.md §4.2), so leave it 0 unless you mean it.
	MoveToReseller int64 `isp:"-"`
}

// AddClient creates a customer under reseller resellerID (0 for an admin-owned client) and returns its client id.
// p.Limits.Client must be 0: a reseller cannot be the client of a reseller (use AddReseller). It validates
// username and e-mail first (*ValidationError, no HTTP call), and after an ambiguous failure looks the username up
// instead of creating a second client. On *MismatchError the client exists and its id is returned.
func (c *Client) AddClient(ctx context.Context, resellerID int64, p ClientParams) (int64, error) {
	const fn = "client_add"
	if err := checkOwner(fn, "reseller_id", resellerID); err != nil {
		return 0, err
	}
	if p.Limits.Client != 0 {
		return 0, &InputError{Function: fn, Field: "limit_client", Reason: "must be 0 for a client; use AddReseller"}
	}
	return c.addClient(ctx, resellerID, p)
}

// AddReseller creates a reseller (an admin-owned client with limit_client != 0; -1 means unlimited clients) and
// returns its client id. Otherwise as AddClient. ISPConfig validates a reseller's e-mail strictly: no "+".
func (c *Client) AddReseller(ctx context.Context, p ClientParams) (int64, error) {
	if p.Limits.Client == 0 {
		return 0, &InputError{Function: "client_add", Field: "limit_client", Reason: "a reseller needs limit_client != 0"}
	}
	return c.addClient(ctx, 0, p)
}

func (c *Client) addClient(ctx context.Context, resellerID int64, p ClientParams) (int64, error) {
	const fn = "client_add"
	if err := ValidateUsername(p.Username); err != nil {
		return 0, withFunction(err, fn)
	}
	email, err := normalizeAddress(p.Email, p.Limits.Client == 0)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	p.Email = email
	if strings.TrimSpace(p.ContactName) == "" {
		return 0, localErr(fn, "contact_error_empty")
	}
	if err := checkClientText(fn, p.ContactName, p.CompanyName, p.ContactFirstname); err != nil {
		return 0, err
	}
	if p.Language == "" {
		return 0, &InputError{Function: fn, Field: "language", Reason: "required (ISPConfig half-creates the client without it)"}
	}
	p.VATID = strings.ToUpper(strings.Join(strings.Fields(p.VATID), ""))
	params := toParams(p)
	params["password"] = p.Password
	params["template_master"] = int64(0) // a template would overwrite the limits sent here
	params["limit_client"] = p.Limits.Client
	if p.Limits.Client != 0 {
		params["limit_domainmodule"] = p.Limits.DomainModule // a reseller-form field only
	}
	username := p.Username
	return c.add(ctx, writeSpec{
		fn:       fn,
		args:     map[string]any{"reseller_id": resellerID, "params": params},
		params:   params,
		get:      clientGet,
		noVerify: []string{"password"},
		owner:    resellerID,
		lookup: func(ctx context.Context) (int64, error) {
			id, _, err := c.clientIDByUsername(ctx, username)
			return id, err
		},
	})
}

// GetClient returns client id. Errors: ErrNotFound.
func (c *Client) GetClient(ctx context.Context, id int64) (ClientRecord, error) {
	var r ClientRecord
	if err := c.getRow(ctx, clientGet, id, &r); err != nil {
		return ClientRecord{}, fmt.Errorf("ispapi: client %d: %w", id, err)
	}
	return r, nil
}

// ClientByUsername returns the client whose panel login is username (two calls: client_get_by_username, which
// answers the login row, then client_get). Use it to check that a username is free. Errors: ErrNotFound.
func (c *Client) ClientByUsername(ctx context.Context, username string) (ClientRecord, error) {
	id, _, err := c.clientIDByUsername(ctx, username)
	if err != nil {
		return ClientRecord{}, err
	}
	return c.GetClient(ctx, id)
}

// ClientsOfReseller returns the clients whose parent is reseller resellerID, ordered by id.
func (c *Client) ClientsOfReseller(ctx context.Context, resellerID int64) ([]ClientRecord, error) {
	if err := checkID("client_get", "reseller_id", resellerID); err != nil {
		return nil, err
	}
	rows, err := filterRows[ClientRecord](ctx, c, clientGet, map[string]any{"parent_client_id": resellerID})
	if err != nil {
		return nil, fmt.Errorf("ispapi: clients of reseller %d: %w", resellerID, err)
	}
	sortByID(rows, func(r ClientRecord) Int { return r.ID })
	return rows, nil
}

// clientIDByUsername returns the client id and group id of a panel login, caching the group.
func (c *Client) clientIDByUsername(ctx context.Context, username string) (int64, int64, error) {
	const fn = "client_get_by_username"
	if err := ValidateUsername(username); err != nil {
		return 0, 0, withFunction(err, fn)
	}
	var u struct {
		ClientID     Int `json:"client_id"`
		DefaultGroup Int `json:"default_group"`
	}
	err := c.read(ctx, fn, map[string]any{"username": username}, &u)
	if isFault(err, msgNoUserByName) {
		return 0, 0, fmt.Errorf("ispapi: username %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return 0, 0, err
	}
	if u.ClientID <= 0 {
		return 0, 0, fmt.Errorf("ispapi: username %q is not a client: %w", username, ErrNotFound)
	}
	if u.DefaultGroup > 0 {
		c.groups.Store(int64(u.ClientID), int64(u.DefaultGroup))
	}
	return int64(u.ClientID), int64(u.DefaultGroup), nil
}

// UpdateClient changes the fields set in u and verifies them. Errors: *ValidationError, *MismatchError (also when
// the client does not exist: nothing was stored), ErrNotFound.
func (c *Client) UpdateClient(ctx context.Context, id int64, u ClientUpdate) error {
	const fn = "client_update"
	if err := checkID(fn, "client_id", id); err != nil {
		return err
	}
	if err := checkOwner(fn, "reseller_id", u.MoveToReseller); err != nil {
		return err
	}
	if u.Email != nil {
		e, err := normalizeAddress(*u.Email, true)
		if err != nil {
			return withFunction(err, fn)
		}
		u.Email = &e
	}
	if u.ContactName != nil && strings.TrimSpace(*u.ContactName) == "" {
		return localErr(fn, "contact_error_empty")
	}
	if err := checkClientText(fn, deref(u.ContactName), deref(u.CompanyName), deref(u.ContactFirstname)); err != nil {
		return err
	}
	params := toParams(u)
	params["password"] = "" // keep the password: without the key client_update re-hashes the stored hash
	owner := int64(-1)
	if u.MoveToReseller > 0 {
		owner = u.MoveToReseller
	}
	return c.update(ctx, writeSpec{
		fn:       fn,
		args:     map[string]any{"client_id": id, "reseller_id": u.MoveToReseller, "params": params},
		params:   params,
		get:      clientGet,
		noVerify: []string{"password"},
		owner:    owner,
	}, id)
}

// SetClientPassword sets the panel password of client id (client_change_password; ISPConfig checks no strength
// here). The stored value is a hash, so it cannot be verified by reading back. Errors: ErrNotFound.
func (c *Client) SetClientPassword(ctx context.Context, id int64, password string) error {
	const fn = "client_change_password"
	if err := checkID(fn, "client_id", id); err != nil {
		return err
	}
	if password == "" {
		return localErr(fn, KeyWeakPassword)
	}
	var ok bool
	err := c.call(ctx, fn, map[string]any{"client_id": id, "new_password": password}, &ok)
	if isFault(err, msgNoUserForClient) {
		return fmt.Errorf("ispapi: client %d: %w", id, ErrNotFound)
	}
	return err
}

// DeleteClient deletes client id with its login and group. ISPConfig does not cascade: delete the client's sites,
// mail and domains first (API.md §4.2). Deleting a client that does not exist is not an error.
func (c *Client) DeleteClient(ctx context.Context, id int64) error {
	if err := c.deleteRow(ctx, "client_delete", "client_id", id); err != nil {
		return err
	}
	c.groups.Delete(id)
	return nil
}

// normalizeAddress normalises a contact address; allowPlus is true for the ISEMAILADDRESS validator of clients
// (resellers and mailboxes use ISEMAIL, which rejects "+").
func normalizeAddress(addr string, allowPlus bool) (string, error) {
	if !allowPlus {
		return NormalizeEmail(addr)
	}
	s := strings.TrimSpace(addr)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "", localErr("email", "email_error_isemail")
	}
	local := strings.ReplaceAll(s[:at], "+", "")
	if _, err := NormalizeEmail(local + "@" + s[at+1:]); err != nil {
		return "", err
	}
	d, _ := NormalizeDomain(s[at+1:])
	return strings.ToLower(s[:at]) + "@" + d, nil
}

// checkClientText refuses contact fields that ISPConfig's STRIPTAGS/STRIPNL filters would alter or its varchar(64)
// columns would truncate.
func checkClientText(fn, contactName, companyName, firstname string) error {
	if err := checkTextParam(fn, "contact_name", contactName, MaxContactName); err != nil {
		return err
	}
	if err := checkTextParam(fn, "company_name", companyName, MaxCompanyName); err != nil {
		return err
	}
	return checkTextParam(fn, "contact_firstname", firstname, MaxContactName)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
