package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

// siteRoutes registers the web-site screens (signed-in, any role; ownership via the choke point).
func (h *Handler) siteRoutes(r chi.Router) {
	r.Get("/sites", h.wrap(h.siteList))
	r.Post("/sites", h.wrap(h.siteCreate))
	r.Get("/sites/{siteID}", h.wrap(h.siteShow))
	r.Post("/sites/{siteID}", h.wrap(h.siteUpdate))
	r.Post("/sites/{siteID}/active", h.wrap(h.siteActive))
	r.Get("/sites/{siteID}/delete", h.wrap(h.siteDeleteConfirm))
	r.Post("/sites/{siteID}/delete", h.wrap(h.siteDelete))
}

// fieldErr is a validation failure found inside a transaction, shown next to a form field ("form": above it).
type fieldErr struct{ field, msg string }

func (e *fieldErr) Error() string { return e.field + ": " + e.msg }

// objectLevel is one plan an object counts against: the client's own, then its reseller's.
type objectLevel struct {
	who   string
	owner store.Customer
	plan  store.Plan
	used  store.Usage
}

// lockObjectOwner locks the client's customer row (its reseller's row first, the one order every request uses)
// until tx ends, refuses a client that writable refuses, and reads the usage from the portal's own rows. Sites,
// domains and mail all count their limits through it.
func lockObjectOwner(ctx context.Context, tx pgx.Tx, clientID int64, writable func(store.Customer) error) (store.Customer, []objectLevel, error) {
	customers := store.NewCustomers(tx)
	c, err := customers.ByID(ctx, clientID)
	if err != nil {
		return c, nil, err
	}
	var reseller *store.Customer
	if c.ResellerID != nil {
		r, err := customers.Lock(ctx, *c.ResellerID)
		if err != nil {
			return c, nil, err
		}
		reseller = &r
	}
	if c, err = customers.Lock(ctx, clientID); err != nil {
		return c, nil, err
	}
	if err := writable(c); err != nil {
		return c, nil, err
	}
	var levels []objectLevel
	add := func(who string, cu store.Customer) error {
		plan, err := store.NewPlans(tx).ByID(ctx, cu.PlanID)
		if err != nil {
			return err
		}
		u, err := customers.UsageOf(ctx, cu)
		levels = append(levels, objectLevel{who: who, owner: cu, plan: plan, used: u})
		return err
	}
	if err := add("The client's plan", c); err != nil {
		return c, nil, err
	}
	if reseller != nil {
		if err := add("The reseller's plan", *reseller); err != nil {
			return c, nil, err
		}
	}
	return c, levels, nil
}

// objectWritable refuses changes for a client that is suspended or not (yet) in ISPConfig.
func objectWritable(c store.Customer) error {
	if c.Suspended() {
		return userErr(http.StatusForbidden, "This client is suspended: its web sites and domains can't be changed until it is unsuspended.")
	}
	if c.State != store.StateActive || c.ISPClientID == nil || c.ISPGroupID == nil {
		return userErr(http.StatusConflict, "This client is not set up on the hosting platform yet ("+c.State+"), so nothing can be created for it.")
	}
	return nil
}

// pickableClients lists the active, unsuspended clients the effective admin or reseller may create objects for
// (the first 100 by name).
func (h *Handler) pickableClients(ctx context.Context, p Principal) ([]views.ClientOption, error) {
	list, _, err := store.NewCustomers(h.pool).List(ctx, store.ScopeOf(p.Effective), store.CustomerFilter{
		Kind: store.RoleClient, PerPage: 100,
	})
	if err != nil {
		return nil, err
	}
	var out []views.ClientOption
	for _, c := range list {
		if c.State == store.StateActive && !c.Suspended() {
			out = append(out, views.ClientOption{ID: c.ID, Name: c.Name})
		}
	}
	return out, nil
}

