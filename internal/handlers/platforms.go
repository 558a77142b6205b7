package handlers

import (
	"net/http"

	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// platformsData is the platforms page: every platform with its customers and whether the portal reaches it.
func (h *Handler) platformsData(r *http.Request, form views.PlatformForm) (views.PlatformsData, error) {
	ctx := r.Context()
	list, err := store.NewPlatforms(h.pool).List(ctx)
	if err != nil {
		return views.PlatformsData{}, err
	}
	counts, err := store.NewPlatforms(h.pool).Customers(ctx)
	if err != nil {
		return views.PlatformsData{}, err
	}
	d := views.PlatformsData{CanAdd: h.tenancy.CanAddPlatforms(), Form: form}
	for _, p := range list {
		_, err := h.tenancy.ISP(p.ID)
		d.Platforms = append(d.Platforms, views.PlatformRow{Platform: p, Customers: counts[p.ID], Loaded: err == nil,
			Down: h.opts.Health.For(p.ID).Down()})
	}
	return d, nil
}

// platformsList serves GET /admin/platforms.
func (h *Handler) platformsList(w http.ResponseWriter, r *http.Request) error {
	d, err := h.platformsData(r, views.PlatformForm{TLSVerify: true, WebServerID: "1", MailServerID: "1"})
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Platforms", views.PlatformsPage(d))
}

// platformAdd serves POST /admin/platforms: validate, test the login, store with the password encrypted.
func (h *Handler) platformAdd(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	f, err := parseForm(r, "name", "url", "user", "password", "tls_verify", "web_server_id", "mail_server_id", "default")
	if err != nil {
		return err
	}
	in := tenancy.NewPlatform{Name: f["name"], URL: f["url"], User: f["user"], Password: f["password"],
		TLSVerify: checked(f["tls_verify"]), WebServerID: f["web_server_id"], MailServerID: f["mail_server_id"],
		Default: checked(f["default"])}
	created, err := h.tenancy.AddPlatform(r.Context(), in)
	if err != nil {
		h.audited(r, p, "platform.add", "platform", in.Name, store.OutcomeFailure, err.Error())
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			d, err := h.platformsData(r, views.PlatformForm{Name: in.Name, URL: in.URL, User: in.User,
				WebServerID: in.WebServerID, MailServerID: in.MailServerID, TLSVerify: in.TLSVerify, Default: in.Default, Errs: errs})
			if err != nil {
				return err
			}
			return h.render(w, r, http.StatusUnprocessableEntity, "Platforms", views.PlatformsPage(d))
		})
	}
	h.audited(r, p, "platform.add", "platform", idString(created.ID), store.OutcomeSuccess, created.Name+" "+created.Endpoint)
	h.flash(r, "The platform %s was added; its login works.", created.Name)
	redirect(w, r, "/admin/platforms")
	return nil
}

// platformTest serves POST /admin/platforms/{platformID}/test: log in now.
func (h *Handler) platformTest(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	id, err := ownedID(r, "platformID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	problem, err := h.tenancy.TestPlatform(r.Context(), id)
	if err != nil {
		return err
	}
	if problem != "" {
		h.audited(r, p, "platform.test", "platform", idString(id), store.OutcomeFailure, problem)
		h.flash(r, "The login test failed: %s.", problem)
	} else {
		h.audited(r, p, "platform.test", "platform", idString(id), store.OutcomeSuccess, "")
		h.flash(r, "The login works.")
	}
	redirect(w, r, "/admin/platforms")
	return nil
}

// platformDefault serves POST /admin/platforms/{platformID}/default.
func (h *Handler) platformDefault(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	id, err := ownedID(r, "platformID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := store.NewPlatforms(h.pool).SetDefault(r.Context(), id); err != nil {
		return err
	}
	h.audited(r, p, "platform.default", "platform", idString(id), store.OutcomeSuccess, "")
	h.flash(r, "New resellers and direct clients are created on this platform from now on.")
	redirect(w, r, "/admin/platforms")
	return nil
}
