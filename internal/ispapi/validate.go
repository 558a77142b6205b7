package ispapi

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/idna"
)

// The exported validators below return *ValidationError (Local true) with ISPConfig's own error keys, so a
// handler can show the same message whether the portal or the panel rejected the value. Every write method runs
// them before sending, so invalid input never costs an HTTP call.

var (
	idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))
	reLabel     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	reTLD       = regexp.MustCompile(`^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$`)
	reUsername  = regexp.MustCompile(`^[\w.-]{1,64}$`)
	reWebPrefix = regexp.MustCompile(`^web[0-9]`)
	reLocalPart = regexp.MustCompile("^[a-z0-9!#$%&'*/=?^_`{|}~-]+(\\.[a-z0-9!#$%&'*/=?^_`{|}~-]+)*$")
)

func localErr(fn string, keys ...string) error {
	return &ValidationError{Function: fn, Keys: keys, Local: true}
}

// NormalizeDomain returns name as ISPConfig stores it: trimmed, without a trailing dot, lower-case, IDNA
// converted to punycode ("Bücher.Example" → "xn--bcher-kva.example"). It rejects names ISPConfig or DNS would
// not accept: empty (key domain_error_empty), or not at least two labels of letters, digits and inner hyphens,
// each at most 63 bytes, at most 253 bytes in all, with a TLD of letters or punycode (key domain_error_regex).
func NormalizeDomain(name string) (string, error) {
	const fn = "domain"
	s := strings.TrimSuffix(strings.TrimSpace(name), ".")
	if s == "" {
		return "", localErr(fn, "domain_error_empty")
	}
	a, err := idnaProfile.ToASCII(strings.ToLower(s))
	if err != nil {
		return "", localErr(fn, "domain_error_regex")
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", localErr(fn, "domain_error_regex")
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", localErr(fn, "domain_error_regex")
	}
	for _, l := range labels {
		if !reLabel.MatchString(l) {
			return "", localErr(fn, "domain_error_regex")
		}
	}
	if !reTLD.MatchString(labels[len(labels)-1]) {
		return "", localErr(fn, "domain_error_regex")
	}
	return a, nil
}

// NormalizeEmail returns addr as ISPConfig stores a mailbox, alias or forward address: trimmed, lower-case, with
// the domain part in punycode. It rejects what ISPConfig's ISEMAIL validator rejects, including any "+" (which
// ISPConfig refuses in mailbox and alias addresses), with the key email_error_isemail.
func NormalizeEmail(addr string) (string, error) {
	const fn = "email"
	s := strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", localErr(fn, "email_error_isemail")
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || strings.Contains(local, "+") || !reLocalPart.MatchString(local) {
		return "", localErr(fn, "email_error_isemail")
	}
	d, err := NormalizeDomain(domain)
	if err != nil {
		return "", localErr(fn, "email_error_isemail")
	}
	out := local + "@" + d
	if len(out) > 254 {
		return "", localErr(fn, "email_error_isemail")
	}
	return out, nil
}

// ValidateUsername checks a panel login name the way client_add does: 1 to 64 of letters, digits, "_", "." and
// "-" (key username_error_regex, or username_error_empty), and not "web" or "web<digit>…", which would collide
// with the system users of web sites (key username_error_collision).
func ValidateUsername(name string) error {
	const fn = "username"
	switch {
	case name == "":
		return localErr(fn, "username_error_empty")
	case !reUsername.MatchString(name):
		return localErr(fn, "username_error_regex")
	case name == "web" || reWebPrefix.MatchString(name):
		return localErr(fn, "username_error_collision")
	}
	return nil
}

// ValidateMailQuota checks a mailbox quota in bytes: 0 means unlimited, negative values (including the -1 that
// other ISPConfig quotas use for "unlimited") are rejected with key quota_error_value.
func ValidateMailQuota(bytes int64) error {
	if bytes < 0 {
		return localErr("quota", "quota_error_value")
	}
	return nil
}

// validateWebQuota checks a web site's disk or traffic quota in MB: -1 means unlimited; other negative values
// are rejected with the given key (hd_quota_error_regex or traffic_quota_error_regex).
func validateWebQuota(key string, mb int64) error {
	if mb < -1 {
		return localErr("quota", key)
	}
	return nil
}

// DefaultMaildir returns the maildir ISPConfig's panel would compute for email with the install-default server
// setting mail.maildir_path ("/var/vmail/[domain]/[localpart]"). The API does not derive it (API.md §4.5).
func DefaultMaildir(email string) string {
	if e, err := NormalizeEmail(email); err == nil {
		email = e
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return fmt.Sprintf("/var/vmail/%s/%s", email[at+1:], email[:at])
}

// DefaultHomedir is the install-default mail.homedir_path.
const DefaultHomedir = "/var/vmail"

// withFunction re-labels a local validation error with the function it guards and the field it concerns.
func withFunction(err error, fn string) error {
	if ve, ok := err.(*ValidationError); ok {
		return &ValidationError{Function: fn, Keys: ve.Keys, Local: true}
	}
	return err
}
