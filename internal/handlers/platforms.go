package handlers

import (
	"net/http"

	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// platformsData is the platforms page: every platform with its customers and whether the portal reaches it.
func (h *Handler) platformsData(r *http.Request, form views.PlatformForm) (views.PlatformsData, error) {
	list, err := h.tenancy.Platforms(r.Context())
	if err != nil {
		return views.PlatformsData{}, err
	}
	d := views.PlatformsData{CanAdd: h.tenancy.CanAddPlatforms(), Form: form}
	for _, p := range list {
		d.Platforms = append(d.Platforms, views.PlatformRow{Platform: p.Platform, Customers: p.Customers, Loaded: p.Loaded,
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
	f, err := parseForm(r, "name", "url", "user", "password", "tls_verify", "web_server_id", "mail_server_id", "default")
	if err != nil {
		return err
	}
	in := tenancy.NewPlatform{Name: f["name"], URL: f["url"], User: f["user"], Password: f["password"],
		TLSVerify: checked(f["tls_verify"]), WebServerID: f["web_server_id"], MailServerID: f["mail_server_id"],
		Default: checked(f["default"])}
	created, err := h.tenancy.AddPlatform(r.Context(), h.actor(r), in)
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			d, err := h.platformsData(r, views.PlatformForm{Name: in.Name, URL: in.URL, User: in.User,
				WebServerID: in.WebServerID, MailServerID: in.MailServerID, TLSVerify: in.TLSVerify, Default: in.Default, Errs: errs})
			if err != nil {
				return err
			}
			return h.render(w, r, http.StatusUnprocessableEntity, "Platforms", views.PlatformsPage(d))
		})
	}
	h.flash(r, "The platform %s was added; its login works.", created.Name)
	redirect(w, r, "/admin/platforms")
	return nil
}

// platformTest serves POST /admin/platforms/{platformID}/test: log in now.
func (h *Handler) platformTest(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "platformID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	problem, err := h.tenancy.TestPlatform(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	if problem != "" {
		h.flash(r, "The login test failed: %s.", problem)
	} else {
		h.flash(r, "The login works.")
	}
	redirect(w, r, "/admin/platforms")
	return nil
}

// platformDefault serves POST /admin/platforms/{platformID}/default.
func (h *Handler) platformDefault(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "platformID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.tenancy.SetDefaultPlatform(r.Context(), h.actor(r), id); err != nil {
		return err
	}
	h.flash(r, "New resellers and direct clients are created on this platform from now on.")
	redirect(w, r, "/admin/platforms")
	return nil
}

// platformSettingsForm spells stored settings as the form shows them.
func platformSettingsForm(p store.PlatformSettings) views.HostSettingsForm {
	f := tenancy.FormOf(p)
	return views.HostSettingsForm{WebIPv4: f.WebIPv4, WebIPv6: f.WebIPv6, SFTPHost: f.SFTPHost, IMAPHost: f.IMAPHost,
		IMAPPort: f.IMAPPort, POP3Host: f.POP3Host, POP3Port: f.POP3Port, SMTPHost: f.SMTPHost, SMTPPort: f.SMTPPort,
		WebmailURL: f.WebmailURL, MXHosts: f.MXHosts, SPF: f.SPFText}
}

// platformSettings serves GET /admin/platforms/{platformID}: what the platform's customers are told to use.
func (h *Handler) platformSettings(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "platformID")
	if err != nil {
		return err
	}
	pl, st, err := h.tenancy.PlatformSettings(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, pl.Name, views.PlatformSettingsPage(views.PlatformSettingsData{Platform: pl, Form: platformSettingsForm(st)}))
}

// platformSettingsSave serves POST /admin/platforms/{platformID}/settings: validated, stored, audited.
func (h *Handler) platformSettingsSave(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "platformID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "web_ipv4", "web_ipv6", "sftp_host", "imap_host", "imap_port", "pop3_host", "pop3_port",
		"smtp_host", "smtp_port", "webmail_url", "mx_hosts", "spf")
	if err != nil {
		return err
	}
	in := tenancy.PlatformSettingsForm{WebIPv4: f["web_ipv4"], WebIPv6: f["web_ipv6"], SFTPHost: f["sftp_host"],
		IMAPHost: f["imap_host"], IMAPPort: f["imap_port"], POP3Host: f["pop3_host"], POP3Port: f["pop3_port"],
		SMTPHost: f["smtp_host"], SMTPPort: f["smtp_port"], WebmailURL: f["webmail_url"], MXHosts: f["mx_hosts"], SPFText: f["spf"]}
	pl, _, err := h.tenancy.SavePlatformSettings(r.Context(), h.actor(r), id, in)
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			form := views.HostSettingsForm{WebIPv4: in.WebIPv4, WebIPv6: in.WebIPv6, SFTPHost: in.SFTPHost,
				IMAPHost: in.IMAPHost, IMAPPort: in.IMAPPort, POP3Host: in.POP3Host, POP3Port: in.POP3Port,
				SMTPHost: in.SMTPHost, SMTPPort: in.SMTPPort, WebmailURL: in.WebmailURL, MXHosts: in.MXHosts, SPF: in.SPFText, Errs: errs}
			return h.render(w, r, http.StatusUnprocessableEntity, pl.Name, views.PlatformSettingsPage(views.PlatformSettingsData{Platform: pl, Form: form}))
		})
	}
	h.flash(r, "The settings were saved; site and mail pages show them now.")
	redirect(w, r, platformURLOf(id))
	return nil
}

func platformURLOf(id int64) string { return "/admin/platforms/" + idString(id) }
