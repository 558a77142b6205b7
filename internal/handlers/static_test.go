package handlers

import (
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"portal/static"
)

// Pages link the content-hashed CSS and JavaScript, which are served as the files with a year-long immutable
// cache; the plain names still work with a short cache, and a stale hash is not found.
func TestStatic_HashedURLsCachedForever(t *testing.T) {
	app := newApp(t)
	b := app.browser()
	page := b.get("/login")
	css, js := static.URL("css/portal.css"), static.URL("js/htmx.min.js")
	if css == "/static/css/portal.css" || !strings.Contains(page.body, `href="`+css+`"`) || !strings.Contains(page.body, `src="`+js+`"`) {
		t.Fatalf("the layout should link %s and %s: %.600s", css, js, page.body)
	}
	want, err := os.ReadFile("../../static/css/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	r := b.get(css)
	if r.StatusCode != http.StatusOK || r.body != string(want) || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("%s: status %d, cache %q, type %q, same bytes %v", css, r.StatusCode, r.Header.Get("Cache-Control"),
			r.Header.Get("Content-Type"), r.body == string(want))
	}
	plain := b.get("/static/css/portal.css")
	if plain.StatusCode != http.StatusOK || plain.body != string(want) || plain.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("plain name: status %d, cache %q", plain.StatusCode, plain.Header.Get("Cache-Control"))
	}
	if r := b.get("/static/css/portal.000000000000.css"); r.StatusCode != http.StatusNotFound {
		t.Errorf("a stale hash: status %d, want 404", r.StatusCode)
	}
}

// Text responses go out gzip-compressed to clients that ask for it, and plain to those that don't.
func TestGzip_TextResponses(t *testing.T) {
	app := newApp(t)
	tr := &http.Transport{DisableCompression: true} // see the encoding as sent
	defer tr.CloseIdleConnections()
	for _, p := range []string{"/login", static.URL("css/portal.css")} {
		for _, accept := range []string{"gzip", ""} {
			req, _ := http.NewRequest(http.MethodGet, app.srv.URL+p, nil)
			if accept != "" {
				req.Header.Set("Accept-Encoding", accept)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			var body io.Reader = resp.Body
			if enc := resp.Header.Get("Content-Encoding"); (enc == "gzip") != (accept == "gzip") {
				t.Errorf("%s with Accept-Encoding %q: Content-Encoding %q", p, accept, enc)
			} else if enc == "gzip" {
				if body, err = gzip.NewReader(resp.Body); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
			}
			b, err := io.ReadAll(body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || len(b) < 100 {
				t.Errorf("%s with Accept-Encoding %q: status %d, %d bytes, %v", p, accept, resp.StatusCode, len(b), err)
			}
		}
	}
}
