package views

import (
	"context"
	"testing"

	"portal/internal/i18n"
	"portal/internal/store"
)

// TestStateWord: states and audit outcomes show as words in the page's language; an unknown one as it is.
func TestStateWord(t *testing.T) {
	de := i18n.With(context.Background(), i18n.De)
	for _, c := range []struct{ state, en, de string }{
		{store.SuspensionSuspended, "suspended", "gesperrt"},
		{store.OutcomeFailure, "failed", "fehlgeschlagen"},
		{store.OutcomeUnknown, "outcome unknown", i18n.De.Text("outcome unknown")},
		{"password set", "password set", i18n.De.Text("password set")},
		{"something new", "something new", "something new"},
	} {
		if got := stateWord(context.Background(), c.state); got != c.en {
			t.Errorf("%s in English: %q, want %q", c.state, got, c.en)
		}
		if got := stateWord(de, c.state); got != c.de || c.state != "something new" && got == c.en {
			t.Errorf("%s in German: %q, want %q", c.state, got, c.de)
		}
	}
}
