package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"portal/internal/hosting"
	"portal/internal/signup"
	"portal/internal/store"
	"portal/internal/views"
)

const (
	keySignupFormAt = "signup_form_at" // unix nanoseconds the signup form was shown (minimum fill time)
	keySignupID     = "signup_id"      // the signup this browser confirmed (its set-up page)
)

// signupAction is the form's own URL: /signup or /signup/{slug}.
func signupAction(slug string) string {
	if slug == "" {
		return "/signup"
	}
	return "/signup/" + slug
}

// signupSlug is the {slug} of /signup/{slug}, decoded: chi matches the path as sent, and some mail programs and
// link rewriters send a slug's tilde as %7E.
func signupSlug(r *http.Request) (string, error) {
	slug := chi.URLParam(r, "slug")
	if r.URL.RawPath == "" { // chi matched the decoded path: nothing left to decode
		return slug, nil
	}
	slug, err := url.PathUnescape(slug)
	if err != nil {
		return "", errNotFound
	}
	return slug, nil
}

// signupPage serves GET /signup and /signup/{slug}.
func (h *Handler) signupPage(w http.ResponseWriter, r *http.Request) error {
	slug, err := signupSlug(r)
	if err != nil {
		return err
	}
	p, err := h.signup.PageFor(r.Context(), slug)
	if err != nil {
		return err
	}
	h.sessions.Put(r.Context(), keySignupFormAt, h.opts.Now().UnixNano())
	r = withBrand(r, p.Brand)
	return h.render(w, r, http.StatusOK, "Sign up", views.SignupPage(signupAction(slug), p.Owner, p.Available, p.Plans, p.Settings,
		views.SignupFormValues{}, nil))
}

// signupSubmit serves POST /signup and /signup/{slug}.
func (h *Handler) signupSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slug, err := signupSlug(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "name", "email", "password", "plan_id", "domain", "terms", "website")
	if err != nil {
		return err
	}
	var elapsed time.Duration
	if at := h.sessions.GetInt64(ctx, keySignupFormAt); at > 0 {
		elapsed = h.opts.Now().Sub(time.Unix(0, at))
	}
	planID, _ := strconv.ParseInt(f["plan_id"], 10, 64)
	v := views.SignupFormValues{Name: strings.TrimSpace(f["name"]), Email: strings.TrimSpace(f["email"]),
		Domain: strings.TrimSpace(f["domain"]), PlanID: planID, Terms: f["terms"] == "1"}
	err = h.signup.Submit(ctx, slug, signup.Form{Name: f["name"], Email: f["email"], Password: f["password"],
		PlanID: f["plan_id"], Domain: f["domain"], Terms: f["terms"] == "1", Honeypot: f["website"], Elapsed: elapsed,
		IP: clientIP(r)})
	if errors.Is(err, signup.ErrIgnored) {
		err = nil // a bot gets the same answer and nothing happens
	}
	if fields := fieldErrors(r, err); fields != nil {
		p, perr := h.signup.PageFor(ctx, slug)
		if perr != nil {
			return perr
		}
		r = withBrand(r, p.Brand)
		return h.render(w, r, http.StatusUnprocessableEntity, "Sign up", views.SignupPage(signupAction(slug), p.Owner, p.Available,
			p.Plans, p.Settings, v, fields))
	}
	if err != nil {
		return err
	}
	// The signup is recorded and its mail queued: a failed read of the look shows the operator's, not an error.
	if b, err := h.signup.SlugLook(ctx, slug); err == nil {
		r = withBrand(r, b)
	} else {
		h.log.ErrorContext(ctx, "signup brand", "err", err)
	}
	return h.render(w, r, http.StatusOK, "Check your mail", views.SignupSentPage(v.Email))
}

// signupConfirmForm serves GET /signup/confirm/{token}.
func (h *Handler) signupConfirmForm(w http.ResponseWriter, r *http.Request) error {
	b, err := h.signup.LinkLook(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}
	r = withBrand(r, b)
	return h.render(w, r, http.StatusOK, "Confirm your signup", views.SignupConfirmPage(r.URL.Path))
}

// signupConfirm serves POST /signup/confirm/{token}: the set-up starts and this browser follows it.
func (h *Handler) signupConfirm(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	id, err := h.signup.Confirm(r.Context(), chi.URLParam(r, "token"), clientIP(r))
	if err != nil {
		return err
	}
	if err := h.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	h.sessions.Put(r.Context(), keySignupID, id)
	redirect(w, r, "/signup/setup")
	return nil
}

