package ispapi

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Sentinel errors returned (wrapped) by every method. Match them with errors.Is.
var (
	// ErrUnavailable means the platform did not give a usable answer: a network error, an HTTP status other than
	// 200, an empty, HTML or otherwise non-JSON body, a JSON body without a "code" member, or the maintenance-mode
	// login fault. A write that fails this way may or may not have been applied (API.md §1.4, §1.7).
	ErrUnavailable = errors.New("ispapi: platform unavailable")

	// ErrNotSent accompanies ErrUnavailable when the call certainly never reached the function: the login it
	// needed failed, or no connection could be made. Such a write has not happened.
	ErrNotSent = errors.New("ispapi: request not sent")

	// ErrSessionExpired means the API session was rejected. Client.call re-logs in and retries once, so callers only
	// see it when the fresh session was rejected too.
	ErrSessionExpired = errors.New("ispapi: session expired")

	// ErrUnauthorized means the remote user's credentials, source IP or permission groups do not allow the call.
	ErrUnauthorized = errors.New("ispapi: unauthorized")

	// ErrNotFound means the record does not exist (a single-id get answered null, a lookup by natural key found
	// nothing, or a record of another type shares the id).
	ErrNotFound = errors.New("ispapi: not found")
)

// Keys that the client puts into a ValidationError for faults that ISPConfig reports as plain English sentences
// rather than as form error keys. The other keys are ISPConfig's own (API.md Appendix C).
const (
	// KeyWeakPassword stands for the password-strength sentence ("The chosen password does not match …").
	KeyWeakPassword = "weak_password_txt"
	// KeyDuplicateUsername stands for client_add's extra "Duplicate username" check.
	KeyDuplicateUsername = "duplicate_username"
	// KeyMailDomainMissing stands for "Mail domain - <domain> - does not exist as primary." (mail_user_add/update).
	KeyMailDomainMissing = "mail_domain_does_not_exist"
	// KeyMailboxExists stands for "There is already a mailbox with this email address." (mail_alias_add/update).
	KeyMailboxExists = "mailbox_exists"
	// KeyResellerNesting stands for "Reseller cannot be client of another reseller.".
	KeyResellerNesting = "reseller_nesting"
	// KeyNotAReseller stands for "Selected client is not a reseller.".
	KeyNotAReseller = "not_a_reseller"
)

// ValidationError reports field-level problems, either found by ISPConfig's form validators (Local false) or by
// the client before anything was sent (Local true). Keys are ISPConfig's error keys, e.g. "domain_error_unique",
// "email_error_isemail", or one of the Key* constants of this package, so that handlers can map them to form
// messages without parsing English.
type ValidationError struct {
	Function string   // the ISPConfig function, e.g. "mail_user_add"
	Keys     []string // error keys in the order ISPConfig reported them
	Local    bool     // true when the client rejected the input without an HTTP call
}

// Error lists the function and the keys.
func (e *ValidationError) Error() string {
	where := "ispconfig"
	if e.Local {
		where = "input"
	}
	return fmt.Sprintf("ispapi: %s: %s validation failed: %s", e.Function, where, strings.Join(e.Keys, ", "))
}

// Has reports whether key is among e.Keys.
func (e *ValidationError) Has(key string) bool {
	for _, k := range e.Keys {
		if k == key {
			return true
		}
	}
	return false
}

// InputError reports a programming error in the caller's arguments (an id <= 0, a missing required setting),
// detected before any HTTP call. Unlike ValidationError it is not meant to be shown next to a form field.
type InputError struct {
	Function string
	Field    string
	Reason   string
}

// Error names the function, the field and the reason.
func (e *InputError) Error() string {
	return fmt.Sprintf("ispapi: %s: invalid %s: %s", e.Function, e.Field, e.Reason)
}

// APIError is any other answer from ISPConfig that is not a success: unknown function or bad body (Code
// "invalid_method"/"invalid_data"/"invalid_class", a bug in this package), a function-specific fault (Code
// "remote_fault"), or a success envelope whose response had an unexpected shape (Code "ok").
type APIError struct {
	Function string
	Code     string
	Message  string
}

// Error gives the function, the envelope code and ISPConfig's message.
func (e *APIError) Error() string {
	return fmt.Sprintf("ispapi: %s: %s: %s", e.Function, e.Code, e.Message)
}

// MismatchError reports that a record read back after an add or update differs from what was sent: ISPConfig
// silently drops keys it does not know and coerces values it does not like (API.md §3.2.2, §6 quirk 4).
// The write itself has happened; ID names the record.
type MismatchError struct {
	Function string   // the write, e.g. "sites_web_domain_add"
	ID       int64    // the record written
	Fields   []string // the parameter names whose stored value differs, sorted
}

