// Package views renders the portal's pages and fragments with templ. Views do no I/O: handlers pass everything in.
package views

import (
	"context"
	"net/url"
	"strconv"

	"portal/internal/i18n"
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
	// Brand is whose name, logo and colour the page wears: the client's reseller's, else the operator's.
	Brand Brand
}

// Brand is a reseller's (or the operator's) look as the layout and emails show it.
type Brand struct {
	Name         string // display name; never empty (the operator's defaults to "Portal")
	LogoURL      string // "" for none; content-addressed, so cacheable for ever
	ThemeURL     string // the stylesheet that sets the accent colour; "" for the default colour
	SupportEmail string // "" for none
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
		return []NavItem{{"/admin", i18n.M("Dashboard")}, {"/admin/resellers", i18n.M("Resellers")}, {"/admin/clients", i18n.M("Clients")},
			{"/admin/plans", i18n.M("Plans")}, {"/sites", i18n.M("Sites")}, {"/mail", i18n.M("Mail")}, {"/domains", i18n.M("Domains")},
			{"/invoices", i18n.M("Invoices")}, {"/billing/prices", i18n.M("Prices")}, {"/billing/settings", i18n.M("Billing")}, {"/admin/billing/stripe", i18n.M("Stripe")},
			{"/admin/platform", i18n.M("Platform")}, {"/admin/platforms", i18n.M("Platforms")}, {"/admin/drift", i18n.M("Drift")}, {"/admin/signups", i18n.M("Signups")}, {"/admin/mail", i18n.M("Outbox")}, {"/admin/audit", i18n.M("Audit log")}, {"/admin/branding", i18n.M("Branding")}, {"/account/password", i18n.M("Password")}, {"/account/language", i18n.M("Language")}}
	case "reseller":
		return []NavItem{{"/reseller", i18n.M("Dashboard")}, {"/reseller/clients", i18n.M("Clients")}, {"/reseller/plans", i18n.M("Plans")}, {"/reseller/signups", i18n.M("Signups")}, {"/reseller/branding", i18n.M("Branding")},
			{"/invoices", i18n.M("Invoices")}, {"/billing/prices", i18n.M("Prices")}, {"/billing/settings", i18n.M("Billing")}, {"/reseller/billing/stripe", i18n.M("Stripe")},
			{"/sites", i18n.M("Sites")}, {"/mail", i18n.M("Mail")}, {"/domains", i18n.M("Domains")}, {"/account/password", i18n.M("Password")}, {"/account/language", i18n.M("Language")}}
	case "client":
		return []NavItem{{"/client", i18n.M("Dashboard")}, {"/sites", i18n.M("Sites")}, {"/mail", i18n.M("Mail")}, {"/domains", i18n.M("Domains")},
			{"/invoices", i18n.M("Invoices")}, {"/account/billing", i18n.M("Billing details")}, {"/account/password", i18n.M("Password")}, {"/account/language", i18n.M("Language")}}
	}
	return nil
}

// FieldErrors maps a form field name to its inline message.
type FieldErrors map[string]string

// Matches is a list's count of matches: "3 matches", or that there are more than the cap.
func Matches(ctx context.Context, n int) string {
	if n > store.CountCap {
		return i18n.Tf(ctx, "more than %s matches (narrow the search)", i18n.Number(ctx, store.CountCap))
	}
	return i18n.N(ctx, "%d matches", n)
}

// numUnit is n in the page's notation, followed by unit when there is one.
func numUnit(ctx context.Context, n int, unit string) string {
	s := i18n.Number(ctx, int64(n))
	if unit != "" {
		s += " " + unit
	}
	return s
}

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

// roleName is a role as people read it, translated where shown.
func roleName(role string) string {
	switch role {
	case "admin":
		return i18n.M("administrator")
	case "reseller":
		return i18n.M("reseller")
	case "client":
		return i18n.M("client")
	}
	return role
}
