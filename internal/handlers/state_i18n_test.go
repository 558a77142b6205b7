package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portal/internal/i18n"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
)

// germanReseller is a reseller with a client plan, signed in with a German browser.
func germanReseller(t *testing.T) (*testApp, store.Plan, *browser) {
	t.Helper()
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	plan := app.plan(&r, store.RoleClient, "Small", unlimited)
	de := app.browser()
	de.hdrs["Accept-Language"] = "de"
	de.mustLogin("r@example.com", pw, "/reseller")
	return app, plan, de
}

// TestStateDetail_German: why a record waits is stored once and read in each reader's language: a German reseller
// creating a client while the platform is down gets the flash and the client's page in German, an English reader
// of the same row gets English, and a row stored in English before details were kept still shows as it was.
func TestStateDetail_German(t *testing.T) {
	app, plan, de := germanReseller(t)

	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	_ = app.isp.Close(context.Background()) // drop the cached session so the create must reach ISPConfig
	resp := de.post("/reseller/clients", customerForm("Later GmbH", "later@example.com", "laterclient", plan.ID))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create with the platform down: status %d, want 303 (recorded as pending)", resp.StatusCode)
	}
	page := de.get(resp.Header.Get("Location"))
	const reason = "die Hosting-Plattform ist nicht erreichbar; wird automatisch erneut versucht"
	for _, want := range []string{
		`data-testid="flash">Later GmbH ist erfasst; die Hosting-Plattform hat es noch nicht bestätigt (` + reason + `).<`,
		`data-testid="state-detail">` + reason + `<`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("German client page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "not reachable") {
		t.Error("the German page shows the English reason")
	}
	// A refusal naming the state names it in German too.
	if resp := de.post(resp.Header.Get("Location")+"/suspend", nil); !strings.Contains(resp.body, "(dieser ist ausstehend)") {
		t.Errorf("suspending a pending client: %d, want the state in German:\n%.2000s", resp.StatusCode, resp.body)
	}

	en := app.browser()
	en.mustLogin("r@example.com", pw, "/reseller")
	if page := en.get(resp.Header.Get("Location")); !strings.Contains(page.body,
		`data-testid="state-detail">the hosting platform is not reachable; retrying automatically<`) {
		t.Error("the English page lacks the English reason")
	}

	// A detail written in English before details were kept shows as it is.
	var id int64
	if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/customers/%d", &id); err != nil {
		t.Fatal(err)
	}
	if err := store.NewCustomers(app.pool).SetDetail(context.Background(), id, "ISPConfig error; retrying automatically"); err != nil {
		t.Fatal(err)
	}
	if page := de.get(resp.Header.Get("Location")); !strings.Contains(page.body, `data-testid="state-detail">ISPConfig error; retrying automatically<`) {
		t.Error("an old English detail does not show as it was")
	}
}

// TestSiteStateDetail_German: a site's pending reason, kept by the hosting service, shows in German on the
// German site list.
func TestSiteStateDetail_German(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	id := app.fixtureSite(c, "wait.example.test", true)
	if err := store.NewObjects(app.pool).SetDetail(context.Background(), store.KindSite, id,
		i18n.Keep("the last change was not confirmed; checking again")); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	b.hdrs["Accept-Language"] = "de"
	b.mustLogin("c@example.com", pw, "/client")
	want := `data-testid="state-detail">die letzte Änderung wurde nicht bestätigt; wird erneut geprüft<`
	for _, path := range []string{"/sites", "/sites/" + idString(id)} {
		if page := b.get(path); !strings.Contains(page.body, want) {
			t.Errorf("German %s lacks the translated state detail", path)
		}
	}
}

// TestLengthMessages_German: the length rules name their limit as a number in the reader's language.
func TestLengthMessages_German(t *testing.T) {
	_, plan, de := germanReseller(t)
	form := customerForm(strings.Repeat("n", 65), "long@example.com", "longname", plan.ID)
	form.Set("password", "short")
	resp := de.post("/reseller/clients", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("too long a name and too short a password: status %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"Verwenden Sie höchstens 64 Zeichen.", "Verwenden Sie mindestens 12 Zeichen."} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("German form lacks %q", want)
		}
	}
	if strings.Contains(resp.body, "Use at") {
		t.Error("the German form shows an English length rule")
	}
}
