package ispapi

import (
	"context"
	"fmt"
	"strings"
)

var (
	mailDomainGet = getSpec{fn: "mail_domain_get", idKey: "primary_id"}
	mailUserGet   = getSpec{fn: "mail_user_get", idKey: "primary_id"}
	mailAliasGet  = getSpec{fn: "mail_alias_get", idKey: "primary_id"}
	mailFwdGet    = getSpec{fn: "mail_forward_get", idKey: "primary_id"}
	mailCatchGet  = getSpec{fn: "mail_catchall_get", idKey: "primary_id"}
)

// ---- mail domains ----

// MailDomainParams is everything AddMailDomain sends. Active false creates a domain that receives no mail.
type MailDomainParams struct {
	ServerID     int64  `isp:"server_id"` // a mail server; required
	Domain       string `isp:"domain"`    // normalised with NormalizeDomain
	Active       bool   `isp:"active"`
	DKIM         bool   `isp:"dkim"`
	DKIMSelector string `isp:"dkim_selector"` // [a-z0-9]{0,63}, usually "default"
	DKIMPrivate  string `isp:"dkim_private"`  // PEM; ISPConfig neither generates nor checks it via the API
	DKIMPublic   string `isp:"dkim_public"`
	RelayHost    string `isp:"relay_host"`
	RelayUser    string `isp:"relay_user"`
	RelayPass    string `isp:"relay_pass"`
}

// MailDomain is a mail domain as ISPConfig stores it.
type MailDomain struct {
	ID           Int    `json:"domain_id"`
	SysUserID    Int    `json:"sys_userid"`
	SysGroupID   Int    `json:"sys_groupid"`
	ServerID     Int    `json:"server_id"`
	Domain       string `json:"domain"`
	DKIM         Flag   `json:"dkim"`
	DKIMSelector string `json:"dkim_selector"`
	DKIMPublic   string `json:"dkim_public"`
	Active       Flag   `json:"active"`
}

// MailDomainUpdate lists the mail-domain fields to change; nil fields are left as they are.
type MailDomainUpdate struct {
	Active       *bool   `isp:"active"`
	DKIM         *bool   `isp:"dkim"`
	DKIMSelector *string `isp:"dkim_selector"`
	DKIMPrivate  *string `isp:"dkim_private"`
	DKIMPublic   *string `isp:"dkim_public"`
	RelayHost    *string `isp:"relay_host"`
	RelayUser    *string `isp:"relay_user"`
	RelayPass    *string `isp:"relay_pass"`
	MoveToClient int64   `isp:"-"` // re-owns the domain (not its mailboxes) when > 0
}

// AddMailDomain creates mail domain p.Domain for client clientID and returns its id. After an ambiguous failure
// it looks the domain up instead of creating it twice. On *MismatchError the domain exists and its id is returned.
func (c *Client) AddMailDomain(ctx context.Context, clientID int64, p MailDomainParams) (int64, error) {
	const fn = "mail_domain_add"
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
	params := toParams(p)
	return c.add(ctx, writeSpec{
		fn: fn, args: map[string]any{"client_id": clientID, "params": params}, params: params,
		get: mailDomainGet, noVerify: []string{"relay_pass"}, owner: clientID,
		lookup: func(ctx context.Context) (int64, error) {
			m, err := c.mailDomainByName(ctx, d)
			return int64(m.ID), err
		},
	})
}

// GetMailDomain returns mail domain id. Errors: ErrNotFound.
func (c *Client) GetMailDomain(ctx context.Context, id int64) (MailDomain, error) {
	var m MailDomain
	if err := c.getRow(ctx, mailDomainGet, id, &m); err != nil {
		return MailDomain{}, fmt.Errorf("ispapi: mail domain %d: %w", id, err)
	}
	return m, nil
}

// MailDomainByName returns the mail domain for domain (normalised first). Errors: ErrNotFound.
func (c *Client) MailDomainByName(ctx context.Context, domain string) (MailDomain, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return MailDomain{}, withFunction(err, "mail_domain_get_by_domain")
	}
	return c.mailDomainByName(ctx, d)
}

func (c *Client) mailDomainByName(ctx context.Context, d string) (MailDomain, error) {
	const fn = "mail_domain_get_by_domain"
	var raw jsonRaw
	if err := c.read(ctx, fn, map[string]any{"domain": d}, &raw); err != nil {
		return MailDomain{}, err
	}
	rows, err := decodeRows[MailDomain](fn, raw)
	if err != nil {
		return MailDomain{}, err
	}
	for _, r := range rows {
		if strings.EqualFold(r.Domain, d) {
			return r, nil
		}
	}
	return MailDomain{}, fmt.Errorf("ispapi: mail domain %q: %w", d, ErrNotFound)
}