// formClient returns the client an object is created for: a client's own customer, or for admins and resellers
// the customer_id from the form, resolved in their scope. Anything else is a field error, never a lookup across
// tenants.
func (h *Handler) formClient(ctx context.Context, p Principal, raw string) (store.Customer, error) {
	if p.Effective.Role == store.RoleClient {
		if p.Effective.CustomerID == nil {
			return store.Customer{}, errNotFound
		}
		return store.NewCustomers(h.pool).ByID(ctx, *p.Effective.CustomerID)
	}
	bad := &fieldErr{"customer_id", "Choose one of your active clients."}
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || id <= 0 {
		return store.Customer{}, bad
	}
	if err := store.Resolve(ctx, h.pool, store.ScopeOf(p.Effective), store.KindCustomer, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Customer{}, bad
		}
		return store.Customer{}, err
	}
	c, err := store.NewCustomers(h.pool).ByID(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Kind != store.RoleClient || c.State != store.StateActive {
		return c, bad
	}
	return c, nil
}

// flag reads a checkbox: absent is false, "y"/"on" true, anything else an error.
func flag(f form, name string, errs views.FieldErrors) bool {
	switch f[name] {
	case "":
		return false
	case "y", "on", "true", "1":
		return true
	}
	errs[name] = "Tick or untick this box."
	return false
}

// megabytes reads a quota in MB: -1 (unlimited) or 1…1,000,000,000. ISPConfig treats 0 as empty and refuses it.
func megabytes(f form, name string, errs views.FieldErrors) int {
	n, err := strconv.Atoi(strings.TrimSpace(f[name]))
	if err != nil || n == 0 || n < -1 || n > 1_000_000_000 {
		errs[name] = "Enter a number of MB from 1 to 1000000000, or -1 for unlimited."
		return 0
	}
	return n
}

// siteSettings reads and checks the settings shared by the create and edit forms.
func (h *Handler) siteSettings(f form, errs views.FieldErrors) store.Site {
	s := store.Site{
		PHPMode: f["php"], SSL: flag(f, "ssl", errs), LetsEncrypt: flag(f, "letsencrypt", errs),
		QuotaMB: megabytes(f, "quota_mb", errs), TrafficMB: megabytes(f, "traffic_mb", errs),
	}
	if !slices.Contains(h.opts.Settings.PHPModes, s.PHPMode) {
		errs["php"] = "Choose one of the offered PHP modes."
	}
	if s.LetsEncrypt && !s.SSL {
		errs["letsencrypt"] = "A Let's Encrypt certificate needs SSL turned on."
	}
	return s
}

// checkQuota checks a site's disk quota against the client's plan.
func checkQuota(plan store.Plan, quota int) error {
	if plan.SiteQuotaMB == store.Unlimited {
		return nil
	}
	if quota == store.Unlimited || quota > plan.SiteQuotaMB {
		return &fieldErr{"quota_mb", fmt.Sprintf("The plan allows at most %d MB of disk per site.", plan.SiteQuotaMB)}
	}
	return nil
}

func (h *Handler) sitesData(ctx context.Context, r *http.Request, p Principal) (views.SitesData, error) {
	lq, err := listQuery(r)
	if err != nil {
		return views.SitesData{}, err
	}
	const per = 25
	list, total, err := store.NewSites(h.pool).List(ctx, store.ScopeOf(p.Effective), store.ListFilter{
		Query: lq.Q, Page: lq.Page, PerPage: per,
	})
	if err != nil {
		return views.SitesData{}, err
	}
	d := views.SitesData{
		ObjectPager: views.ObjectPager{Base: "/sites", Query: lq.Q, Page: lq.Page, Pages: (total + per - 1) / per, Total: total},
		Sites:       list, ShowCustomer: p.Effective.Role != store.RoleClient, PHPModes: h.opts.Settings.PHPModes,
		Form: views.SiteForm{PHP: h.opts.Settings.PHPModes[0], Active: true, QuotaMB: "1000", TrafficMB: "-1"},
	}
	if p.Effective.Role == store.RoleClient {
		if p.Effective.CustomerID == nil {
			return d, nil
		}
		c, err := store.NewCustomers(h.pool).ByID(ctx, *p.Effective.CustomerID)
		if err != nil {
			return d, err
		}
		plan, err := store.NewPlans(h.pool).ByID(ctx, c.PlanID)
		if err != nil {
			return d, err
		}
		d.CanCreate = objectWritable(c) == nil && plan.MaxSites != 0
		d.MaxQuotaMB = plan.SiteQuotaMB
		if plan.SiteQuotaMB > 0 && plan.SiteQuotaMB < 1000 {
			d.Form.QuotaMB = strconv.Itoa(plan.SiteQuotaMB)
		}
		return d, nil
	}
	if d.Clients, err = h.pickableClients(ctx, p); err != nil {
		return d, err
	}
	d.CanCreate = len(d.Clients) > 0
	return d, nil
}

