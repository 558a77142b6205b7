package access_test

import (
	"context"
	"strings"
	"testing"

	"portal/internal/access"
	"portal/internal/fail"
	"portal/internal/store"
	"portal/internal/testenv"
)

// An account's language choice is kept (and audited), refused when unknown, and mail to the account speaks it:
// a reset link for a German-speaking account is German, for one without a choice English.
func TestLanguage_ChoiceKeptAndMailSpeaksIt(t *testing.T) {
	e := testenv.New(t, withSMTP("smtp://127.0.0.1:9")) // jobs are not worked: nothing is sent
	ctx := context.Background()
	e.Customer(store.RoleClient, nil, "lang-de@example.test")
	e.Customer(store.RoleClient, nil, "lang-en@example.test")
	de, err := store.NewAccounts(e.Pool).ByEmail(ctx, "lang-de@example.test")
	if err != nil {
		t.Fatal(err)
	}
	me := access.Actor{Acting: de, Effective: de, IP: "192.0.2.1"}
	if err := e.Access.SetLanguage(ctx, me, "fr"); fail.FieldsOf(err)["language"].Format == "" {
		t.Fatalf("an unknown language: err %v, want a field error", err)
	}
	if err := e.Access.SetLanguage(ctx, me, "de"); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.NewAccounts(e.Pool).ByEmail(ctx, "lang-de@example.test"); got.Language != "de" {
		t.Fatalf("language after choosing German: %q", got.Language)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'account.language' AND detail = 'de' AND outcome = 'success'`); n != 1 {
		t.Fatalf("%d audit entries for the choice, want 1", n)
	}
	for _, c := range []struct{ addr, subject string }{
		{"lang-de@example.test", "Setzen Sie Ihr Passwort zurück"},
		{"lang-en@example.test", "Reset your password"},
	} {
		if err := e.Access.RequestReset(ctx, c.addr, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		var subject, text string
		if err := e.Pool.QueryRow(ctx, `SELECT subject, text_body FROM outbox WHERE to_addr = $1`, c.addr).Scan(&subject, &text); err != nil {
			t.Fatal(err)
		}
		if subject != c.subject {
			t.Errorf("reset mail to %s: subject %q, want %q", c.addr, subject, c.subject)
		}
		if c.addr == "lang-de@example.test" && !strings.Contains(text, "Hallo") {
			t.Errorf("German reset mail's text: %q", text)
		}
	}
	if err := e.Access.SetLanguage(ctx, me, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.NewAccounts(e.Pool).ByEmail(ctx, "lang-de@example.test"); got.Language != "" {
		t.Fatalf("language after choosing automatic: %q", got.Language)
	}
}