// MailDomainsByClient returns the mail domains owned by client clientID, ordered by id.
func (c *Client) MailDomainsByClient(ctx context.Context, clientID int64) ([]MailDomain, error) {
	return byClient(ctx, c, mailDomainGet, clientID, nil, func(m MailDomain) Int { return m.ID })
}

// UpdateMailDomain changes the fields set in u and verifies them. Errors: *ValidationError, *MismatchError.
func (c *Client) UpdateMailDomain(ctx context.Context, id int64, u MailDomainUpdate) error {
	return c.simpleUpdate(ctx, "mail_domain_update", mailDomainGet, id, u.MoveToClient, toParams(u), "relay_pass")
}

// SetMailDomainActive enables or disables mail domain id and verifies the stored flag.
func (c *Client) SetMailDomainActive(ctx context.Context, id int64, active bool) error {
	return c.setStatus(ctx, "mail_domain_set_status", mailDomainGet, id, active)
}

// DeleteMailDomain deletes mail domain id. ISPConfig leaves its mailboxes, aliases, forwards and catch-alls in
// place: delete them first (API.md §4.4). Deleting a domain that does not exist is not an error.
func (c *Client) DeleteMailDomain(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "mail_domain_delete", "primary_id", id)
}

// ---- mailboxes ----

// MailUserParams is everything AddMailUser sends. The API derives nothing (API.md §4.5): Login, Maildir and
// Homedir must be given (see DefaultMaildir, DefaultHomedir), Postfix false creates a mailbox that neither
// receives nor sends mail. uid and gid are sent as -1 so the mail server picks them.
type MailUserParams struct {
	ServerID             int64  `isp:"server_id"` // the mail domain's server
	Email                string `isp:"email"`     // normalised with NormalizeEmail; its domain must be a mail domain
	Login                string `isp:"login"`     // "" means the e-mail address, as the panel does
	Password             string `isp:"-"`         // plain text, strength-checked by ISPConfig
	Name                 string `isp:"name"`
	QuotaBytes           int64  `isp:"quota"` // bytes, 0 = unlimited; see ValidateMailQuota
	CC                   string `isp:"cc"`
	SenderCC             string `isp:"sender_cc"`
	Maildir              string `isp:"maildir"`
	Homedir              string `isp:"homedir"`
	Postfix              bool   `isp:"postfix"` // "enable receiving"; also required for SMTP-AUTH
	Greylisting          bool   `isp:"greylisting"`
	DisableSMTP          bool   `isp:"disablesmtp"`
	DisableDeliver       bool   `isp:"disabledeliver"`
	DisableIMAP          bool   `isp:"disableimap"`
	DisablePOP3          bool   `isp:"disablepop3"`
	ForwardInLDA         bool   `isp:"forward_in_lda"`
	Autoresponder        bool   `isp:"autoresponder"`
	AutoresponderSubject string `isp:"autoresponder_subject"`
	AutoresponderText    string `isp:"autoresponder_text"`
	MoveJunk             string `isp:"move_junk"` // y, a or n
	PurgeTrashDays       int64  `isp:"purge_trash_days"`
	PurgeJunkDays        int64  `isp:"purge_junk_days"`
	BackupInterval       string `isp:"backup_interval"` // none, daily, weekly, monthly
	BackupCopies         int64  `isp:"backup_copies"`
}

// MailUser is a mailbox as ISPConfig stores it (the password hash is not decoded).
type MailUser struct {
	ID             Int    `json:"mailuser_id"`
	SysUserID      Int    `json:"sys_userid"`
	SysGroupID     Int    `json:"sys_groupid"`
	ServerID       Int    `json:"server_id"`
	Email          string `json:"email"`
	Login          string `json:"login"`
	Name           string `json:"name"`
	PasswordHash   string `json:"password"` // SHA-512 crypt of the ISO-8859-1 password (CRYPTMAIL)
	QuotaBytes     Int    `json:"quota"`
	CC             string `json:"cc"`
	Maildir        string `json:"maildir"`
	Homedir        string `json:"homedir"`
	Postfix        Flag   `json:"postfix"`
	DisableSMTP    Flag   `json:"disablesmtp"`
	DisableIMAP    Flag   `json:"disableimap"`
	DisablePOP3    Flag   `json:"disablepop3"`
	DisableDeliver Flag   `json:"disabledeliver"`
	Autoresponder  Flag   `json:"autoresponder"`
	MoveJunk       string `json:"move_junk"`
}

