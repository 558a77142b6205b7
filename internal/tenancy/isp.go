package tenancy

import (
	"context"

	"portal/internal/ispapi"
)

// ISP is the one seam between the portal's services and an ISPConfig installation: every call the services make.
// *ispapi.Client implements it; there is one per platform.
type ISP interface {
	Probe(ctx context.Context) error
	JobQueueCount(ctx context.Context, serverID int64) (int64, error)

	AddClient(ctx context.Context, resellerID int64, p ispapi.ClientParams) (int64, error)
	AddReseller(ctx context.Context, p ispapi.ClientParams) (int64, error)
	GetClient(ctx context.Context, id int64) (ispapi.ClientRecord, error)
	ClientByUsername(ctx context.Context, username string) (ispapi.ClientRecord, error)
	ClientGroupID(ctx context.Context, clientID int64) (int64, error)
	UpdateClient(ctx context.Context, id int64, u ispapi.ClientUpdate) error
	DeleteClient(ctx context.Context, id int64) error

	AddWebDomain(ctx context.Context, clientID int64, p ispapi.WebDomainParams) (int64, error)
	GetWebDomain(ctx context.Context, id int64) (ispapi.WebDomain, error)
	WebDomainsByClient(ctx context.Context, clientID int64) ([]ispapi.WebDomain, error)
	UpdateWebDomain(ctx context.Context, id int64, u ispapi.WebDomainUpdate) error
	SetWebDomainActive(ctx context.Context, id int64, active bool) error
	DeleteWebDomain(ctx context.Context, id int64) error

	AddDomain(ctx context.Context, clientID int64, domain string) (int64, error)
	GetDomain(ctx context.Context, id int64) (ispapi.Domain, error)
	DomainsByClient(ctx context.Context, clientID int64) ([]ispapi.Domain, error)
	MoveDomain(ctx context.Context, id, clientID int64) error
	DeleteDomain(ctx context.Context, id int64) error

	AddMailDomain(ctx context.Context, clientID int64, p ispapi.MailDomainParams) (int64, error)
	GetMailDomain(ctx context.Context, id int64) (ispapi.MailDomain, error)
	MailDomainsByClient(ctx context.Context, clientID int64) ([]ispapi.MailDomain, error)
	SetMailDomainActive(ctx context.Context, id int64, active bool) error
	DeleteMailDomain(ctx context.Context, id int64) error

	AddMailUser(ctx context.Context, clientID int64, p ispapi.MailUserParams) (int64, error)
	GetMailUser(ctx context.Context, id int64) (ispapi.MailUser, error)
	MailUsersByClient(ctx context.Context, clientID int64) ([]ispapi.MailUser, error)
	UpdateMailUser(ctx context.Context, id int64, u ispapi.MailUserUpdate) error
	CheckMailUserPassword(ctx context.Context, id int64, password string) (bool, error)
	DeleteMailUser(ctx context.Context, id int64) error

	AddMailAlias(ctx context.Context, clientID int64, p ispapi.MailAliasParams) (int64, error)
	AddMailForward(ctx context.Context, clientID int64, p ispapi.MailForwardParams) (int64, error)
	AddMailCatchall(ctx context.Context, clientID int64, p ispapi.MailCatchallParams) (int64, error)
	GetMailAlias(ctx context.Context, id int64) (ispapi.MailForwarding, error)
	GetMailForward(ctx context.Context, id int64) (ispapi.MailForwarding, error)
	GetMailCatchall(ctx context.Context, id int64) (ispapi.MailForwarding, error)
	MailAliasesByClient(ctx context.Context, clientID int64) ([]ispapi.MailForwarding, error)
	MailForwardsByClient(ctx context.Context, clientID int64) ([]ispapi.MailForwarding, error)
	MailCatchallsByClient(ctx context.Context, clientID int64) ([]ispapi.MailForwarding, error)
	UpdateMailAlias(ctx context.Context, id int64, u ispapi.MailForwardingUpdate) error
	UpdateMailForward(ctx context.Context, id int64, u ispapi.MailForwardingUpdate) error
	UpdateMailCatchall(ctx context.Context, id int64, u ispapi.MailForwardingUpdate) error
	DeleteMailAlias(ctx context.Context, id int64) error
	DeleteMailForward(ctx context.Context, id int64) error
	DeleteMailCatchall(ctx context.Context, id int64) error

	// The "Quota functions" group: read by the periodic usage job only, never by a page.
	SiteQuotas(ctx context.Context, clientID int64) ([]ispapi.SiteQuota, error)
	SiteTraffic(ctx context.Context, clientID int64) ([]ispapi.SiteTraffic, error)
	MailboxQuotas(ctx context.Context, clientID int64) ([]ispapi.MailboxQuota, error)
}

var _ ISP = (*ispapi.Client)(nil)
