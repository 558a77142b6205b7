package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/a-h/templ"

	"portal/internal/i18n"
	"portal/internal/views"
)

// render writes body as a whole page, or as a bare fragment when htmx swaps part of a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, title string, body templ.Component) error {
	w.Header().Add("Vary", "HX-Request")
	c := body
	if !isPartial(r) {
		c = views.Page(h.pageMeta(r, title), body)
	}
	return h.write(w, r, status, c)
}

// renderFragment writes c as it is, for htmx-only endpoints.
func (h *Handler) renderFragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	return h.write(w, r, status, c)
}

func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer) // render fully first, so a failed render can't leave half a page
	defer putRenderBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// renderBuffers are the buffers pages render into: a list page is some 25 KB, which a fresh buffer reaches by
// growing (and copying) about ten times.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 { // an unusually large page: let it go rather than keep a megabyte per pooled buffer
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

// pageMeta gathers what the layout needs; it pops the flash message.
func (h *Handler) pageMeta(r *http.Request, title string) views.PageMeta {
	m := views.PageMeta{Title: i18n.T(r.Context(), title), Path: r.URL.Path, PlatformDown: h.opts.Health.AnyDown(), Brand: viewBrand(h.pageBrand(r))}
	if p, ok := principalFrom(r.Context()); ok {
		m.User = &views.User{
			ActingEmail:    p.Acting.Email,
			EffectiveEmail: p.Effective.Email,
			EffectiveRole:  string(p.Effective.Role),
			Impersonating:  p.Impersonating(),
		}
		if until := h.sessions.GetInt64(r.Context(), keyImpUntil); p.Impersonating() && until > 0 {
			m.User.ImpersonateEnds = time.Unix(0, until).UTC().Format("15:04 UTC")
		}
		m.Flash = h.sessions.PopString(r.Context(), keyFlash)
		// A customer hears only about its own platform; admins about any.
		if c := p.Customer; c != nil && m.PlatformDown && h.opts.Health != nil && h.opts.Health.Root != 0 {
			m.PlatformDown = h.opts.Health.For(c.PlatformID).Down()
		}
	}
	return m
}

// isHTMX reports whether htmx sent the request.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// isPartial reports whether htmx wants a fragment; boosted links and history restores need the whole document.
func isPartial(r *http.Request) bool {
	return isHTMX(r) && r.Header.Get("HX-Boosted") != "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// redirect sends HX-Redirect to htmx and 303 See Other to everyone else.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if isHTMX(r) && r.Header.Get("HX-Boosted") != "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flash stores a message for the next full page: the catalogue's format with its arguments, in the request's
// language (the next page is the same person's; a language change flashes in the new language).
func (h *Handler) flash(r *http.Request, format string, args ...any) {
	h.sessions.Put(r.Context(), keyFlash, i18n.From(r.Context()).Textf(format, args...))
}