// MailUserUpdate lists the mailbox fields to change; nil fields are left as they are. Password sets a new plain
// text password (never pass a hash read from ISPConfig: it would be hashed again, API.md §6 quirk 19).
type MailUserUpdate struct {
	Password             *string `isp:"password"`
	Name                 *string `isp:"name"`
	QuotaBytes           *int64  `isp:"quota"`
	CC                   *string `isp:"cc"`
	SenderCC             *string `isp:"sender_cc"`
	Postfix              *bool   `isp:"postfix"`
	Greylisting          *bool   `isp:"greylisting"`
	DisableSMTP          *bool   `isp:"disablesmtp"`
	DisableDeliver       *bool   `isp:"disabledeliver"`
	DisableIMAP          *bool   `isp:"disableimap"`
	DisablePOP3          *bool   `isp:"disablepop3"`
	Autoresponder        *bool   `isp:"autoresponder"`
	AutoresponderSubject *string `isp:"autoresponder_subject"`
	AutoresponderText    *string `isp:"autoresponder_text"`
	MoveJunk             *string `isp:"move_junk"`
	MoveToClient         int64   `isp:"-"`
}

// AddMailUser creates mailbox p.Email for client clientID and returns its id. Errors before any HTTP call:
// *ValidationError for the address (no "+") or a negative quota, *InputError for missing paths. After an
// ambiguous failure the mailbox is looked up by address instead of being created twice.
func (c *Client) AddMailUser(ctx context.Context, clientID int64, p MailUserParams) (int64, error) {
	const fn = "mail_user_add"
	if err := checkOwner(fn, "client_id", clientID); err != nil {
		return 0, err
	}
	if err := checkID(fn, "server_id", p.ServerID); err != nil {
		return 0, err
	}
	e, err := NormalizeEmail(p.Email)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	p.Email = e
	if p.Login == "" {
		p.Login = e
	}
	p.Login = strings.ToLower(strings.TrimSpace(p.Login))
	if err := ValidateMailQuota(p.QuotaBytes); err != nil {
		return 0, withFunction(err, fn)
	}
	if err := checkTextParam(fn, "name", p.Name, MaxMailboxName); err != nil {
		return 0, err
	}
	if MailPasswordProblem(p.Password) != "" {
		return 0, localErr(fn, KeyPasswordLatin1)
	}
	if p.Maildir == "" || p.Homedir == "" {
		return 0, &InputError{Function: fn, Field: "maildir/homedir", Reason: "required (ISPConfig does not derive them)"}
	}
	params := toParams(p)
	params["password"] = p.Password
	params["maildir_format"] = "maildir"
	params["uid"] = int64(-1)
	params["gid"] = int64(-1)
	return c.add(ctx, writeSpec{
		fn: fn, args: map[string]any{"client_id": clientID, "params": params}, params: params,
		get: mailUserGet, noVerify: []string{"password"}, owner: clientID,
		lookup: func(ctx context.Context) (int64, error) {
			m, err := c.mailUserByEmail(ctx, e)
			return int64(m.ID), err
		},
	})
}

// GetMailUser returns mailbox id. Errors: ErrNotFound.
func (c *Client) GetMailUser(ctx context.Context, id int64) (MailUser, error) {
	var m MailUser
	if err := c.getRow(ctx, mailUserGet, id, &m); err != nil {
		return MailUser{}, fmt.Errorf("ispapi: mailbox %d: %w", id, err)
	}
	return m, nil
}

// MailUserByEmail returns the mailbox with address email (normalised first). Errors: ErrNotFound.
func (c *Client) MailUserByEmail(ctx context.Context, email string) (MailUser, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return MailUser{}, withFunction(err, mailUserGet.fn)
	}
	return c.mailUserByEmail(ctx, e)
}

func (c *Client) mailUserByEmail(ctx context.Context, e string) (MailUser, error) {
	rows, err := filterRows[MailUser](ctx, c, mailUserGet, map[string]any{"email": e})
	if err != nil {
		return MailUser{}, err
	}
	if len(rows) == 0 {
		return MailUser{}, fmt.Errorf("ispapi: mailbox %q: %w", e, ErrNotFound)
	}
	return rows[0], nil
}

