package views

import (
	"bytes"
	"context"
	"io"
	"sync"

	"portal/internal/i18n"
)

// navKey is everything mainNav's HTML depends on: the language its labels are in, the role whose entries it lists,
// which entry (by index, -1 for none) is the current page, and whether it is the phone menu's flat list.
type navKey struct {
	lang    i18n.Lang
	role    string
	current int
	flat    bool
}

// navHTML holds mainNav's output per navKey: a few dozen entries at most (two languages, three roles, an entry each
// plus none). The layout writes the navigation twice on every signed-in page, and rendering it through templ cost
// about a fifth of a dashboard's allocations (an admin's twenty links, each with a translated label and a URL
// attribute); the template stays the one source of the HTML, rendered once per key.
var navHTML sync.Map // navKey → []byte

// cachedNav writes mainNav(m, flat) from navHTML, rendering it on the first use of its key.
type cachedNav struct {
	m    *PageMeta
	flat bool
}

func (c cachedNav) Render(ctx context.Context, w io.Writer) error {
	key := navKey{lang: i18n.From(ctx), role: c.m.User.EffectiveRole, current: -1, flat: c.flat}
	for i, n := range navItems(key.role) {
		if n.Href == c.m.Path {
			key.current = i
			break
		}
	}
	if b, ok := navHTML.Load(key); ok {
		_, err := w.Write(b.([]byte))
		return err
	}
	var buf bytes.Buffer
	if err := mainNav(*c.m, c.flat).Render(ctx, &buf); err != nil {
		return err
	}
	navHTML.Store(key, buf.Bytes())
	_, err := w.Write(buf.Bytes())
	return err
}

// navByRole is Nav for each role, built once: Nav builds its list anew on every call.
var navByRole = map[string][]NavItem{"admin": Nav("admin"), "reseller": Nav("reseller"), "client": Nav("client")}

func navItems(role string) []NavItem {
	if items, ok := navByRole[role]; ok {
		return items
	}
	return Nav(role)
}
