// Package views renders the portal's pages and fragments with templ. Views do no I/O: handlers pass everything in.
package views

import (
	"net/url"
	"strconv"

	"portal/internal/store"
)

// PageMeta is what the layout needs besides the page body.
type PageMeta struct {
	Title string
	Path  string // current path, to mark the active navigation entry
	User  *User  // nil when signed out
	Flash string
	// PlatformDown says ISPConfig did not answer the last call: the page works from the portal's records, changes
	// will fail.
	PlatformDown bool
}

// User is the signed-in principal as the layout shows it: who acts, and as whom.
type User struct {
	ActingEmail     string
	EffectiveEmail  string
	EffectiveRole   string
	Impersonating   bool
	ImpersonateEnds string
}

// NavItem is one navigation link.
type NavItem struct {
	Href, Label string
}

// Nav returns the navigation for a role.
func Nav(role string) []NavItem {
	switch role {
	case "admin":
		return []NavItem{{"/admin", "Dashboard"}, {"/admin/resellers", "Resellers"}, {"/admin/clients", "Clients"},
			{"/admin/plans", "Plans"}, {"/sites", "Sites"}, {"/mail", "Mail"}, {"/domains", "Domains"},
			{"/invoices", "Invoices"}, {"/billing/prices", "Prices"}, {"/billing/settings", "Billing"}, {"/admin/billing/stripe", "Stripe"},
			{"/admin/platform", "Platform"}, {"/admin/platforms", "Platforms"}, {"/admin/drift", "Drift"}, {"/admin/signups", "Signups"}, {"/admin/mail", "Outbox"}, {"/admin/audit", "Audit log"}, {"/account/password", "Password"}}
	case "reseller":
		return []NavItem{{"/reseller", "Dashboard"}, {"/reseller/clients", "Clients"}, {"/reseller/plans", "Plans"}, {"/reseller/signups", "Signups"},
			{"/invoices", "Invoices"}, {"/billing/prices", "Prices"}, {"/billing/settings", "Billing"}, {"/reseller/billing/stripe", "Stripe"},
			{"/sites", "Sites"}, {"/mail", "Mail"}, {"/domains", "Domains"}, {"/account/password", "Password"}}
	case "client":
		return []NavItem{{"/client", "Dashboard"}, {"/sites", "Sites"}, {"/mail", "Mail"}, {"/domains", "Domains"},
			{"/invoices", "Invoices"}, {"/account/billing", "Billing details"}, {"/account/password", "Password"}}
	}
	return nil
}

// FieldErrors maps a form field name to its inline message.
type FieldErrors map[string]string

// CountText is "n noun", or "more than 1000 noun" when a list's count was capped.
func CountText(n int, noun string) string {
	if n > store.CountCap {
		return "more than " + strconv.Itoa(store.CountCap) + " " + noun + " (narrow the search)"
	}
	return strconv.Itoa(n) + " " + noun
}

// queryString encodes key/value pairs, skipping empty values.
func queryString(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v.Encode()
}
