package hosting

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// SiteSettings are the choices a site's owner makes, as the form sent them.
type SiteSettings struct {
	PHP         string
	SSL         bool
	LetsEncrypt bool
	QuotaMB     string // disk quota in MB, -1 unlimited
	TrafficMB   string // traffic quota in MB, -1 unlimited
}

// NewSite is a request to create a web site.
type NewSite struct {
	Customer string // the client, for admins and resellers (ignored for clients)
	Domain   string
	Active   bool
	SiteSettings
}

// check validates the settings shared by create and edit.
func (s *Service) checkSite(in SiteSettings, errs fail.Fields) store.Site {
	site := store.Site{PHPMode: in.PHP, SSL: in.SSL, LetsEncrypt: in.LetsEncrypt,
		QuotaMB: megabytes(in.QuotaMB, "quota_mb", errs), TrafficMB: megabytes(in.TrafficMB, "traffic_mb", errs)}
	if !slices.Contains(s.set.PHPModes, site.PHPMode) {
		errs.Addf("php", "Choose one of the offered PHP modes.")
	}
	if site.LetsEncrypt && !site.SSL {
		errs.Addf("letsencrypt", "A Let's Encrypt certificate needs SSL turned on.")
	}
	return site
}

// siteQuota checks a site's disk quota, replacing oldMB (0 for a new site), against every plan that binds the
// client: the per-site quota, and the total disk of all sites (for a reseller's plan: of all its clients' sites).
// A plan with a limited total never hands out an unlimited site.
func siteQuota(o owner, oldMB, quota int) error {
	for _, l := range o.levels {
		if max := l.plan.SiteQuotaMB; max != store.Unlimited && (quota == store.Unlimited || quota > max) {
			return fail.Field("quota_mb", "%s allows at most %d MB of disk per site.", l.who, max)
		}
		total := l.plan.MaxDiskMB
		if total == store.Unlimited {
			continue
		}
		if quota == store.Unlimited {
			return fail.Field("quota_mb", "%s limits the disk of all sites to %d MB, so each site needs a quota.", l.who, total)
		}
		if old := max(oldMB, 0); l.used.DiskMB-old+quota > total {
			return fail.Field("quota_mb", "%s allows %d MB of disk for all sites; %d MB are left.", l.who, total, total-l.used.DiskMB+old)
		}
	}
	return nil
}

// CreateSite validates a new site, then runs the shared lifecycle: the client's and reseller's site limits, the
// plan's disk ceiling and the domain claim under the client's lock, a pending row, ISPConfig's add.
func (s *Service) CreateSite(ctx context.Context, a Actor, in NewSite) (int64, error) {
	errs := fail.Fields{}
	client, domain, err := s.domainFor(ctx, a, in.Customer, in.Domain, errs)
	if err != nil {
		return 0, err
	}
	want := s.checkSite(in.SiteSettings, errs)
	want.Domain, want.Active = domain, in.Active
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "site.create", store.KindSite, 0, err, in.Domain)
		return 0, err
	}
	return s.create(ctx, a, newObject{
		kind: store.KindSite, action: "site.create", label: domain, client: client, claim: domain, field: "domain",
		check: func(ctx context.Context, tx pgx.Tx, o owner) error {
			if err := o.countLimit(i18n.M("web sites"), func(l store.Limits) int { return l.MaxSites }, func(u store.Usage) int { return u.Sites }, 1); err != nil {
				return err
			}
			return siteQuota(o, 0, want.QuotaMB)
		},
		insert: func(ctx context.Context, tx pgx.Tx, o owner) (int64, error) {
			want.CustomerID = o.client.ID
			site, err := store.NewSites(tx).Create(ctx, want)
			if err != nil && isConflict(err) {
				return 0, fail.Field("domain", "A web site for this domain already exists.")
			}
			return site.ID, err
		},
		add: func(ctx context.Context, isp tenancy.ISP, o owner) (int64, error) {
			return isp.AddWebDomain(ctx, *o.client.ISPClientID, webDomainParams(o.platform, want))
		},
	})
}

