package handlers

import (
	"context"
	"net/http"
	"strconv"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

func (h *Handler) sitesData(ctx context.Context, r *http.Request, p Principal) (views.SitesData, error) {
	lq, err := listQuery(r)
	if err != nil {
		return views.SitesData{}, err
	}
	const per = 25
	list, pg, err := h.hosting.Sites(ctx, h.actor(r), store.ListFilter{
		Query: lq.Q, Keyset: lq.Keyset, PerPage: per,
	})
	if err != nil {
		return views.SitesData{}, err
	}
	known := len(list) > 0
	for _, s := range list {
		known = known && s.Apply != ""
	}
	d := views.SitesData{
		QueueKnown:  known,
		ObjectPager: objectPager("/sites", lq, pg),
		Sites:       list, ShowCustomer: p.Effective.Role != store.RoleClient, PHPModes: h.opts.Settings.PHPModes,
		Form: views.SiteForm{PHP: h.opts.Settings.PHPModes[0], Active: true, QuotaMB: "1000", TrafficMB: "-1"},
	}
	if p.Effective.Role == store.RoleClient {
		if p.Customer == nil {
			if err := h.loadCustomer(ctx, &p); err != nil || p.Customer == nil {
				return d, err
			}
		}
		c, plan := *p.Customer, *p.Plan
		d.CanCreate = c.State == store.StateActive && !c.Suspended() && plan.MaxSites != 0
		d.MaxQuotaMB = plan.SiteQuotaMB
		if plan.SiteQuotaMB > 0 && plan.SiteQuotaMB < 1000 {
			d.Form.QuotaMB = strconv.Itoa(plan.SiteQuotaMB)
		}
		return d, nil
	}
	// The create form's search and choice, when it comes back with its errors.
	if d.Picker, err = h.clientPicker(ctx, r, "objects", r.PostFormValue("client_q"), r.PostFormValue("customer_id"), 0); err != nil {
		return d, err
	}
	d.CanCreate = d.Picker.Offers()
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

// siteCreate handles POST /sites (every role; admins and resellers name one of their active clients).
func (h *Handler) siteCreate(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	allowed := []string{"domain", "php", "ssl", "letsencrypt", "active", "quota_mb", "traffic_mb"}
	if p.Effective.Role != store.RoleClient {
		allowed = append(allowed, "customer_id", "client_q")
	}
	f, err := parseForm(r, allowed...)
	if err != nil {
		return err
	}
	in := views.SiteForm{CustomerID: f["customer_id"], Domain: f["domain"], PHP: f["php"], SSL: f["ssl"] != "",
		LetsEncrypt: f["letsencrypt"] != "", Active: f["active"] != "", QuotaMB: f["quota_mb"], TrafficMB: f["traffic_mb"]}
	id, err := h.hosting.CreateSite(r.Context(), h.actor(r), hosting.NewSite{
		Customer: f["customer_id"], Domain: f["domain"], Active: in.Active, SiteSettings: siteSettings(f),
	})
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			in.Errs = errs
			d, err := h.sitesData(r.Context(), r, p)
			if err != nil {
				return err
			}
			d.Form, d.CanCreate, d.Picker.Err = in, true, errs["customer_id"]
			if isPartial(r) {
				return h.renderFragment(w, r, http.StatusUnprocessableEntity, views.SiteCreateForm(d))
			}
			return h.render(w, r, http.StatusUnprocessableEntity, "Web sites", views.SitesPage(d))
		})
	}
	h.flash(r, "The web site was created. %s", i18n.Msg(h.siteNote(r.Context(), id)))
	redirect(w, r, "/sites/"+idString(id))
	return nil
}

// siteSettings reads the settings shared by the create and edit forms.
func siteSettings(f form) hosting.SiteSettings {
	return hosting.SiteSettings{PHP: f["php"], SSL: checked(f["ssl"]), LetsEncrypt: checked(f["letsencrypt"]),
		QuotaMB: f["quota_mb"], TrafficMB: f["traffic_mb"]}
}

// siteFromRoute loads the site the choke point resolved.
func (h *Handler) siteFromRoute(r *http.Request) (store.Site, error) {
	id, err := ownedID(r, "siteID")
	if err != nil {
		return store.Site{}, err
	}
	return h.hosting.Site(r.Context(), id)
}