// signupSetup serves GET /signup/setup: the set-up of the signup this browser confirmed, step by step. Once it is
// ready, this browser is signed in as the new client.
func (h *Handler) signupSetup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := h.sessions.GetInt64(ctx, keySignupID)
	if id == 0 {
		return errNotFound
	}
	sg, err := h.signup.Status(ctx, id)
	if err != nil {
		return err
	}
	b, err := h.signup.Look(ctx, sg.ResellerID)
	if err != nil {
		return err
	}
	r = withBrand(r, b)
	// Ready, or waiting for the first invoice's payment: this browser is signed in as the new client (to see and pay
	// its invoice).
	var pay views.SetupPay
	if (sg.State == store.SignupReady || (sg.State == store.SignupSettingUp && sg.Step == "payment")) && sg.CustomerID != nil {
		acct, err := h.accounts.ByCustomer(ctx, *sg.CustomerID)
		if err != nil {
			return err
		}
		if sg.Step == "payment" && h.billing != nil {
			p, err := h.billing.SignupPayment(ctx, hosting.Actor{Acting: acct, Effective: acct, IP: clientIP(r)})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			pay = views.SetupPay{InvoiceID: p.InvoiceID, Open: p.Open.Minor, Currency: p.Open.Currency, Online: p.Online}
		}
		if h.sessions.GetInt64(ctx, keyActing) != acct.ID {
			if err := h.sessions.RenewToken(ctx); err != nil {
				return err
			}
			h.sessions.Put(ctx, keyActing, acct.ID)
			h.sessions.Put(ctx, keyEffective, acct.ID)
			h.sessions.Put(ctx, keyAuthAt, h.opts.Now().UnixNano())
			h.appendAudit(ctx, store.AuditEntry{ActingAccountID: &acct.ID, ActingEmail: acct.Email, EffectiveAccountID: &acct.ID,
				EffectiveEmail: acct.Email, Action: "signin.success", ObjectType: "account", ObjectID: idString(acct.ID),
				IP: clientIP(r), Outcome: store.OutcomeSuccess, Detail: "after signup"})
		}
	}
	if isHTMX(r) {
		return h.renderFragment(w, r, http.StatusOK, views.SetupStatus(sg, pay))
	}
	return h.render(w, r, http.StatusOK, "Setting up", views.SetupPage(sg, pay))
}

// signupSetupRetry serves POST /signup/setup/retry.
func (h *Handler) signupSetupRetry(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	id := h.sessions.GetInt64(r.Context(), keySignupID)
	if id == 0 {
		return errNotFound
	}
	if err := h.signup.Retry(r.Context(), id, clientIP(r)); err != nil {
		return err
	}
	redirect(w, r, "/signup/setup")
	return nil
}

// signupOwner is whose signups the effective account manages: a reseller's own, or (admins) the operator's.
func signupOwner(r *http.Request) (*int64, string, error) {
	p, _ := principalFrom(r.Context())
	switch p.Effective.Role {
	case store.RoleAdmin:
		return nil, "/admin/signups", nil
	case store.RoleReseller:
		if p.Effective.CustomerID == nil {
			return nil, "", errNotFound
		}
		return p.Effective.CustomerID, "/reseller/signups", nil
	}
	return nil, "", errNotFound
}

// signupsList serves GET /admin/signups and /reseller/signups: the link, the settings and the queue.
func (h *Handler) signupsList(w http.ResponseWriter, r *http.Request) error {
	owner, base, err := signupOwner(r)
	if err != nil {
		return err
	}
	q, err := h.signup.QueueOf(r.Context(), owner)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Signups", views.SignupsPage(base, q.Link, q.Settings, q.Signups))
}

// signupsSettings serves POST /admin/signups/settings and /reseller/signups/settings.
func (h *Handler) signupsSettings(w http.ResponseWriter, r *http.Request) error {
	owner, base, err := signupOwner(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "manual_approval", "terms_text", "terms_version")
	if err != nil {
		return err
	}
	if err := h.signup.SaveSettings(r.Context(), h.actor(r), owner, f["manual_approval"] == "1", f["terms_text"], f["terms_version"]); err != nil {
		return err
	}
	h.flash(r, "Saved.")
	redirect(w, r, base)
	return nil
}

// signupDecide serves POST /signups/{signupID}/approve, /reject and /retry.
func (h *Handler) signupDecide(d signup.Decision) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := ownedID(r, "signupID")
		if err != nil {
			return err
		}
		if _, err := parseForm(r); err != nil {
			return err
		}
		if err := h.signup.Decide(r.Context(), h.actor(r), id, d); err != nil {
			return err
		}
		_, base, _ := signupOwner(r)
		h.flash(r, "Done.")
		redirect(w, r, base)
		return nil
	}
}

// planPublic serves POST /admin/plans/{planID}/public and /reseller/plans/{planID}/public.
func (h *Handler) planPublic(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	id, err := ownedID(r, "planID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "public")
	if err != nil {
		return err
	}
	if err := h.signup.SetPlanPublic(r.Context(), h.actor(r), id, f["public"] == "1"); err != nil {
		return err
	}
	redirect(w, r, fmt.Sprintf("%s/plans/%d", roleHome(p.Effective.Role), id))
	return nil
}

// signupResend serves POST /signup/resend: a new confirmation link, with the same answer for any address.
func (h *Handler) signupResend(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, "email")
	if err != nil {
		return err
	}
	email := strings.TrimSpace(f["email"])
	if err := h.signup.ResendConfirmation(r.Context(), email, clientIP(r)); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Check your mail", views.SignupSentPage(email))
}