// MailUsersByClient returns the mailboxes owned by client clientID, ordered by id.
func (c *Client) MailUsersByClient(ctx context.Context, clientID int64) ([]MailUser, error) {
	return byClient(ctx, c, mailUserGet, clientID, nil, func(m MailUser) Int { return m.ID })
}

// UpdateMailUser changes the fields set in u and verifies them (except the password, stored as a hash).
func (c *Client) UpdateMailUser(ctx context.Context, id int64, u MailUserUpdate) error {
	const fn = "mail_user_update"
	if u.QuotaBytes != nil {
		if err := ValidateMailQuota(*u.QuotaBytes); err != nil {
			return withFunction(err, fn)
		}
	}
	if u.Password != nil && *u.Password == "" {
		return localErr(fn, KeyWeakPassword)
	}
	if u.Password != nil && MailPasswordProblem(*u.Password) != "" {
		return localErr(fn, KeyPasswordLatin1)
	}
	if u.Name != nil {
		if err := checkTextParam(fn, "name", *u.Name, MaxMailboxName); err != nil {
			return err
		}
	}
	return c.simpleUpdate(ctx, fn, mailUserGet, id, u.MoveToClient, toParams(u), "password")
}

// DeleteMailUser deletes mailbox id (aliases pointing at it stay). Deleting one that does not exist is not an
// error.
func (c *Client) DeleteMailUser(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "mail_user_delete", "primary_id", id)
}

// ---- aliases, forwards, catch-alls (one table: mail_forwarding) ----

// MailForwarding is a row of mail_forwarding: an alias, a forward or a catch-all, depending on Type.
type MailForwarding struct {
	ID          Int    `json:"forwarding_id"`
	SysUserID   Int    `json:"sys_userid"`
	SysGroupID  Int    `json:"sys_groupid"`
	ServerID    Int    `json:"server_id"`
	Source      string `json:"source"`      // an address, or "@domain" for a catch-all
	Destination string `json:"destination"` // an address, or a comma list for forwards
	Type        string `json:"type"`        // alias, forward, catchall, aliasdomain
	Active      Flag   `json:"active"`
	AllowSendAs Flag   `json:"allow_send_as"`
	Greylisting Flag   `json:"greylisting"`
}

// MailAliasParams is everything AddMailAlias sends; the type "alias" is added by the client.
type MailAliasParams struct {
	ServerID    int64  `isp:"server_id"`
	Source      string `isp:"source"`      // the alias address, normalised with NormalizeEmail
	Destination string `isp:"destination"` // one mailbox address
	Active      bool   `isp:"active"`
	AllowSendAs bool   `isp:"allow_send_as"`
	Greylisting bool   `isp:"greylisting"`
}

// MailForwardParams is everything AddMailForward sends; the type "forward" is added by the client.
type MailForwardParams struct {
	ServerID     int64    `isp:"server_id"`
	Source       string   `isp:"source"` // normalised with NormalizeEmail
	Destinations []string `isp:"-"`      // external addresses; sent comma-separated
	Active       bool     `isp:"active"`
	AllowSendAs  bool     `isp:"allow_send_as"`
	Greylisting  bool     `isp:"greylisting"`
}

// MailCatchallParams is everything AddMailCatchall sends; source "@<domain>" and type "catchall" are added by the
// client.
type MailCatchallParams struct {
	ServerID    int64  `isp:"server_id"`
	Domain      string `isp:"-"` // the mail domain, normalised with NormalizeDomain
	Destination string `isp:"destination"`
	Active      bool   `isp:"active"`
}

// MailForwardingUpdate lists the alias, forward or catch-all fields to change; nil fields are left as they are.
// For a forward, Destination is a comma-separated list.
type MailForwardingUpdate struct {
	Destination  *string `isp:"destination"`
	Active       *bool   `isp:"active"`
	AllowSendAs  *bool   `isp:"allow_send_as"`
	Greylisting  *bool   `isp:"greylisting"`
	MoveToClient int64   `isp:"-"`
}

// AddMailAlias creates alias p.Source → p.Destination for client clientID and returns its id. Errors:
// *ValidationError (also KeyMailboxExists when a receiving mailbox has the source address). ISPConfig allows
// duplicate aliases, so after an ambiguous failure the alias is looked up by source and destination.
func (c *Client) AddMailAlias(ctx context.Context, clientID int64, p MailAliasParams) (int64, error) {
	const fn = "mail_alias_add"
	src, err := NormalizeEmail(p.Source)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	dst, err := NormalizeEmail(p.Destination)
	if err != nil {
		return 0, localErr(fn, "destination_error_isemail")
	}
	p.Source, p.Destination = src, dst
	params := toParams(p)
	params["type"] = "alias"
	return c.addForwarding(ctx, fn, mailAliasGet, clientID, p.ServerID, params)
}

