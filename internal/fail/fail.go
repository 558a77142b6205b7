// Package fail is the portal's one user-facing error: a status, an optional form field, and a message that is safe
// to show. Services return it; handlers turn it into a page, a form fragment or an htmx alert in one place.
//
// An Error keeps its message as a format and arguments, keyed by the English format in internal/i18n's
// catalogue, so the handlers show it in the reader's language; Msg is the English text, for logs and tests.
// Arguments that are words themselves ("site", a state) are passed as i18n.Msg and translated with the format.
package fail

import (
	"errors"
	"net/http"

	"portal/internal/i18n"
)

// Error is a failure the user should see as it is.
type Error struct {
	Status int    // HTTP status it is shown with
	Field  string // the form field it belongs to; "" for the whole request ("form" shows above a form)
	Msg    string // the message in English
	Format string // the catalogue's key for Msg ("" when Msg is the key itself)
	Args   []any  // Format's arguments
	More   Fields // further field errors of the same form (Fields.Err)
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// In returns the message in l.
func (e *Error) In(l i18n.Lang) string { return e.Text().In(l) }

// New returns an Error with status and a formatted message.
func New(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: english(format, args), Format: format, Args: args}
}

// Field returns a 422 that belongs next to form field name ("form": above the form).
func Field(name, format string, args ...any) *Error {
	e := New(http.StatusUnprocessableEntity, format, args...)
	e.Field = name
	return e
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

// Text is one translatable message: a catalogue format and its arguments.
type Text struct {
	Format string
	Args   []any
}

// String is the message in English.
func (t Text) String() string { return english(t.Format, t.Args) }

// In returns the message in l.
func (t Text) In(l i18n.Lang) string {
	if len(t.Args) == 0 {
		return l.Text(t.Format)
	}
	return l.Textf(t.Format, t.Args...)
}

func (t Text) orMsg(msg string) Text {
	if t.Format == "" {
		return Text{Format: msg}
	}
	return t
}

func english(format string, args []any) string {
	if len(args) == 0 {
		return format
	}
	return i18n.En.Textf(format, args...)
}

// Fields collects the field errors of one form, so a form can show all its problems at once.
type Fields map[string]Text

// Addf records the message format (with args) for field name unless that field already has one.
func (f Fields) Addf(name, format string, args ...any) {
	if _, ok := f[name]; !ok {
		f[name] = Text{format, args}
	}
}

// Add records t for field name unless t is empty (a check that passed) or the field already has a message.
func (f Fields) Add(name string, t Text) {
	if t.Format != "" {
		f.Addf(name, t.Format, t.Args...)
	}
}

// In returns every field's message in l.
func (f Fields) In(l i18n.Lang) map[string]string {
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[k] = v.In(l)
	}
	return out
}

var errFields = i18n.M("Please correct the marked fields.")

// Err returns nil when no field has an error, otherwise a 422 *Error carrying all of them.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity, Msg: errFields, More: f}
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
		out.Addf(e.Field, e.Text().Format, e.Text().Args...)
	}
	return out
}

// Text returns e's message as a translatable Text.
func (e *Error) Text() Text { return Text{e.Format, e.Args}.orMsg(e.Msg) }

// ErrReauth refuses an action that needs the acting person to have confirmed their password (and second factor)
// within the last few minutes. Handlers answer it with the confirmation step, which returns to the same page.
var ErrReauth = &Error{Status: http.StatusForbidden, Msg: i18n.M("Please confirm it's you first.")}

// Keep returns the message encoded for a database column (i18n.Keep), to be shown later in the reader's language.
func (t Text) Keep() string { return i18n.Keep(t.Format, t.Args...) }