// siteList handles GET /sites (every role): the sites the effective account may see, filtered and paginated in
// SQL, with the inline create form. It needs only Postgres.
func (h *Handler) siteList(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	d, err := h.sitesData(r.Context(), r, p)
	if err != nil {
		return err
	}
	if isPartial(r) && r.Header.Get("HX-Target") == "site-results" {
		return h.render(w, r, http.StatusOK, "Web sites", views.SiteResults(d))
	}
	return h.render(w, r, http.StatusOK, "Web sites", views.SitesPage(d))
}

// siteFormError re-renders the create form with inline errors (422), as a fragment for htmx or within the list.
func (h *Handler) siteFormError(w http.ResponseWriter, r *http.Request, p Principal, in views.SiteForm) error {
	d, err := h.sitesData(r.Context(), r, p)
	if err != nil {
		return err
	}
	d.Form = in
	d.CanCreate = true
	if isPartial(r) {
		return h.renderFragment(w, r, http.StatusUnprocessableEntity, views.SiteCreateForm(d))
	}
	return h.render(w, r, http.StatusUnprocessableEntity, "Web sites", views.SitesPage(d))
}

// siteCreate handles POST /sites (every role; admins and resellers name one of their active clients). It
// validates everything, checks the plan's limits and records a pending site in one transaction that holds the
// client's (and reseller's) row lock, then creates the site in ISPConfig and records the outcome.
func (h *Handler) siteCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	allowed := []string{"domain", "php", "ssl", "letsencrypt", "active", "quota_mb", "traffic_mb"}
	if p.Effective.Role != store.RoleClient {
		allowed = append(allowed, "customer_id")
	}
	f, err := parseForm(r, allowed...)
	if err != nil {
		return err
	}
	errs := views.FieldErrors{}
	in := views.SiteForm{CustomerID: f["customer_id"], Domain: f["domain"], PHP: f["php"], SSL: f["ssl"] != "",
		LetsEncrypt: f["letsencrypt"] != "", Active: f["active"] != "", QuotaMB: f["quota_mb"], TrafficMB: f["traffic_mb"], Errs: errs}
	domain, derr := ispapi.NormalizeDomain(f["domain"])
	if derr != nil {
		errs["domain"] = "Enter a domain name like example.com."
	}
	want := h.siteSettings(f, errs)
	want.Active = flag(f, "active", errs)
	want.Domain = domain
	client, err := h.formClient(ctx, p, f["customer_id"])
	var fe *fieldErr
	if errors.As(err, &fe) {
		errs[fe.field] = fe.msg
	} else if err != nil {
		return err
	}
	if len(errs) == 0 {
		ok, err := h.domainAllowed(ctx, client.ID, domain)
		if err != nil {
			return err
		}
		if !ok {
			errs["domain"] = "This domain is not one of the client's allowed domains."
		}
	}
	if len(errs) > 0 {
		h.audited(r, p, "site.create", "site", "", store.OutcomeFailure, "invalid input: "+strings.Join(keys(errs), ", "))
		return h.siteFormError(w, r, p, in)
	}

	var site store.Site
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		c, levels, err := lockObjectOwner(ctx, tx, client.ID, objectWritable)
		if err != nil {
			return err
		}
		client = c
		for _, l := range levels {
			if l.plan.MaxSites != store.Unlimited && l.used.Sites >= l.plan.MaxSites {
				return &fieldErr{"form", fmt.Sprintf("%s allows %d web sites, and all are in use.", l.who, l.plan.MaxSites)}
			}
		}
		if err := checkQuota(levels[0].plan, want.QuotaMB); err != nil {
			return err
		}
		want.CustomerID = c.ID
		site, err = store.NewSites(tx).Create(ctx, want)
		if errors.Is(err, store.ErrConflict) {
			return &fieldErr{"domain", "A web site for this domain already exists."}
		}
		return err
	})
	if errors.As(err, &fe) {
		errs[fe.field] = fe.msg
		h.audited(r, p, "site.create", "site", "", store.OutcomeFailure, domain+": "+fe.msg)
		return h.siteFormError(w, r, p, in)
	}
	if err != nil {
		h.audited(r, p, "site.create", "site", "", store.OutcomeFailure, domain+": "+err.Error())
		return err
	}

	if err := h.provisionSite(ctx, client, site); err != nil {
		h.audited(r, p, "site.create", "site", idString(site.ID), store.OutcomeFailure, domain+": "+err.Error())
		if errors.As(err, &fe) {
			errs[fe.field] = fe.msg
			return h.siteFormError(w, r, p, in)
		}
		return err
	}
	h.audited(r, p, "site.create", "site", idString(site.ID), store.OutcomeSuccess, domain)
	h.flash(r, "The web site "+domain+" was created. "+views.ApplyDelayNote)
	redirect(w, r, "/sites/"+idString(site.ID))
	return nil
}

