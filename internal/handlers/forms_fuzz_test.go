package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/internal/store"
)

// FuzzParseForm: whatever the body, parseForm either refuses it with a 4xx *fail.Error (or the body-size error)
// or returns only allowed fields, each once, as valid UTF-8 without NUL.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"", "email=a%40b.c&password=x", "email=a&email=b", "email=%ff%fe", "email=%zz",
		"role=admin", "name=%3Cb%3E&company=x%0Ay", "name=" + strings.Repeat("a", 1000), "name=a%00b", "=&&=", "name",
		"name=%E2%80%AEx", "name=%25_%25"} {
		f.Add(s, "application/x-www-form-urlencoded")
	}
	f.Add(`{"email":"a"}`, "application/json")
	allowed := []string{"email", "password", "name", "company"}
	f.Fuzz(func(t *testing.T, body, ct string) {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		form, err := parseForm(r, allowed...)
		if err != nil {
			if ue, ok := err.(interface{ Error() string }); !ok || ue.Error() == "" {
				t.Fatalf("empty error for %q", body)
			}
			return
		}
		for k, v := range form {
			if !slices.Contains(allowed, k) {
				t.Fatalf("field %q not allowed, body %q", k, body)
			}
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				t.Fatalf("field %q = %q: invalid", k, v)
			}
		}
	})
}

// FuzzListQuery: list pages accept only known sorts, short searches and well-formed page keys, which print back
// as they were given.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "q=a&sort=name&desc=1&after=2.bob", "sort=evil", "after=-1.x", "before=99999999999999999999.a",
		"q=%25_%25", "q=%3Cscript%3E", "after=1e3", "before=7.2026-01-01 10:00:00+00", "after=3.", "q=" + strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.URL.RawQuery = rawQuery
		lq, err := listQuery(r, "name", "email")
		if err != nil {
			return
		}
		if len(lq.Q) > 200 || (lq.Sort != "" && lq.Sort != "name" && lq.Sort != "email") {
			t.Fatalf("listQuery(%q) = %+v", rawQuery, lq)
		}
		for dir, k := range map[string]*store.Key{"after": lq.Keyset.After, "before": lq.Keyset.Before} {
			if k != nil && (k.ID <= 0 || k.String() != r.URL.Query().Get(dir)) {
				t.Fatalf("listQuery(%q): %s key %+v does not print back", rawQuery, dir, *k)
			}
		}
	})
}

// FuzzClientAddress: the client address and its rate-limit key never keep a port, and always parse back.
func FuzzClientAddress(f *testing.F) {
	for _, s := range []string{"192.0.2.1:80", "[2001:db8::1]:443", "[::ffff:1.2.3.4]:1", "garbage", "", "[fe80::1%eth0]:1", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		h := hostOnly(remote)
		if ap, err := netip.ParseAddrPort(remote); err == nil && h != ap.Addr().Unmap().WithZone("").String() {
			t.Fatalf("hostOnly(%q) = %q", remote, h)
		}
		k := ipKey(h)
		if !strings.HasPrefix(k, "ip:") && !strings.HasPrefix(k, "ip6:") {
			t.Fatalf("ipKey(%q) = %q", h, k)
		}
		if a, err := netip.ParseAddr(h); err == nil && a.Unmap().Is6() {
			if p, err := netip.ParsePrefix(strings.TrimPrefix(k, "ip6:")); err != nil || p.Bits() != 64 || !p.Contains(a.WithZone("")) {
				t.Fatalf("ipKey(%q) = %q: not its /64", h, k)
			}
		}
	})
}
