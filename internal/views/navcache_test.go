package views

import (
	"bytes"
	"context"
	"testing"

	"portal/internal/i18n"
)

// The layout writes the navigation from navHTML; what it writes must be what mainNav renders, for every language,
// role and current entry, on the first use of a key (which fills the cache) and on later ones.
func TestCachedNavIsMainNav(t *testing.T) {
	for _, lang := range i18n.Langs {
		ctx := i18n.With(context.Background(), lang)
		for _, role := range []string{"admin", "reseller", "client"} {
			paths := []string{"/nowhere", "/sites/12"}
			for _, n := range Nav(role) {
				paths = append(paths, n.Href)
			}
			for _, path := range paths {
				for _, flat := range []bool{false, true} {
					m := PageMeta{Path: path, User: &User{EffectiveRole: role, EffectiveEmail: "a@example.com"}}
					var want bytes.Buffer
					if err := mainNav(m, flat).Render(ctx, &want); err != nil {
						t.Fatal(err)
					}
					for range 2 {
						var got bytes.Buffer
						if err := (cachedNav{&m, flat}).Render(ctx, &got); err != nil {
							t.Fatal(err)
						}
						if got.String() != want.String() {
							t.Fatalf("%s %s %s flat=%v: cached nav\n%s\nwant\n%s", lang, role, path, flat, got.String(), want.String())
						}
					}
				}
			}
		}
	}
}
