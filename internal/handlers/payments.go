package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"portal/internal/billing/stripepay"
	"portal/internal/store"
	"portal/internal/views"
)

// paymentBase is where the actor's billing screens live: /admin for admins, /reseller for resellers.
func paymentBase(r *http.Request) string {
	if p, _ := principalFrom(r.Context()); p.Effective.Role == store.RoleReseller {
		return "/reseller"
	}
	return "/admin"
}

func (h *Handler) stripeSettingsData(r *http.Request, errs views.FieldErrors, publishable *string) (views.StripeSettingsData, error) {
	s, err := h.payments.Settings(r.Context(), h.actor(r))
	if err != nil {
		return views.StripeSettingsData{}, err
	}
	d := views.StripeSettingsData{Base: paymentBase(r), PublishableKey: s.PublishableKey, SecretKeySet: s.SecretKeySet,
		WebhookSecretSet: s.WebhookSecretSet, Enabled: s.Enabled, WebhookURL: s.WebhookURL, CanSave: s.CanSave, Errs: errs}
	if !s.UpdatedAt.IsZero() {
		d.UpdatedAt = s.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	if publishable != nil {
		d.PublishableKey = *publishable
	}
	return d, nil
}

// stripeSettings serves GET /admin/billing/stripe (the operator's keys) and GET /reseller/billing/stripe (the
// reseller's own): the keys' state, never the secrets, and the webhook address to give Stripe.
func (h *Handler) stripeSettings(w http.ResponseWriter, r *http.Request) error {
	if rendered, err := h.needConfirm(w, r, r.URL.Path); rendered || err != nil {
		return err // payment settings: the acting person confirms it is them first
	}
	d, err := h.stripeSettingsData(r, nil, nil)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Stripe", views.StripeSettingsPage(d))
}

// stripeSettingsSave serves POST /admin/billing/stripe and POST /reseller/billing/stripe: the actor's own issuer's
// keys only (the issuer comes from the signed-in account, never from the form).
func (h *Handler) stripeSettingsSave(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "publishable_key", "secret_key", "webhook_secret")
	if err != nil {
		return err
	}
	in := stripepay.SettingsInput{PublishableKey: f["publishable_key"], SecretKey: f["secret_key"], WebhookSecret: f["webhook_secret"]}
	if _, err := h.payments.SaveSettings(r.Context(), h.actor(r), in); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			d, err := h.stripeSettingsData(r, errs, &in.PublishableKey)
			if err != nil {
				return err
			}
			return h.render(w, r, http.StatusUnprocessableEntity, "Stripe", views.StripeSettingsPage(d))
		})
	}
	h.flash(r, "The Stripe settings are saved.")
	redirect(w, r, paymentBase(r)+"/billing/stripe")
	return nil
}

// paymentEvents serves GET /admin/billing/events (every issuer's, filtered by issuer, type and outcome) and GET
// /reseller/billing/events (the reseller's own endpoint's only, whatever the query says).
func (h *Handler) paymentEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := stripepay.EventFilter{Issuer: q.Get("issuer"), Type: q.Get("type"), Outcome: q.Get("outcome")}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return userErr(http.StatusBadRequest, "Unknown page.")
		}
		f.Before = n
	}
	switch f.Outcome {
	case "", store.EventApplied, store.EventIgnored, store.EventFailed:
	default:
		return userErr(http.StatusBadRequest, "Unknown outcome.")
	}
	list, more, err := h.payments.Events(r.Context(), h.actor(r), f)
	if err != nil {
		return err
	}
	p, _ := principalFrom(r.Context())
	d := views.PaymentEventsData{Base: paymentBase(r), AllIssuers: p.Effective.Role == store.RoleAdmin, Issuer: f.Issuer,
		Type: f.Type, Outcome: f.Outcome, Events: list, More: more}
	if more {
		next := url.Values{"before": {strconv.FormatInt(list[len(list)-1].ID, 10)}}
		for k, v := range map[string]string{"issuer": f.Issuer, "type": f.Type, "outcome": f.Outcome} {
			if v != "" {
				next.Set(k, v)
			}
		}
		d.Next = next.Encode()
	}
	return h.render(w, r, http.StatusOK, "Webhook events", views.PaymentEventsPage(d))
}

// paymentEventShow serves GET /admin/billing/events/{paymentEventID} and GET /reseller/billing/events/{paymentEventID}:
// one event with its payload (the choke point has checked it is the reseller's).
func (h *Handler) paymentEventShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "paymentEventID")
	if err != nil {
		return err
	}
	e, err := h.payments.Event(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	p, _ := principalFrom(r.Context())
	return h.render(w, r, http.StatusOK, "Webhook event", views.PaymentEventPage(paymentBase(r), e, p.Effective.Role == store.RoleAdmin))
}

// paymentEventReplay serves POST /admin/billing/events/{paymentEventID}/replay (admins): the stored event is applied
// again in a transaction; the ledger's idempotency keeps a payment from counting twice. Audited by the service.
func (h *Handler) paymentEventReplay(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "paymentEventID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	outcome, err := h.payments.Replay(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	h.flash(r, "The event was replayed: %s.", outcome)
	redirect(w, r, "/admin/billing/events/"+strconv.FormatInt(id, 10))
	return nil
}

// stripeWebhook serves POST /webhooks/stripe/{issuer} for Stripe's servers: no session, no CSRF token (Stripe
// sends no Origin or Sec-Fetch-Site, which the cross-origin check lets through), the body capped by limitBody. The
// signature with the issuer's webhook secret is the authentication; a bad one is a 400 that is counted, not
// audited. 200 tells Stripe the event is stored (or was already); 500 makes Stripe retry.
func (h *Handler) stripeWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "could not read the payload", http.StatusBadRequest)
		return
	}
	err = h.payments.Process(r.Context(), r.PathValue("issuer"), body, r.Header.Get("Stripe-Signature"))
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"received":true}`)
	case errors.Is(err, stripepay.ErrSignature), errors.Is(err, stripepay.ErrUnknownIssuer),
		errors.Is(err, stripepay.ErrPayload), errors.Is(err, store.ErrConflict):
		h.log.DebugContext(r.Context(), "stripe webhook refused", "err", err)
		http.Error(w, "webhook refused", http.StatusBadRequest)
	default:
		h.log.ErrorContext(r.Context(), "stripe webhook failed", "err", err, "request_id", requestID(r.Context()))
		http.Error(w, "not processed; retry later", http.StatusInternalServerError)
	}
}

// invoicePay serves POST /invoices/{invoiceID}/pay (the invoice's client): a Stripe Checkout Session for what is
// due, then a redirect (HX-Redirect for htmx) to Stripe's payment page.
func (h *Handler) invoicePay(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "invoiceID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	to, err := h.payments.Pay(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	redirect(w, r, to)
	return nil
}
