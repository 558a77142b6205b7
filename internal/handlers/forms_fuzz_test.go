package handlers

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
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
