package handlers

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/go-chi/chi/v5"

	"portal/internal/store"
)

// paramKinds maps every parameter that routes may use to the kind of object it names. A route parameter that is
// not listed here makes Routes panic at start-up, so no id can bypass the ownership check.
var paramKinds = map[string]store.Kind{
	"customerID":    store.KindCustomer,
	"planID":        store.KindPlan,
	"siteID":        store.KindSite,
	"mailDomainID":  store.KindMailDomain,
	"mailboxID":     store.KindMailbox,
	"mailForwardID": store.KindMailForward,
	"domainID":      store.KindDomain,
	"driftID":       store.KindDrift,
	"outboxID":      store.KindOutbox,
	"signupID":      store.KindSignup,
	"platformID":    store.KindPlatform,

	"paymentEventID": store.KindPaymentEvent,
	"invoiceID":      store.KindInvoice,
}

// secretParams are route parameters that are not ids but link secrets (invitations, resets, address
// confirmations): their own service checks them, and they are never logged.
var secretParams = map[string]bool{"token": true}

// publicParams are route parameters that name public pages (a reseller's signup page) or endpoints (the issuer of
// a Stripe webhook, authenticated by its signature; a brand's logo by its content hash and its theme by its
// colour), not objects.
var publicParams = map[string]bool{"slug": true, "issuer": true, "hash": true, "file": true}

type ownedKey string

// resolveIDs is the ownership choke point. wrap runs it for every route before the handler: it resolves every id
// parameter of the matched route against the effective account's scope, in SQL, and returns not found — exactly
// as for an id that does not exist — when the account may not see it. Handlers read ids only through ownedID,
// which finds nothing unless this ran.
func (h *Handler) resolveIDs(r *http.Request) (*http.Request, error) {
	rc := chi.RouteContext(r.Context())
	if rc == nil || len(rc.URLParams.Keys) == 0 {
		return r, nil
	}
	ctx := r.Context()
	p, signedIn := principalFrom(ctx)
	for i, name := range rc.URLParams.Keys {
		kind, ok := paramKinds[name]
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(rc.URLParams.Values[i], 10, 64)
		if err != nil || id <= 0 || !signedIn {
			return r, errNotFound
		}
		if err := h.tenancy.Resolve(ctx, p.Effective, kind, id); err != nil {
			return r, err
		}
		ctx = context.WithValue(ctx, ownedKey(name), id)
	}
	return r.WithContext(ctx), nil
}

// checkRouteParams panics when a route has a parameter that the choke point does not know, so an id can't slip
// past it by a new name.
func checkRouteParams(r chi.Routes) {
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		for _, m := range paramRE.FindAllStringSubmatch(route, -1) {
			if _, ok := paramKinds[m[1]]; !ok && !secretParams[m[1]] && !publicParams[m[1]] {
				return fmt.Errorf("route %s %s: parameter {%s} is not in paramKinds", method, route, m[1])
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
}

var paramRE = regexp.MustCompile(`\{([^}:]+)(?::[^}]*)?\}`)

// ownedID returns the id in route parameter name after owns has checked it; otherwise not found.
func ownedID(r *http.Request, name string) (int64, error) {
	id, ok := r.Context().Value(ownedKey(name)).(int64)
	if !ok {
		return 0, errNotFound
	}
	return id, nil
}
