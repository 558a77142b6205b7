package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// brandAction is the branding page of the effective role.
func brandAction(r *http.Request) string {
	if p, _ := principalFrom(r.Context()); p.Effective.Role == store.RoleAdmin {
		return "/admin/branding"
	}
	return "/reseller/branding"
}

// brandingForm serves GET /admin/branding (the operator's look) and /reseller/branding (a reseller's own).
func (h *Handler) brandingForm(w http.ResponseWriter, r *http.Request) error {
	b, err := h.tenancy.OwnBrand(r.Context(), h.actor(r))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Branding", views.BrandingPage(brandAction(r), brandForm(b, nil)))
}

func brandForm(b store.Brand, errs views.FieldErrors) views.BrandForm {
	return views.BrandForm{Operator: b.OwnerID == nil, Name: b.Name, Accent: b.Accent, SupportEmail: b.SupportEmail,
		LogoURL: viewBrand(b).LogoURL, Errs: errs}
}

// brandingSave serves POST /admin/branding and /reseller/branding: a multipart form with the logo file. Whose brand
// it is comes from the session; the service validates and audits.
func (h *Handler) brandingSave(w http.ResponseWriter, r *http.Request) error {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return userErr(http.StatusUnsupportedMediaType, "Send the form as multipart/form-data.")
	}
	if err := r.ParseMultipartForm(tenancy.MaxLogoBytes + maxFormBytes); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return userErr(http.StatusBadRequest, "The form could not be read.")
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	for k, vs := range r.MultipartForm.Value {
		if k != "name" && k != "accent" && k != "support_email" && k != "remove_logo" || len(vs) != 1 {
			return userErr(http.StatusBadRequest, "The form has a field this page does not accept: "+quoteField(k)+".")
		}
	}
	in := tenancy.BrandInput{Name: r.FormValue("name"), Accent: r.FormValue("accent"),
		SupportEmail: r.FormValue("support_email"), RemoveLogo: checked(r.FormValue("remove_logo"))}
	if file, _, err := r.FormFile("logo"); err == nil {
		in.Logo, err = io.ReadAll(io.LimitReader(file, tenancy.MaxLogoBytes+1))
		_ = file.Close()
		if err != nil {
			return userErr(http.StatusBadRequest, "The form could not be read.")
		}
	}
	a := h.actor(r)
	if err := h.tenancy.SaveBrand(r.Context(), a, in); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			own, oerr := h.tenancy.OwnBrand(r.Context(), a)
			if oerr != nil {
				return oerr
			}
			f := brandForm(own, errs)
			f.Name, f.Accent, f.SupportEmail = in.Name, in.Accent, in.SupportEmail
			return h.render(w, r, http.StatusUnprocessableEntity, "Branding", views.BrandingPage(brandAction(r), f))
		})
	}
	if a.Effective.Role == store.RoleAdmin {
		h.brands.forget()
	}
	h.flash(r, "Branding saved.")
	redirect(w, r, brandAction(r))
	return nil
}

var (
	logoPath  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	themePath = regexp.MustCompile(`^([0-9a-f]{6})\.css$`)
)

// brandLogo serves GET /brand/logo/{hash}: a logo by its content hash, cacheable for a year (a new logo has a new
// address). Public: the sign-in and signup pages show it.
func (h *Handler) brandLogo(w http.ResponseWriter, r *http.Request) error {
	hash := r.PathValue("hash")
	if !logoPath.MatchString(hash) {
		return store.ErrNotFound
	}
	etag := `"` + hash + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	data, typ, err := h.tenancy.Logo(r.Context(), hash)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write(data)
	return nil
}

// brandTheme serves GET /brand/theme/{rrggbb}.css: the accent colour's stylesheet, computed from its name alone
// (no statement), cacheable for a year.
func (h *Handler) brandTheme(w http.ResponseWriter, r *http.Request) error {
	m := themePath.FindStringSubmatch(r.PathValue("file"))
	if m == nil {
		return store.ErrNotFound
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = io.WriteString(w, views.ThemeCSS("#"+m[1]))
	return nil
}

// viewBrand is a brand as the layout shows it.
func viewBrand(b store.Brand) views.Brand {
	v := views.Brand{Name: b.Name, SupportEmail: b.SupportEmail}
	if b.LogoHash != "" {
		v.LogoURL = "/brand/logo/" + b.LogoHash
	}
	if b.Accent != "" && tenancy.ValidAccent(b.Accent) {
		v.ThemeURL = "/brand/theme/" + b.Accent[1:] + ".css"
	}
	return v
}

// brandCache keeps the operator's look for pages without a session (sign-in, public pages), so they read it at most
// once a half minute; saving it here forgets it at once, other replicas see it within brandTTL.
type brandCache struct {
	mu sync.Mutex
	b  store.Brand
	at time.Time
}

const brandTTL = 30 * time.Second

func (c *brandCache) forget() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

func (h *Handler) operatorBrand(ctx context.Context) store.Brand {
	c := &h.brands
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); !c.at.IsZero() && now.Sub(c.at) < brandTTL {
		return c.b
	}
	b, err := h.tenancy.ShownBrand(ctx, nil)
	if err != nil {
		h.log.WarnContext(ctx, "operator brand", "err", err)
		return store.Brand{Name: "Portal"}
	}
	c.b, c.at = b, time.Now()
	return b
}

type brandKey struct{}

// withBrand makes a public page wear brand b (a reseller's signup page).
func withBrand(r *http.Request, b store.Brand) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), brandKey{}, b))
}

// pageBrand is the look of the page: the one the handler chose, the session's, or the operator's.
func (h *Handler) pageBrand(r *http.Request) store.Brand {
	ctx := r.Context()
	if b, ok := ctx.Value(brandKey{}).(store.Brand); ok {
		return b
	}
	if p, ok := principalFrom(ctx); ok {
		if p.Brand != nil {
			return *p.Brand
		}
		if p.Customer != nil && p.Customer.ResellerID != nil {
			// The session changed hands in this request: read the look once.
			if b, err := h.tenancy.ShownBrand(ctx, p.Customer.ResellerID); err == nil {
				return b
			}
		}
	}
	return h.operatorBrand(ctx)
}