// webDomainParams is everything ISPConfig needs for a new site: the portal's choices, and the server and IP from
// the platform configuration (never from the request).
func (h *Handler) webDomainParams(s store.Site) ispapi.WebDomainParams {
	return ispapi.WebDomainParams{
		ServerID: h.opts.Platform.WebServerID, IPAddress: "*", Domain: s.Domain,
		HDQuota: int64(s.QuotaMB), TrafficQuota: int64(s.TrafficMB), SuExec: true, ErrorDocs: true, Subdomain: "www",
		SSL: s.SSL, SSLLetsEncrypt: s.LetsEncrypt, PHP: s.PHPMode, Active: s.Active, StatsType: "awstats",
		BackupInterval: "none", BackupCopies: 1, BackupFormatWeb: "default", BackupFormatDB: "gzip",
		AllowOverride: "All", PHPFPMUseSocket: true, PM: "ondemand", PMProcessIdleTimeout: 10, HTTPPort: 80,
		HTTPSPort: 443,
		Resettable: ispapi.WebDomainResettable{LogRetention: 30, PMMaxChildren: 10, PMStartServers: 2,
			PMMinSpareServers: 1, PMMaxSpareServers: 5},
	}
}

// provisionSite creates a pending site in ISPConfig and records the outcome. Nothing is left half-made: a refusal
// or an unreachable platform removes the pending row (after an ambiguous failure the client has already looked
// the site up; a later retry adopts a site its earlier attempt left in ISPConfig for the same client), and a
// site ISPConfig stored differently from what was sent is deleted there again.
func (h *Handler) provisionSite(ctx context.Context, client store.Customer, site store.Site) error {
	cleanup := context.WithoutCancel(ctx)
	sites := store.NewSites(h.pool)
	isp, err := h.tenancy.ISP(client.PlatformID)
	if err != nil {
		_ = sites.Delete(cleanup, site.ID)
		return err
	}
	ispID, err := isp.AddWebDomain(ctx, *client.ISPClientID, h.webDomainParams(site))
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	switch {
	case err == nil:
	case errors.As(err, &me) && me.ID > 0:
		if derr := isp.DeleteWebDomain(cleanup, me.ID); derr != nil {
			_ = sites.SetFailed(cleanup, site.ID, &me.ID, "ISPConfig stored different values ("+strings.Join(me.Fields, ", ")+
				") and removing it there failed; delete the site here to try again")
			return err
		}
		_ = sites.Delete(cleanup, site.ID)
		return err
	case errors.As(err, &ve) && !ve.Local && ve.Has("domain_error_unique"):
		// Perhaps our own earlier attempt, whose answer was lost: adopt it when it is this client's.
		existing, lerr := isp.WebDomainByName(ctx, site.Domain, h.opts.Platform.WebServerID)
		if lerr != nil || int64(existing.SysGroupID) != *client.ISPGroupID {
			_ = sites.Delete(cleanup, site.ID)
			return &fieldErr{"domain", "This domain already has a web site on the hosting platform."}
		}
		ispID = int64(existing.ID)
		site.PHPMode, site.SSL, site.LetsEncrypt = existing.PHP, bool(existing.SSL), bool(existing.SSLLetsEncrypt)
		site.QuotaMB, site.TrafficMB = int(existing.HDQuota), int(existing.TrafficQuota)
		_ = sites.SetSettings(cleanup, site)
	case errors.As(err, &ve) && !ve.Local:
		_ = sites.Delete(cleanup, site.ID)
		return &fieldErr{"form", "The hosting platform refused the site (" + strings.Join(ve.Keys, ", ") + ")."}
	default:
		_ = sites.Delete(cleanup, site.ID)
		return err
	}
	ok, err := sites.SetProvisioned(cleanup, site.ID, ispID)
	if err != nil {
		return err
	}
	if !ok {
		// Deleted while it was being created: undo, so ISPConfig keeps no orphan.
		_ = isp.DeleteWebDomain(cleanup, ispID)
		return userErr(http.StatusConflict, "The site was deleted while it was being created.")
	}
	return nil
}

