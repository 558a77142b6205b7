package views

import (
	"context"
	"strings"
	"time"

	"portal/internal/i18n"
)

// The billing view models carry amounts as numbers (minor units and a currency, written by Money and the helpers
// below), days as YYYY-MM-DD and states, kinds and cycles as the words below. These helpers show them in the
// page's language; a day or word they don't recognise is shown as it came.

// moneyNumber writes an amount without its currency, for a column whose heading names it: 1,234.50, 1.234,50.
func moneyNumber(ctx context.Context, minor int64, currency string) string {
	return i18n.From(ctx).MoneyNumber(minor, currency)
}

// moneyField is a price as its form field shows it for editing (1234.50, 1234,50); "" when there is none.
func moneyField(ctx context.Context, minor *int64, currency string) string {
	if minor == nil {
		return ""
	}
	return i18n.From(ctx).MoneyField(*minor, currency)
}

// rate writes a VAT rate in basis points as a percentage with two decimals: 19.00 %, 19,00 %.
func rate(ctx context.Context, bp int64) string { return i18n.From(ctx).Decimal(bp, 2) + " %" }

// Day writes a YYYY-MM-DD day the page's way: 2 Jan 2026, 02.01.2026.
func Day(ctx context.Context, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return Date(ctx, t)
}

// period writes "YYYY-MM-DD to YYYY-MM-DD" (an invoice's service period) the page's way.
func period(ctx context.Context, s string) string {
	from, to, ok := strings.Cut(s, " to ")
	if !ok {
		return s
	}
	return Tf(ctx, "%s to %s", Day(ctx, from), Day(ctx, to))
}

// billingWords are the words billing's view models carry as data, keyed by how they arrive.
var billingWords = map[string]string{
	// invoice kinds and states
	"invoice": i18n.M("invoice"), "credit note": i18n.M("credit note"), "credit notes": i18n.M("credit notes"),
	"Invoice": i18n.M("Invoice"), "Credit note": i18n.M("Credit note"),
	"draft": i18n.M("draft"), "issued": i18n.M("issued"), "paid": i18n.M("paid"), "void": i18n.M("void"),
	// subscriptions
	"monthly": i18n.M("monthly"), "yearly": i18n.M("yearly"), "active": i18n.M("active"),
	"past_due": i18n.M("past due"), "suspended": i18n.M("suspended"), "cancelled": i18n.M("cancelled"),
	// payments and webhook events
	"bank": i18n.M("bank transfer"), "cash": i18n.M("cash"), "stripe": i18n.M("card (Stripe)"),
	"applied": i18n.M("applied"), "ignored": i18n.M("ignored"), "failed": i18n.M("failed"),
	// who a plan is for
	"clients": i18n.M("clients"), "resellers": i18n.M("resellers"),
}

// word shows one of billingWords in the page's language.
func word(ctx context.Context, s string) string {
	if w, ok := billingWords[s]; ok {
		return T(ctx, w)
	}
	return s
}

// totalLabel writes a totals row's label, "issued (EUR)" or "credit notes (EUR)", in the page's language.
func totalLabel(ctx context.Context, s string) string {
	w, cur, ok := strings.Cut(s, " (")
	if !ok {
		return word(ctx, s)
	}
	return word(ctx, w) + " (" + cur
}

// reverseChargeNote is billing.ReverseChargeNote, the legal note a reverse-charge document carries (views import
// no service; a handler test checks the two agree). The document keeps its wording; the page shows it translated.
var reverseChargeNote = i18n.M("Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)")

// docNote shows a note of an issued document in the page's language where it is one the portal writes.
func docNote(ctx context.Context, n string) string {
	if n == reverseChargeNote {
		return T(ctx, reverseChargeNote)
	}
	if d, ok := strings.CutPrefix(n, "Payable by "); ok {
		if t, err := time.Parse("2 January 2006.", d); err == nil {
			return Tf(ctx, "Payable by %s.", Date(ctx, t))
		}
	}
	return n
}

// stamp writes a "YYYY-MM-DD hh:mm UTC" moment the page's way.
func stamp(ctx context.Context, s string) string {
	t, err := time.Parse("2006-01-02 15:04 MST", s)
	if err != nil {
		return s
	}
	return DateTime(ctx, t)
}
