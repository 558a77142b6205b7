package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/tenancy"

	"portal/internal/store"
	"portal/internal/views"
)

// userErr returns the one user-facing error (fail.Error) with status and a message format, for refusals the HTTP
// layer itself makes (bad query strings, cross-site requests).
func userErr(status int, format string, args ...any) error { return fail.New(status, format, args...) }

// errNotFound is what every "missing or not yours" ends as.
var errNotFound = store.ErrNotFound

// serveError is the one place where errors become HTTP responses. Users never see err.Error() of internal errors.
func (h *Handler) serveError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, fail.Text{Format: i18n.M("Something went wrong on our side. Please try again.")}
	var fe *fail.Error
	var mbe *http.MaxBytesError
	var ve *ispapi.ValidationError
	var me *ispapi.MismatchError
	if errors.Is(err, fail.ErrReauth) { // the confirmation step, returning to the page the request came from
		if isHTMX(r) {
			w.Header().Set("HX-Retarget", "body")
			w.Header().Set("HX-Reswap", "innerHTML")
		}
		_ = h.renderConfirm(w, r, http.StatusForbidden, r.URL.Path, nil)
		return
	}
	text := func(format string, args ...any) fail.Text { return fail.Text{Format: format, Args: args} }
	switch {
	case errors.Is(err, auth.ErrBusy):
		status, msg = http.StatusServiceUnavailable, text(i18n.M("The portal is busy. Please try again in a few seconds."))
		retryAfter(w)
	case errors.As(err, &fe):
		status, msg = fe.Status, fe.Text()
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, text(i18n.M("The form you sent is too large."))
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, text(i18n.M("Not found."))
	case errors.Is(err, store.ErrBadKey):
		status, msg = http.StatusBadRequest, text(i18n.M("Invalid page."))
	case errors.Is(err, store.ErrConflict):
		status, msg = http.StatusConflict, text(i18n.M("That conflicts with something that already exists."))
	case errors.As(err, &ve) && !ve.Local:
		status, msg = http.StatusUnprocessableEntity, text(i18n.M("The hosting platform refused the change (%s)."), strings.Join(ve.Keys, ", "))
	case errors.As(err, &me):
		status, msg = http.StatusBadGateway, text(i18n.M("The hosting platform did not store the change as sent (%s). Nothing was confirmed; please check and try again."), strings.Join(me.Fields, ", "))
	case errors.Is(err, ispapi.ErrUnavailable), errors.Is(err, tenancy.ErrWaiting):
		status, msg = http.StatusBadGateway, text(i18n.M("The hosting platform isn't responding. Please try again shortly."))
	case errors.Is(err, ispapi.ErrUnauthorized):
		status, msg = http.StatusBadGateway, text(i18n.M("The portal is not allowed to do that on the hosting platform. The operator has been notified."))
	case errors.Is(err, context.Canceled):
		h.log.DebugContext(r.Context(), "request canceled", "err", err)
		return
	}
	if status >= 500 && status != http.StatusBadGateway && status != http.StatusServiceUnavailable {
		h.log.ErrorContext(r.Context(), "request failed", "err", err, "status", status, "request_id", requestID(r.Context()))
	}
	if status == http.StatusBadGateway {
		h.log.WarnContext(r.Context(), "platform error", "err", err, "request_id", requestID(r.Context()))
	}
	if isHTMX(r) {
		// Show the message in the layout's alert area instead of wherever the request targeted.
		w.Header().Set("HX-Retarget", "#alerts")
		w.Header().Set("HX-Reswap", "innerHTML")
		_ = h.renderFragment(w, r, status, views.Alert(msg.In(i18n.From(r.Context()))))
		return
	}
	_ = h.render(w, r, status, statusTitle(status), views.ErrorPage(status, msg.In(i18n.From(r.Context()))))
}

func statusTitle(status int) string {
	if status == http.StatusNotFound {
		return i18n.M("Not found")
	}
	return i18n.M("Error")
}

// wrap adapts a handler that returns an error, after the ownership choke point (resolveIDs) has checked every id
// in the route.
func (h *Handler) wrap(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, err := h.resolveIDs(r)
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			h.serveError(w, r, err)
		}
	}
}

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }

// formError re-renders a form with its inline errors when err is about form fields (the service's *fail.Error with
// a field, or several); any other error goes to serveError.
func (h *Handler) formError(w http.ResponseWriter, r *http.Request, err error, render func(views.FieldErrors) error) error {
	fields := fieldErrors(r, err)
	if fields == nil {
		return err
	}
	return render(fields)
}

// fieldErrors returns err's field messages in the request's language, or nil when err is not about form fields.
func fieldErrors(r *http.Request, err error) views.FieldErrors {
	f := fail.FieldsOf(err)
	if f == nil {
		return nil
	}
	return f.In(i18n.From(r.Context()))
}