func keys(m views.FieldErrors) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// siteFromRoute loads the site the choke point resolved.
func (h *Handler) siteFromRoute(r *http.Request) (store.Site, error) {
	id, err := ownedID(r, "siteID")
	if err != nil {
		return store.Site{}, err
	}
	return store.NewSites(h.pool).ByID(r.Context(), id)
}

// siteReady checks that a site exists in ISPConfig and that its client may change it.
func (h *Handler) siteReady(ctx context.Context, s store.Site) (store.Customer, error) {
	c, err := store.NewCustomers(h.pool).ByID(ctx, s.CustomerID)
	if err != nil {
		return c, err
	}
	if err := objectWritable(c); err != nil {
		return c, err
	}
	if s.State != store.StateActive || s.ISPID == nil {
		return c, userErr(http.StatusConflict, "This site can't be changed while it is "+s.State+".")
	}
	return c, nil
}

func (h *Handler) siteDetail(ctx context.Context, p Principal, s store.Site) (views.SiteDetailData, error) {
	d := views.SiteDetailData{
		Site: s, ShowCustomer: p.Effective.Role != store.RoleClient, PHPModes: h.opts.Settings.PHPModes,
		Edit: views.SiteEdit{PHP: s.PHPMode, SSL: s.SSL, LetsEncrypt: s.LetsEncrypt,
			QuotaMB: strconv.Itoa(s.QuotaMB), TrafficMB: strconv.Itoa(s.TrafficMB)},
	}
	c, err := store.NewCustomers(h.pool).ByID(ctx, s.CustomerID)
	if err != nil {
		return d, err
	}
	plan, err := store.NewPlans(h.pool).ByID(ctx, c.PlanID)
	if err != nil {
		return d, err
	}
	d.MaxQuotaMB = plan.SiteQuotaMB
	return d, nil
}

// siteShow handles GET /sites/{siteID} (every role, own sites only): the portal's record, what ISPConfig reports
// (one read; the page still works when ISPConfig does not answer) and the edit form.
func (h *Handler) siteShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	s, err := h.siteFromRoute(r)
	if err != nil {
		return err
	}
	d, err := h.siteDetail(ctx, p, s)
	if err != nil {
		return err
	}
	if s.ISPID != nil {
		c, err := store.NewCustomers(h.pool).ByID(ctx, s.CustomerID)
		if err != nil {
			return err
		}
		d.Live.Checked = true
		if isp, err := h.tenancy.ISP(c.PlatformID); err == nil {
			if live, err := isp.GetWebDomain(ctx, *s.ISPID); err == nil {
				d.Live = liveSite(s, live)
			} else {
				h.log.WarnContext(ctx, "site live read failed", "site_id", s.ID, "err", err)
			}
		}
	}
	return h.render(w, r, http.StatusOK, s.Domain, views.SiteDetailPage(d))
}

