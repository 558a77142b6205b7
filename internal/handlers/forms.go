package handlers

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// form is a parsed, checked POST body.
type form map[string]string

// parseForm reads an urlencoded POST body that may hold only the allowed fields, each at most once and valid UTF-8.
// Anything else is a 4xx with a clear message, before any work is done.
func parseForm(r *http.Request, allowed ...string) (form, error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, userErr(http.StatusUnsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if asMaxBytes(err, &mbe) {
			return nil, err
		}
		return nil, userErr(http.StatusBadRequest, "The form could not be read.")
	}
	f := form{}
	for k, vs := range r.PostForm {
		if !slices.Contains(allowed, k) {
			return nil, userErr(http.StatusBadRequest, "The form has a field this page does not accept: %s.", quoteField(k))
		}
		if len(vs) != 1 {
			return nil, userErr(http.StatusBadRequest, "The form has the field %s more than once.", quoteField(k))
		}
		if !utf8.ValidString(vs[0]) || strings.ContainsRune(vs[0], 0) {
			return nil, userErr(http.StatusBadRequest, "The field %s contains invalid characters.", quoteField(k))
		}
		f[k] = vs[0]
	}
	return f, nil
}

func quoteField(k string) string {
	if !utf8.ValidString(k) || len(k) > 40 {
		return "(unreadable)"
	}
	return `"` + k + `"`
}
