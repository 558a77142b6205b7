package i18n

import (
	"strings"
	"testing"
)

// TestKept: a kept message shows in the reader's language, with its arguments (a nested kept message and a word
// translated too, foreign text as it is); text stored before messages were kept shows unchanged.
func TestKept(t *testing.T) {
	inner := Keep("the hosting platform refused it: %s", "client_error_<x>")
	outer := Keep("waiting for the hosting platform: %s", Kept(inner))
	for _, c := range []struct {
		got, want string
	}{
		{Kept(outer).In(En), "waiting for the hosting platform: the hosting platform refused it: client_error_<x>"},
		{Kept(outer).In(De), "wartet auf die Hosting-Plattform: die Hosting-Plattform hat abgelehnt: client_error_<x>"},
		{Kept(Keep("moving from %s", "Acme \"GmbH\"")).In(De), "wird von Acme \"GmbH\" übertragen"},
		{Kept(Keep("retrying")).In(De), "erneuter Versuch"},
		{Kept(Keep("%s: %s", Msg("failed"), List{"pending", "active"})).In(De), "fehlgeschlagen: ausstehend, aktiv"},
		{Kept(Keep("%d of %d", 3, int64(4))).In(En), "3 of 4"},
		{Kept(Keep("%s|%s|%s", Msg(""), List{}, "x")).In(De), "||x"},
		// Rows written before: plain English (even one that looks a little like JSON) shows as it is.
		{Kept("ISPConfig is not reachable; retrying automatically").In(De), "ISPConfig is not reachable; retrying automatically"},
		{Kept(`{"m": broken`).In(De), `{"m": broken`},
		{Kept("").In(De), ""},
		// As an argument of a format, e.g. a flash.
		{De.Textf("%s could not be set up: %s", "Acme", Kept(inner)), "Acme konnte nicht eingerichtet werden: die Hosting-Plattform hat abgelehnt: client_error_<x>"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if !strings.Contains(inner, "refused it") {
		t.Errorf("a kept message must stay searchable in English: %q", inner)
	}
}