func liveSite(s store.Site, w ispapi.WebDomain) views.SiteLive {
	l := views.SiteLive{Checked: true, Available: true, Active: bool(w.Active), DocumentRoot: w.DocumentRoot, SystemUser: w.SystemUser}
	diff := func(name string, same bool) {
		if !same {
			l.Differs = append(l.Differs, name)
		}
	}
	diff("PHP", w.PHP == s.PHPMode)
	diff("SSL", bool(w.SSL) == s.SSL)
	diff("Let's Encrypt", bool(w.SSLLetsEncrypt) == s.LetsEncrypt)
	diff("disk quota", int(w.HDQuota) == s.QuotaMB)
	diff("traffic quota", int(w.TrafficQuota) == s.TrafficMB)
	diff("active", bool(w.Active) == s.Active)
	return l
}

// siteUpdate handles POST /sites/{siteID} (every role, own sites only): changes PHP mode, SSL, Let's Encrypt and
// the quotas. It reads the site once for the values ISPConfig resets when they are omitted (API.md §6 quirk 21),
// then writes and verifies.
func (h *Handler) siteUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	s, err := h.siteFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "php", "ssl", "letsencrypt", "quota_mb", "traffic_mb")
	if err != nil {
		return err
	}
	errs := views.FieldErrors{}
	want := h.siteSettings(f, errs)
	d, err := h.siteDetail(ctx, p, s)
	if err != nil {
		return err
	}
	d.Edit = views.SiteEdit{PHP: f["php"], SSL: f["ssl"] != "", LetsEncrypt: f["letsencrypt"] != "",
		QuotaMB: f["quota_mb"], TrafficMB: f["traffic_mb"], Errs: errs}
	if errs["quota_mb"] == "" {
		if err := checkQuota(store.Plan{Limits: store.Limits{SiteQuotaMB: d.MaxQuotaMB}}, want.QuotaMB); err != nil {
			errs["quota_mb"] = err.(*fieldErr).msg
		}
	}
	fail := func(status int) error {
		if isPartial(r) {
			return h.renderFragment(w, r, status, views.SiteEditForm(d))
		}
		return h.render(w, r, status, s.Domain, views.SiteDetailPage(d))
	}
	if len(errs) > 0 {
		h.audited(r, p, "site.update", "site", idString(s.ID), store.OutcomeFailure, "invalid input: "+strings.Join(keys(errs), ", "))
		return fail(http.StatusUnprocessableEntity)
	}
	c, err := h.siteReady(ctx, s)
	if err != nil {
		h.audited(r, p, "site.update", "site", idString(s.ID), store.OutcomeFailure, err.Error())
		return err
	}
	isp, err := h.tenancy.ISP(c.PlatformID)
	if err != nil {
		return err
	}
	err = func() error {
		cur, err := isp.GetWebDomain(ctx, *s.ISPID)
		if err != nil {
			return err
		}
		q, t := int64(want.QuotaMB), int64(want.TrafficMB)
		return isp.UpdateWebDomain(ctx, *s.ISPID, ispapi.WebDomainUpdate{
			Resettable: cur.Resettable(), HDQuota: &q, TrafficQuota: &t, SSL: &want.SSL,
			SSLLetsEncrypt: &want.LetsEncrypt, PHP: &want.PHPMode,
		})
	}()
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	switch {
	case err == nil:
	case errors.As(err, &ve) && !ve.Local:
		h.audited(r, p, "site.update", "site", idString(s.ID), store.OutcomeFailure, err.Error())
		errs["form"] = "The hosting platform refused the change (" + strings.Join(ve.Keys, ", ") + ")."
		return fail(http.StatusUnprocessableEntity)
	case errors.As(err, &me):
		_ = store.NewSites(h.pool).SetDetail(context.WithoutCancel(ctx), s.ID,
			"the last change was not stored as sent ("+strings.Join(me.Fields, ", ")+"); check the settings")
		fallthrough
	default:
		h.audited(r, p, "site.update", "site", idString(s.ID), store.OutcomeFailure, err.Error())
		return err
	}
	want.ID = s.ID
	if err := store.NewSites(h.pool).SetSettings(ctx, want); err != nil {
		return err
	}
	h.audited(r, p, "site.update", "site", idString(s.ID), store.OutcomeSuccess, s.Domain)
	h.flash(r, "Saved. "+views.ApplyDelayNote)
	redirect(w, r, "/sites/"+idString(s.ID))
	return nil
}