// webDomainParams is everything ISPConfig needs for a new site: the portal's choices, and the server from the
// platform (never from the request).
func webDomainParams(p store.Platform, s store.Site) ispapi.WebDomainParams {
	return ispapi.WebDomainParams{
		ServerID: p.WebServerID, IPAddress: "*", Domain: s.Domain,
		HDQuota: int64(s.QuotaMB), TrafficQuota: int64(s.TrafficMB), SuExec: true, ErrorDocs: true, Subdomain: "www",
		SSL: s.SSL, SSLLetsEncrypt: s.LetsEncrypt, PHP: s.PHPMode, Active: s.Active, StatsType: "awstats",
		BackupInterval: "none", BackupCopies: 1, BackupFormatWeb: "default", BackupFormatDB: "gzip",
		AllowOverride: "All", PHPFPMUseSocket: true, PM: "ondemand", PMProcessIdleTimeout: 10, HTTPPort: 80,
		HTTPSPort: 443,
		Resettable: ispapi.WebDomainResettable{LogRetention: 30, PMMaxChildren: 10, PMStartServers: 2,
			PMMinSpareServers: 1, PMMaxSpareServers: 5},
	}
}

// UpdateSite changes a site's PHP mode, SSL, Let's Encrypt and quotas. It reads the site once for the values
// ISPConfig resets when they are omitted (API.md §6 quirk 21), then writes and verifies.
func (s *Service) UpdateSite(ctx context.Context, a Actor, id int64, in SiteSettings) error {
	errs := fail.Fields{}
	want := s.checkSite(in, errs)
	label := fmt.Sprintf("site %d", id)
	if err := errs.Err(); err != nil {
		s.audit(ctx, a, "site.update", store.KindSite, id, err, label)
		return err
	}
	return s.change(ctx, a, store.KindSite, id, "site.update", label, func(ctx context.Context, t target) error {
		// The new quota is checked and recorded under the reseller's and the client's row locks, so a sibling
		// client's concurrent change counts it; a refusal by ISPConfig puts the old settings back.
		var old store.Site
		err := pgx.BeginFunc(ctx, t.conn, func(tx pgx.Tx) error {
			o, err := lockOwner(ctx, tx, t.owner.client.ID)
			if err != nil {
				return err
			}
			if old, err = store.NewSites(tx).ByID(ctx, id); err != nil {
				return err
			}
			if err := siteQuota(o, old.QuotaMB, want.QuotaMB); err != nil {
				return err
			}
			want.ID = id
			return store.NewSites(tx).SetSettings(ctx, want)
		})
		if err != nil {
			return err
		}
		cur, err := t.isp.GetWebDomain(ctx, *t.ref.ISPID)
		if err == nil {
			q, tr := int64(want.QuotaMB), int64(want.TrafficMB)
			err = t.isp.UpdateWebDomain(ctx, *t.ref.ISPID, ispapi.WebDomainUpdate{
				Resettable: cur.Resettable(), HDQuota: &q, TrafficQuota: &tr, SSL: &want.SSL,
				SSLLetsEncrypt: &want.LetsEncrypt, PHP: &want.PHPMode,
			})
		}
		if err != nil && !ambiguous(err) {
			if rerr := store.NewSites(t.conn).SetSettings(context.WithoutCancel(ctx), old); rerr != nil {
				s.log.ErrorContext(ctx, "could not put a site's settings back", "id", id, "err", rerr)
			}
		}
		return err
	})
}

// SetSiteActive enables or disables a site, verified by reading it back.
func (s *Service) SetSiteActive(ctx context.Context, a Actor, id int64, active bool) error {
	action := "site.disable"
	if active {
		action = "site.enable"
	}
	return s.change(ctx, a, store.KindSite, id, action, fmt.Sprintf("site %d", id), func(ctx context.Context, t target) error {
		if err := t.isp.SetWebDomainActive(ctx, *t.ref.ISPID, active); err != nil {
			return err
		}
		return store.NewSites(t.conn).SetActive(ctx, id, active)
	})
}

// DeleteSite deletes a site in ISPConfig, then its row (releasing its domain claim).
func (s *Service) DeleteSite(ctx context.Context, a Actor, id int64) error {
	return s.remove(ctx, a, store.KindSite, id, "site.delete", fmt.Sprintf("site %d", id))
}

// SiteLive reads what ISPConfig has for a site (one call; detail pages only). ok is false when the platform did
// not answer.
func (s *Service) SiteLive(ctx context.Context, site store.Site) (ispapi.WebDomain, bool) {
	if site.ISPID == nil {
		return ispapi.WebDomain{}, false
	}
	c, err := store.NewCustomers(s.pool).ByID(ctx, site.CustomerID)
	if err != nil {
		return ispapi.WebDomain{}, false
	}
	isp, err := s.ten.ISP(c.PlatformID)
	if err != nil {
		return ispapi.WebDomain{}, false
	}
	w, err := isp.GetWebDomain(ctx, *site.ISPID)
	if err != nil {
		s.log.WarnContext(ctx, "site live read failed", "site_id", site.ID, "err", err)
		return w, false
	}
	return w, true
}
