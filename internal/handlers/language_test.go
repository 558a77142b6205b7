package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/store"
)

// The language comes from Accept-Language until the account chooses one on /account/language; the choice beats
// the browser, and pages, flashes, field errors and error pages all speak it.
func TestLanguage_BrowserThenAccountChoice(t *testing.T) {
	app := newApp(t)
	app.account("lang@example.com", store.RoleClient, pw)
	b := app.browser()
	get := func(path, accept string) response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, b.url()+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return b.do(req)
	}
	if r := get("/login", "de-DE,de;q=0.9,en;q=0.5"); !strings.Contains(r.body, `<html lang="de"`) || !strings.Contains(r.body, "Anmelden") {
		t.Fatalf("sign-in page for a German browser: %.400s", r.body)
	}
	if r := get("/login", ""); !strings.Contains(r.body, `<html lang="en"`) || !strings.Contains(r.body, "Sign in") {
		t.Fatalf("sign-in page without Accept-Language: %.400s", r.body)
	}
	b.mustLogin("lang@example.com", pw, "/client")

	if r := b.post("/account/language", url.Values{"language": {"fr"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, `data-testid="error-language"`) {
		t.Fatalf("an unknown language: status %d, want 422 with a field error", r.StatusCode)
	}
	if r := b.post("/account/language", url.Values{"language": {"de"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("choosing German: status %d, want 303; body %.300s", r.StatusCode, r.body)
	}
	r := get("/client", "en-US")
	if !strings.Contains(r.body, `<html lang="de"`) || !strings.Contains(r.body, "Die Sprache ist gespeichert.") {
		t.Fatalf("the account's German should beat the browser's English: %.600s", r.body)
	}
	if r := get("/sites/999999", "en-US"); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "Nicht gefunden.") {
		t.Errorf("a missing page in German: status %d; %.600s", r.StatusCode, r.body)
	}
	if r := b.post("/account/language", url.Values{"language": {"xx"}}); !strings.Contains(r.body, "Wählen Sie eine der Sprachen.") {
		t.Errorf("a field error in German: %.600s", r.body)
	}
	if n := app.auditCount("account.language", store.OutcomeSuccess); n != 1 {
		t.Errorf("account.language success rows = %d, want 1", n)
	}

	if r := b.post("/account/language", url.Values{"language": {""}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("back to automatic: status %d", r.StatusCode)
	}
	if r := get("/client", ""); !strings.Contains(r.body, `<html lang="en"`) {
		t.Errorf("automatic without Accept-Language should be English: %.300s", r.body)
	}
	if r := get("/client", "de"); !strings.Contains(r.body, `<html lang="de"`) {
		t.Errorf("automatic with a German browser should be German: %.300s", r.body)
	}
}