// siteActive handles POST /sites/{siteID}/active (every role, own sites only; field active=y|n): enables or
// disables the site, verified by reading it back. htmx gets the updated row.
func (h *Handler) siteActive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	s, err := h.siteFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "active")
	if err != nil {
		return err
	}
	var active bool
	switch f["active"] {
	case "y":
		active = true
	case "n":
	default:
		return userErr(http.StatusBadRequest, "Say whether the site should be active (y or n).")
	}
	action := "site.disable"
	if active {
		action = "site.enable"
	}
	c, err := h.siteReady(ctx, s)
	if err != nil {
		h.audited(r, p, action, "site", idString(s.ID), store.OutcomeFailure, err.Error())
		return err
	}
	isp, err := h.tenancy.ISP(c.PlatformID)
	if err == nil {
		err = isp.SetWebDomainActive(ctx, *s.ISPID, active)
	}
	if err != nil {
		h.audited(r, p, action, "site", idString(s.ID), store.OutcomeFailure, err.Error())
		return err
	}
	if err := store.NewSites(h.pool).SetActive(ctx, s.ID, active); err != nil {
		return err
	}
	h.audited(r, p, action, "site", idString(s.ID), store.OutcomeSuccess, s.Domain)
	if isPartial(r) {
		s.Active = active
		s.StateDetail = ""
		return h.renderFragment(w, r, http.StatusOK, views.SiteRow(s, p.Effective.Role != store.RoleClient))
	}
	state := "disabled"
	if active {
		state = "enabled"
	}
	h.flash(r, "The site "+s.Domain+" was "+state+". "+views.ApplyDelayNote)
	redirect(w, r, "/sites")
	return nil
}

// siteDeleteConfirm handles GET /sites/{siteID}/delete (every role, own sites only): the confirmation step for
// browsers without JavaScript.
func (h *Handler) siteDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	s, err := h.siteFromRoute(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Delete "+s.Domain, views.SiteDeletePage(s))
}

// siteDelete handles POST /sites/{siteID}/delete (every role, own sites only). Without confirm=yes it shows the
// confirmation step. It marks the site deleting, deletes it in ISPConfig and then removes the row; when ISPConfig
// fails, the site goes back to its previous state and nothing is removed. htmx gets an empty row.
func (h *Handler) siteDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	s, err := h.siteFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, "Delete "+s.Domain, views.SiteDeletePage(s))
	}
	c, err := store.NewCustomers(h.pool).ByID(ctx, s.CustomerID)
	if err != nil {
		return err
	}
	if c.Suspended() {
		err := objectWritable(c)
		h.audited(r, p, "site.delete", "site", idString(s.ID), store.OutcomeFailure, err.Error())
		return err
	}
	sites := store.NewSites(h.pool)
	ok, err := sites.SetState(ctx, s.ID, store.StateDeleting, "", store.StateActive, store.StateFailed, store.StatePending)
	if err != nil {
		return err
	}
	if !ok {
		return userErr(http.StatusConflict, "This site is already being deleted.")
	}
	if s.ISPID != nil {
		isp, err := h.tenancy.ISP(c.PlatformID)
		if err == nil {
			err = isp.DeleteWebDomain(ctx, *s.ISPID)
		}
		if err != nil {
			_, _ = sites.SetState(context.WithoutCancel(ctx), s.ID, s.State, s.StateDetail, store.StateDeleting)
			h.audited(r, p, "site.delete", "site", idString(s.ID), store.OutcomeFailure, err.Error())
			return err
		}
	}
	if err := sites.Delete(ctx, s.ID); err != nil {
		return err
	}
	h.audited(r, p, "site.delete", "site", idString(s.ID), store.OutcomeSuccess, s.Domain)
	if isPartial(r) {
		w.Header().Add("Vary", "HX-Request")
		w.WriteHeader(http.StatusOK) // htmx replaces the row with nothing
		return nil
	}
	h.flash(r, "The site "+s.Domain+" was deleted. "+views.ApplyDelayNote)
	redirect(w, r, "/sites")
	return nil
}
