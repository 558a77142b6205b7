// Package views renders the portal's pages and fragments with templ. Views do no I/O: handlers pass everything in.
package views

import (
	"context"
	"net/url"

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
	More        bool // under "More" on wide screens: settings, records and the account's own pages
}

// navMore are the pages listed under "More" whatever the role, so that a German admin's twenty links don't wrap the
// header into three rows.
var navMore = map[string]bool{
	"/billing/prices": true, "/billing/settings": true, "/admin/billing/stripe": true, "/reseller/billing/stripe": true,
	"/admin/platform": true, "/admin/platforms": true, "/admin/drift": true, "/admin/mail": true, "/admin/audit": true,
	"/admin/branding": true, "/reseller/branding": true, "/account/billing": true, "/account/password": true,
	"/account/language": true,
}

// hasMore reports whether role's navigation has a "More" group.
func hasMore(role string) bool {
	for _, n := range Nav(role) {
		if n.More {
			return true
		}
	}
	return false
}

// inMore reports whether path is one of the pages under role's "More".
func inMore(role, path string) bool {
	for _, n := range Nav(role) {
		if n.More && n.Href == path {
			return true
		}
	}
	return false
}

// Nav returns the navigation for a role.
func Nav(role string) []NavItem {
	items := navOf(role)
	for i := range items {
		items[i].More = navMore[items[i].Href]
	}
	return items
}

func navOf(role string) []NavItem {
	switch role {
	case "admin":
		return []NavItem{{Href: "/admin", Label: i18n.M("Dashboard")}, {Href: "/admin/resellers", Label: i18n.M("Resellers")}, {Href: "/admin/clients", Label: i18n.M("Clients")},
			{Href: "/admin/plans", Label: i18n.M("Plans")}, {Href: "/sites", Label: i18n.M("Sites")}, {Href: "/mail", Label: i18n.M("Mail")}, {Href: "/domains", Label: i18n.M("Domains")},
			{Href: "/invoices", Label: i18n.M("Invoices")}, {Href: "/billing/prices", Label: i18n.M("Prices")}, {Href: "/billing/settings", Label: i18n.M("Billing")}, {Href: "/admin/billing/stripe", Label: i18n.M("Stripe")},
			{Href: "/admin/platform", Label: i18n.M("Platform")}, {Href: "/admin/platforms", Label: i18n.M("Platforms")}, {Href: "/admin/drift", Label: i18n.M("Drift")}, {Href: "/admin/signups", Label: i18n.M("Signups")}, {Href: "/admin/mail", Label: i18n.M("Outbox")}, {Href: "/admin/audit", Label: i18n.M("Audit log")}, {Href: "/admin/branding", Label: i18n.M("Branding")}, {Href: "/account/password", Label: i18n.M("Password")}, {Href: "/account/language", Label: i18n.M("Language")}}
	case "reseller":
		return []NavItem{{Href: "/reseller", Label: i18n.M("Dashboard")}, {Href: "/reseller/clients", Label: i18n.M("Clients")}, {Href: "/reseller/plans", Label: i18n.M("Plans")}, {Href: "/reseller/signups", Label: i18n.M("Signups")}, {Href: "/reseller/branding", Label: i18n.M("Branding")},
			{Href: "/invoices", Label: i18n.M("Invoices")}, {Href: "/billing/prices", Label: i18n.M("Prices")}, {Href: "/billing/settings", Label: i18n.M("Billing")}, {Href: "/reseller/billing/stripe", Label: i18n.M("Stripe")},
			{Href: "/sites", Label: i18n.M("Sites")}, {Href: "/mail", Label: i18n.M("Mail")}, {Href: "/domains", Label: i18n.M("Domains")}, {Href: "/account/password", Label: i18n.M("Password")}, {Href: "/account/language", Label: i18n.M("Language")}}
	case "client":
		return []NavItem{{Href: "/client", Label: i18n.M("Dashboard")}, {Href: "/sites", Label: i18n.M("Sites")}, {Href: "/mail", Label: i18n.M("Mail")}, {Href: "/domains", Label: i18n.M("Domains")},
			{Href: "/invoices", Label: i18n.M("Invoices")}, {Href: "/account/billing", Label: i18n.M("Billing details")}, {Href: "/account/password", Label: i18n.M("Password")}, {Href: "/account/language", Label: i18n.M("Language")}}
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