// Error names the write, the record and the differing fields.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("ispapi: %s: record %d read back with different %s", e.Function, e.ID, strings.Join(e.Fields, ", "))
}

// Fault texts from API.md Appendix C that the client classifies.
const (
	msgSessionExpired   = "The Session is expired or does not exist."
	msgSessionEmpty     = "The SessionID is empty."
	msgPermission       = "You do not have the permissions to access this function."
	msgLoginFailed      = "The login failed. Username or password wrong."
	msgLoginEmptyUser   = "The login username is empty."
	msgLoginEmptyPass   = "The login password is empty."
	msgLoginNotAllowed  = "The login is not allowed from "
	msgLoginBlocked     = "The login failed. User is blocked."
	msgLoginNoAPI       = "The login failed. Client may not use api."
	msgMaintenance      = "This ISPConfig installation is currently under maintenance."
	msgNoUserByName     = "There is no user account for this user name."
	msgNoGroupForClient = "There is no group for this client ID."
	msgNoUserForClient  = "There is no user account for this client_id"
	msgMailboxExists    = "There is already a mailbox with this email address."
	msgResellerNesting  = "Reseller cannot be client of another reseller."
	msgNotAReseller     = "Selected client is not a reseller."
	msgDuplicateUser    = "Duplicate username"
)

var (
	reKey           = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	reWeakPassword  = regexp.MustCompile(`^The chosen password does not match the security guidelines\.[^"]*?(?:"[^"]*")?\.`)
	reMailDomainMis = regexp.MustCompile(`^Mail domain - .* - does not exist as primary\.$`)
)

// classifyFault turns a remote_fault message into an error. It is the only place that reads fault texts.
func classifyFault(fn, msg string) error {
	switch {
	case msg == msgSessionExpired || msg == msgSessionEmpty:
		return fmt.Errorf("ispapi: %s: %w", fn, ErrSessionExpired)
	case msg == msgPermission, msg == msgLoginFailed, msg == msgLoginEmptyUser, msg == msgLoginEmptyPass,
		msg == msgLoginBlocked, msg == msgLoginNoAPI, strings.HasPrefix(msg, msgLoginNotAllowed):
		return fmt.Errorf("ispapi: %s: %s: %w", fn, msg, ErrUnauthorized)
	case strings.HasPrefix(msg, msgMaintenance):
		return fmt.Errorf("ispapi: %s: maintenance mode: %w", fn, ErrUnavailable)
	case msg == msgMailboxExists:
		return &ValidationError{Function: fn, Keys: []string{KeyMailboxExists}}
	case msg == msgResellerNesting:
		return &ValidationError{Function: fn, Keys: []string{KeyResellerNesting}}
	case msg == msgNotAReseller:
		return &ValidationError{Function: fn, Keys: []string{KeyNotAReseller}}
	case reMailDomainMis.MatchString(msg):
		return &ValidationError{Function: fn, Keys: []string{KeyMailDomainMissing}}
	}
	if keys, ok := parseValidation(msg); ok {
		return &ValidationError{Function: fn, Keys: keys}
	}
	return &APIError{Function: fn, Code: "remote_fault", Message: msg}
}

// parseValidation splits a data_processing_error message ("key<br />\r\nkey<br>\r\n…", possibly with the
// password-strength sentence glued in front of the next key) into keys. It reports false when any part is not
// recognisable, so that unknown faults stay APIErrors.
func parseValidation(msg string) ([]string, bool) {
	if !strings.Contains(msg, "<br") && !reWeakPassword.MatchString(msg) {
		return nil, false
	}
	msg = strings.ReplaceAll(msg, "<br />", "\n")
	msg = strings.ReplaceAll(msg, "<br>", "\n")
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, seg := range strings.Split(msg, "\n") {
		seg = strings.TrimSpace(seg)
		for seg != "" {
			if m := reWeakPassword.FindString(seg); m != "" {
				add(KeyWeakPassword)
				seg = strings.TrimSpace(seg[len(m):])
				continue
			}
			switch {
			case seg == msgDuplicateUser:
				add(KeyDuplicateUsername)
			case reKey.MatchString(seg):
				add(seg)
			default:
				return nil, false
			}
			seg = ""
		}
	}
	return keys, len(keys) > 0
}

// isFault reports whether err is an APIError carrying exactly msg.
func isFault(err error, msg string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Message == msg
}