// AddMailForward creates forward p.Source → p.Destinations for client clientID and returns its id.
func (c *Client) AddMailForward(ctx context.Context, clientID int64, p MailForwardParams) (int64, error) {
	const fn = "mail_forward_add"
	src, err := NormalizeEmail(p.Source)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	p.Source = src
	dst, err := normalizeList(p.Destinations)
	if err != nil {
		return 0, localErr(fn, "destination_error_isemail")
	}
	params := toParams(p)
	params["destination"] = dst
	params["type"] = "forward"
	return c.addForwarding(ctx, fn, mailFwdGet, clientID, p.ServerID, params)
}

// AddMailCatchall creates a catch-all for p.Domain delivering to p.Destination for client clientID and returns
// its id. ISPConfig allows one catch-all per domain (domain_error_unique).
func (c *Client) AddMailCatchall(ctx context.Context, clientID int64, p MailCatchallParams) (int64, error) {
	const fn = "mail_catchall_add"
	d, err := NormalizeDomain(p.Domain)
	if err != nil {
		return 0, withFunction(err, fn)
	}
	dst, err := NormalizeEmail(p.Destination)
	if err != nil {
		return 0, localErr(fn, "destination_error_isemail")
	}
	p.Destination = dst
	params := toParams(p)
	params["source"] = "@" + d
	params["type"] = "catchall"
	return c.addForwarding(ctx, fn, mailCatchGet, clientID, p.ServerID, params)
}

func (c *Client) addForwarding(ctx context.Context, fn string, g getSpec, clientID, serverID int64, params map[string]any) (int64, error) {
	if err := checkOwner(fn, "client_id", clientID); err != nil {
		return 0, err
	}
	if err := checkID(fn, "server_id", serverID); err != nil {
		return 0, err
	}
	key := map[string]any{"source": params["source"], "destination": params["destination"], "type": params["type"]}
	return c.add(ctx, writeSpec{
		fn: fn, args: map[string]any{"client_id": clientID, "params": params}, params: params,
		get: g, owner: clientID,
		lookup: func(ctx context.Context) (int64, error) {
			rows, err := filterRows[MailForwarding](ctx, c, g, key)
			if err != nil {
				return 0, err
			}
			ids := make([]int64, len(rows))
			for i, r := range rows {
				ids[i] = int64(r.ID)
			}
			return onlyOne(g.fn, ids)
		},
	})
}

// GetMailAlias returns alias id. Errors: ErrNotFound (also when id is a forward or catch-all).
func (c *Client) GetMailAlias(ctx context.Context, id int64) (MailForwarding, error) {
	return c.getForwarding(ctx, mailAliasGet, "alias", id)
}

// GetMailForward returns forward id. Errors: ErrNotFound (also when id is an alias or catch-all).
func (c *Client) GetMailForward(ctx context.Context, id int64) (MailForwarding, error) {
	return c.getForwarding(ctx, mailFwdGet, "forward", id)
}

// GetMailCatchall returns catch-all id. Errors: ErrNotFound (also when id is an alias or forward).
func (c *Client) GetMailCatchall(ctx context.Context, id int64) (MailForwarding, error) {
	return c.getForwarding(ctx, mailCatchGet, "catchall", id)
}

func (c *Client) getForwarding(ctx context.Context, g getSpec, typ string, id int64) (MailForwarding, error) {
	var m MailForwarding
	if err := c.getRow(ctx, g, id, &m); err != nil {
		return MailForwarding{}, fmt.Errorf("ispapi: %s %d: %w", typ, id, err)
	}
	if m.Type != typ { // the getters do not check the type (API.md §3.1)
		return MailForwarding{}, fmt.Errorf("ispapi: %s %d is a %q: %w", typ, id, m.Type, ErrNotFound)
	}
	return m, nil
}

// MailAliasesByClient returns the aliases owned by client clientID, ordered by id.
func (c *Client) MailAliasesByClient(ctx context.Context, clientID int64) ([]MailForwarding, error) {
	return byClient(ctx, c, mailAliasGet, clientID, map[string]any{"type": "alias"}, func(m MailForwarding) Int { return m.ID })
}

