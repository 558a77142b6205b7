package ispapi

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"portal/internal/fail"
	"portal/internal/i18n"
)

// Column widths (in characters; ISPConfig's tables are utf8mb4) of the free-text fields the portal writes. MySQL in
// ISPConfig's default non-strict mode silently truncates longer values, so the portal refuses them instead.
const (
	MaxContactName = 64  // client.contact_name varchar(64)
	MaxCompanyName = 64  // client.company_name varchar(64)
	MaxMailboxName = 255 // mail_user.name varchar(255)
	MaxEmail       = 254 // an address as DNS and SMTP allow it (the columns are varchar(255))
	MaxPlanName    = 100 // the portal's own plan names (never sent, checked the same way)
)

// Key of a local text-field rejection; ISPConfig itself has none (its STRIPTAGS/STRIPNL filters silently change
// the value, and an empty result then fails NOTEMPTY, e.g. contact_error_empty).
const KeyTextInvalid = "text_error_invalid"

// KeyPasswordLatin1 is the local key for a mailbox password with characters outside ISO-8859-1.
const KeyPasswordLatin1 = "password_error_latin1"

// CheckText returns an empty Text when s (already trimmed by the caller, or not: surrounding spaces are allowed and
// counted) can be stored unchanged in an ISPConfig VARCHAR column of max characters whose form filters are STRIPTAGS
// and STRIPNL, otherwise a message safe to show next to the field (fail.Fields.Addf(field, t.Format, t.Args...)). Refused: invalid UTF-8; control characters (NUL,
// line breaks, tabs, DEL, C1) and the invisible characters that reorder or hide text (bidi overrides and isolates,
// line and paragraph separators, zero-width characters, soft hyphen, BOM); "<" and ">", because STRIPTAGS
// deletes anything that looks like markup; and more than max characters.
func CheckText(s string, max int) fail.Text {
	if !utf8.ValidString(s) {
		return fail.Text{Format: i18n.M("This contains invalid characters.")}
	}
	for _, r := range s {
		if forbiddenRune(r) {
			return fail.Text{Format: i18n.M("Line breaks, control characters and invisible characters are not allowed.")}
		}
		if r == '<' || r == '>' {
			return fail.Text{Format: i18n.M("Remove < and >: the hosting platform deletes anything that looks like markup.")}
		}
	}
	if utf8.RuneCountInString(s) > max {
		return fail.Text{Format: i18n.M("Use at most %d characters."), Args: []any{max}}
	}
	return fail.Text{}
}

// forbiddenRune reports control and invisible formatting characters.
func forbiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0 (incl. NUL, \t, \n, \r), DEL, C1
		return true
	case r == 0x00AD, // soft hyphen
		r >= 0x200B && r <= 0x200F, // zero-width space/non-joiner/joiner, LRM, RLM
		r >= 0x2028 && r <= 0x202E, // line/paragraph separator, bidi embeddings and overrides
		r >= 0x2060 && r <= 0x206F, // word joiner, invisible operators, bidi isolates, deprecated format chars
		r == 0xFEFF,                // BOM / zero-width no-break space
		r >= 0xFFF9 && r <= 0xFFFB, // interlinear annotation
		r == 0xFFFD:                // replacement character: the text was already damaged
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // noncharacters
		return true
	}
	return false
}

// CleanText trims s and checks it with CheckText; required refuses an empty result. It returns the trimmed value
// and an empty Text or a message.
func CleanText(s string, max int, required bool) (string, fail.Text) {
	t := strings.TrimSpace(s)
	if msg := CheckText(t, max); msg.Format != "" {
		return t, msg
	}
	if required && t == "" {
		return t, fail.Text{Format: i18n.M("This field is required.")}
	}
	return t, fail.Text{}
}

// checkTextParam is the client's last line of defence: a write method refuses a text value ISPConfig would alter.
func checkTextParam(fn, field, value string, max int) error {
	if CheckText(value, max).Format != "" {
		return &ValidationError{Function: fn, Keys: []string{field + "_" + KeyTextInvalid}, Local: true}
	}
	return nil
}

// Latin1Representable reports whether every character of s exists in ISO-8859-1. ISPConfig converts a mailbox
// password to ISO-8859-1 before hashing it (CRYPTMAIL), so any other character becomes "?" and, for example,
// twelve Cyrillic letters would all hash as "????????????".
func Latin1Representable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r > 0xFF {
			return false
		}
	}
	return true
}

// MailPasswordProblem returns "" when password can be a mailbox password unchanged, otherwise a message for the
// field: characters outside ISO-8859-1, or control characters.
func MailPasswordProblem(password string) string {
	if !Latin1Representable(password) {
		return i18n.M("Mailbox passwords can only use Western European (ISO-8859-1) characters: the mail system stores any other letter as \"?\". Use letters without Cyrillic, Greek, Asian scripts or emoji.")
	}
	for _, r := range password {
		if unicode.IsControl(r) {
			return i18n.M("Control characters are not allowed in a mailbox password.")
		}
	}
	return ""
}

// CanonicalAddress returns the one spelling of a typed mailbox address used as its rate-limit and lockout key, so
// variants of one address share one counter: compatibility-normalised (NFKC: full-width letters become ASCII),
// without invisible format characters (soft hyphen, zero-width characters, bidi marks), control characters or
// spaces,
// lower-case, without trailing dots, and with the domain in punycode when the address is valid. The result is at
// most 320 bytes and valid UTF-8 whatever the input.
func CanonicalAddress(typed string) string {
	s := strings.ToValidUTF8(typed, "")
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || unicode.IsSpace(r) {
			return -1 // invisible, control and space characters (an address has none)
		}
		return r
	}, s)
	s = strings.ToLower(s)
	if len(s) > 320 {
		s = strings.ToValidUTF8(s[:320], "")
	}
	s = strings.TrimRight(s, ".")
	if e, err := NormalizeEmail(s); err == nil {
		return e
	}
	return s
}