func (h *Handler) siteDetail(ctx context.Context, p Principal, s store.Site) (views.SiteDetailData, error) {
	d := views.SiteDetailData{
		Site: s, ShowCustomer: p.Effective.Role != store.RoleClient, PHPModes: h.opts.Settings.PHPModes,
		Edit: views.SiteEdit{PHP: s.PHPMode, SSL: s.SSL, LetsEncrypt: s.LetsEncrypt,
			QuotaMB: strconv.Itoa(s.QuotaMB), TrafficMB: strconv.Itoa(s.TrafficMB)},
	}
	_, plan, err := h.customerAndPlan(ctx, p, s.CustomerID)
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
	id, err := ownedID(r, "siteID")
	if err != nil {
		return err
	}
	full, err := h.hosting.SiteDetail(ctx, id)
	if err != nil {
		return err
	}
	s := full.Site
	d, err := h.siteDetail(ctx, p, s)
	if err != nil {
		return err
	}
	d.Settings, d.Usage = full.Settings, full.Usage
	if s.ISPID != nil {
		d.Live.Checked = true
		if live, ok := h.hosting.SiteLive(ctx, s); ok {
			d.Live = liveSite(s, live)
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
// the quotas.
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
	if err := h.hosting.UpdateSite(ctx, h.actor(r), s.ID, siteSettings(f)); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			d, err := h.siteDetail(ctx, p, s)
			if err != nil {
				return err
			}
			d.Edit = views.SiteEdit{PHP: f["php"], SSL: f["ssl"] != "", LetsEncrypt: f["letsencrypt"] != "",
				QuotaMB: f["quota_mb"], TrafficMB: f["traffic_mb"], Errs: errs}
			if isPartial(r) {
				return h.renderFragment(w, r, http.StatusUnprocessableEntity, views.SiteEditForm(d))
			}
			return h.render(w, r, http.StatusUnprocessableEntity, s.Domain, views.SiteDetailPage(d))
		})
	}
	h.flash(r, "Saved. %s", i18n.Msg(h.siteNote(ctx, s.ID)))
	redirect(w, r, "/sites/"+idString(s.ID))
	return nil
}

// siteActive handles POST /sites/{siteID}/active (every role, own sites only; field active=y|n): enables or
// disables the site. htmx gets the updated row.
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
		return fail.Invalid("Say whether the site should be active (y or n).")
	}
	if err := h.hosting.SetSiteActive(ctx, h.actor(r), s.ID, active); err != nil {
		return err
	}
	if isPartial(r) {
		s.Active = active
		s.StateDetail = ""
		return h.renderFragment(w, r, http.StatusOK, views.SiteRow(s, p.Effective.Role != store.RoleClient))
	}
	if active {
		h.flash(r, "The site %s was enabled. %s", s.Domain, i18n.Msg(h.siteNote(r.Context(), s.ID)))
	} else {
		h.flash(r, "The site %s was disabled. %s", s.Domain, i18n.Msg(h.siteNote(r.Context(), s.ID)))
	}
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
	return h.render(w, r, http.StatusOK, i18n.Tf(r.Context(), "Delete %s", s.Domain), views.SiteDeletePage(s))
}

// siteDelete handles POST /sites/{siteID}/delete (every role, own sites only). Without confirm=yes it shows the
// confirmation step. It marks the site deleting, deletes it in ISPConfig and then removes the row; when ISPConfig
// fails, the site goes back to its previous state and nothing is removed. htmx gets an empty row.
func (h *Handler) siteDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := h.siteFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusOK, i18n.Tf(r.Context(), "Delete %s", s.Domain), views.SiteDeletePage(s))
	}
	if err := h.hosting.DeleteSite(ctx, h.actor(r), s.ID); err != nil {
		return err
	}
	if isPartial(r) {
		w.Header().Add("Vary", "HX-Request")
		w.WriteHeader(http.StatusOK) // htmx replaces the row with nothing
		return nil
	}
	h.flash(r, "The site %s was deleted. %s", s.Domain, i18n.Msg(views.ApplyDelayNote))
	redirect(w, r, "/sites")
	return nil
}

// siteNote is the sentence about ISPConfig's delay after a write to a site: that it shows as applying when the
// portal reads the web server's queue, the general sentence otherwise.
func (h *Handler) siteNote(ctx context.Context, id int64) string {
	if s, err := h.hosting.Site(ctx, id); err == nil && s.Apply != "" {
		return views.QueueNote
	}
	return views.ApplyDelayNote
}
