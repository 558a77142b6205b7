// Package fail is the portal's one user-facing error: a status, an optional form field, and a message that is safe
// to show. Services return it; handlers turn it into a page, a form fragment or an htmx alert in one place.
package fail

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a failure the user should see as it is.
type Error struct {
	Status int    // HTTP status it is shown with
	Field  string // the form field it belongs to; "" for the whole request ("form" shows above a form)
	Msg    string
	More   Fields // further field errors of the same form (Fields.Err)
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// New returns an Error with status and a formatted message.
func New(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// Field returns a 422 that belongs next to form field name ("form": above the form).
func Field(name, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Field: name, Msg: fmt.Sprintf(format, args...)}
}

// Invalid returns a 422 for the whole request.
func Invalid(format string, args ...any) *Error {
	return New(http.StatusUnprocessableEntity, format, args...)
}

// Conflict returns a 409: the object's state doesn't allow it now.
func Conflict(format string, args ...any) *Error { return New(http.StatusConflict, format, args...) }

// Forbidden returns a 403: the rules don't allow it for this account.
func Forbidden(format string, args ...any) *Error { return New(http.StatusForbidden, format, args...) }

// Platform returns a 502: the hosting platform failed or refused in a way the user can't fix by editing the form.
func Platform(format string, args ...any) *Error { return New(http.StatusBadGateway, format, args...) }

// As returns err's *Error, if it has one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects the field errors of one form, so a form can show all its problems at once.
type Fields map[string]string

// Add records msg for field name unless that field already has one.
func (f Fields) Add(name, msg string) {
	if _, ok := f[name]; !ok {
		f[name] = msg
	}
}

// Err returns nil when no field has an error, otherwise a 422 *Error carrying all of them.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity, Msg: "Please correct the marked fields.", More: f}
}

// FieldsOf returns the per-field messages of err, or nil when err is not about form fields.
func FieldsOf(err error) Fields {
	e, ok := As(err)
	if !ok || (e.Field == "" && len(e.More) == 0) {
		return nil
	}
	out := Fields{}
	for k, v := range e.More {
		out[k] = v
	}
	if e.Field != "" {
		out.Add(e.Field, e.Msg)
	}
	return out
}

// ErrReauth refuses an action that needs the acting person to have confirmed their password (and second factor)
// within the last few minutes. Handlers answer it with the confirmation step, which returns to the same page.
var ErrReauth = &Error{Status: http.StatusForbidden, Msg: "Please confirm it's you first."}
