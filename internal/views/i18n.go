package views

import (
	"context"
	"time"

	"portal/internal/i18n"
)

// T, Tf and N are the catalogue's lookups as templates call them: { T(ctx, "Sites") }. Every word a page shows
// goes through one of them (internal/i18n's tests fail otherwise).
func T(ctx context.Context, msg string) string { return i18n.T(ctx, msg) }

// Tf translates a format and fills it in.
func Tf(ctx context.Context, format string, args ...any) string { return i18n.Tf(ctx, format, args...) }

// Ts fills a format's one %s with s, cheaper than Tf on every row of a list: Ts(ctx, "Delete %s", domain).
func Ts(ctx context.Context, format, s string) string { return i18n.Ts(ctx, format, s) }

// N picks the singular or plural form of a counted message: N(ctx, "%d sites", n).
func N(ctx context.Context, key string, n int, args ...any) string {
	return i18n.N(ctx, key, n, args...)
}

// Date and DateTime write times the way the page's language does.
func Date(ctx context.Context, t time.Time) string { return i18n.Date(ctx, t) }

// DateTime writes t to the minute, in UTC.
func DateTime(ctx context.Context, t time.Time) string { return i18n.DateTime(ctx, t) }

// Money writes minor units (cents) of an ISO 4217 currency the page's way: 1,234.50 EUR, 1.234,50 €.
func Money(ctx context.Context, minor int64, currency string) string {
	return i18n.Money(ctx, minor, currency)
}

// Lang is the page's language code, for <html lang>.
func Lang(ctx context.Context) string { return string(i18n.From(ctx)) }

// Kept shows a message a service kept in a column with i18n.Keep (a record's state detail, a signup's progress)
// in the page's language; text stored before messages were kept shows as it is.
func Kept(ctx context.Context, s string) string { return i18n.Kept(s).In(i18n.From(ctx)) }