// MailForwardsByClient returns the forwards owned by client clientID, ordered by id.
func (c *Client) MailForwardsByClient(ctx context.Context, clientID int64) ([]MailForwarding, error) {
	return byClient(ctx, c, mailFwdGet, clientID, map[string]any{"type": "forward"}, func(m MailForwarding) Int { return m.ID })
}

// MailCatchallsByClient returns the catch-alls owned by client clientID, ordered by id.
func (c *Client) MailCatchallsByClient(ctx context.Context, clientID int64) ([]MailForwarding, error) {
	return byClient(ctx, c, mailCatchGet, clientID, map[string]any{"type": "catchall"}, func(m MailForwarding) Int { return m.ID })
}

// UpdateMailAlias changes the fields set in u on alias id and verifies them.
func (c *Client) UpdateMailAlias(ctx context.Context, id int64, u MailForwardingUpdate) error {
	return c.updateForwarding(ctx, "mail_alias_update", mailAliasGet, id, u, false)
}

// UpdateMailForward changes the fields set in u on forward id and verifies them.
func (c *Client) UpdateMailForward(ctx context.Context, id int64, u MailForwardingUpdate) error {
	return c.updateForwarding(ctx, "mail_forward_update", mailFwdGet, id, u, true)
}

// UpdateMailCatchall changes the fields set in u on catch-all id and verifies them.
func (c *Client) UpdateMailCatchall(ctx context.Context, id int64, u MailForwardingUpdate) error {
	return c.updateForwarding(ctx, "mail_catchall_update", mailCatchGet, id, u, false)
}

func (c *Client) updateForwarding(ctx context.Context, fn string, g getSpec, id int64, u MailForwardingUpdate, list bool) error {
	if u.Destination != nil {
		var d string
		var err error
		if list {
			d, err = normalizeList(strings.Split(*u.Destination, ","))
		} else {
			d, err = NormalizeEmail(*u.Destination)
		}
		if err != nil {
			return localErr(fn, "destination_error_isemail")
		}
		u.Destination = &d
	}
	return c.simpleUpdate(ctx, fn, g, id, u.MoveToClient, toParams(u))
}

// DeleteMailAlias deletes alias id. Deleting one that does not exist is not an error.
func (c *Client) DeleteMailAlias(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "mail_alias_delete", "primary_id", id)
}

// DeleteMailForward deletes forward id. Deleting one that does not exist is not an error.
func (c *Client) DeleteMailForward(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "mail_forward_delete", "primary_id", id)
}

// DeleteMailCatchall deletes catch-all id. Deleting one that does not exist is not an error.
func (c *Client) DeleteMailCatchall(ctx context.Context, id int64) error {
	return c.deleteRow(ctx, "mail_catchall_delete", "primary_id", id)
}

// ---- shared helpers ----

// simpleUpdate runs a generic *_update(client_id, primary_id, params) and verifies it.
func (c *Client) simpleUpdate(ctx context.Context, fn string, g getSpec, id, moveTo int64, params map[string]any, noVerify ...string) error {
	if err := checkID(fn, "primary_id", id); err != nil {
		return err
	}
	if err := checkOwner(fn, "client_id", moveTo); err != nil {
		return err
	}
	owner := int64(-1)
	if moveTo > 0 {
		owner = moveTo
	}
	return c.update(ctx, writeSpec{
		fn: fn, args: map[string]any{"client_id": moveTo, "primary_id": id, "params": params}, params: params,
		get: g, noVerify: noVerify, owner: owner,
	}, id)
}

// byClient reads the rows of a table owned by client clientID (its sys_groupid), with extra filters.
func byClient[T any](ctx context.Context, c *Client, g getSpec, clientID int64, extra map[string]any, id func(T) Int) ([]T, error) {
	grp, err := c.ClientGroupID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	filter := map[string]any{"sys_groupid": grp}
	for k, v := range extra {
		filter[k] = v
	}
	rows, err := filterRows[T](ctx, c, g, filter)
	if err != nil {
		return nil, fmt.Errorf("ispapi: %s of client %d: %w", g.fn, clientID, err)
	}
	sortByID(rows, id)
	return rows, nil
}

// normalizeList normalises a list of addresses and joins them the way ISPConfig stores forward destinations.
func normalizeList(addrs []string) (string, error) {
	var out []string
	for _, a := range addrs {
		if strings.TrimSpace(a) == "" {
			continue
		}
		e, err := normalizeAddress(a, true)
		if err != nil {
			return "", err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return "", localErr("destination", "destination_error_isemail")
	}
	return strings.Join(out, ","), nil
}
