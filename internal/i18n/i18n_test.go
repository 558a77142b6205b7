package i18n

import (
	"context"
	"testing"
	"time"
)

func TestPick(t *testing.T) {
	for _, c := range []struct {
		choice, accept string
		want           Lang
	}{
		{"", "", En},
		{"", "de-DE,de;q=0.9,en;q=0.8", De},
		{"", "fr-FR,de;q=0.5", De},
		{"", "fr-FR", En},
		{"", "en-GB,de;q=0.9", En},
		{"", "de-AT", De},
		{"en", "de", En},
		{"de", "en-US", De},
		{"xx", "de", De},
		{"", "garbage;;q=", En},
	} {
		if got := Pick(c.choice, c.accept); got != c.want {
			t.Errorf("Pick(%q, %q) = %s, want %s", c.choice, c.accept, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	day := time.Date(2026, 3, 4, 15, 6, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{En.Number(1234567), "1,234,567"},
		{De.Number(1234567), "1.234.567"},
		{En.Number(-999), "-999"},
		{De.Number(1000), "1.000"},
		{En.Decimal(123450, 2), "1,234.50"},
		{De.Decimal(123450, 2), "1.234,50"},
		{De.Decimal(-5, 2), "-0,05"},
		{En.Decimal(7, 0), "7"},
		{En.Date(day), "4 Mar 2026"},
		{De.Date(day), "04.03.2026"},
		{En.DateTime(day), "4 Mar 2026 15:06 UTC"},
		{De.DateTime(day), "04.03.2026 15:06 UTC"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestLookups(t *testing.T) {
	Add(De, map[string]string{"test: %s mailbox": "test: Postfach %s", "test: site": "test: Website"})
	AddPlural(En, map[string]Plural{"test: %d sites": {"test: %d site", "test: %d sites"}})
	AddPlural(De, map[string]Plural{"test: %d sites": {"test: %d Website", "test: %d Websites"}})
	t.Cleanup(func() {
		delete(text[De], "test: %s mailbox")
		delete(text[De], "test: site")
		delete(plural[En], "test: %d sites")
		delete(plural[De], "test: %d sites")
	})
	de := With(context.Background(), De)
	en := context.Background()
	args := []any{Msg("test: site")}
	for _, c := range []struct{ got, want string }{
		{T(de, "test: site"), "test: Website"},
		{T(en, "test: site"), "test: site"},
		{T(de, "never translated"), "never translated"},
		{Tf(de, "test: %s mailbox", "info@"), "test: Postfach info@"},
		{Tf(de, "%s", args...), "test: Website"},
		{N(en, "test: %d sites", 1), "test: 1 site"},
		{N(en, "test: %d sites", 2), "test: 2 sites"},
		{N(de, "test: %d sites", 0), "test: 0 Websites"},
		{N(de, "test: %d sites", 1), "test: 1 Website"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if args[0] != Msg("test: site") {
		t.Error("Tf changed its caller's arguments")
	}
	defer func() {
		if recover() == nil {
			t.Error("a conflicting second translation did not panic")
		}
	}()
	Add(De, map[string]string{"test: site": "test: Seite"})
}

func TestTextDoesNotAllocate(t *testing.T) {
	Add(De, map[string]string{"test: alloc": "test: Zuweisung"})
	t.Cleanup(func() { delete(text[De], "test: alloc") })
	ctx := With(context.Background(), De)
	if n := testing.AllocsPerRun(100, func() { _ = T(ctx, "test: alloc") }); n != 0 {
		t.Errorf("T allocates %v times", n)
	}
}
