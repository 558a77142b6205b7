package i18n

import (
	"context"
	"time"
)

// Date writes t's calendar day (UTC) the way the language does: 2 Jan 2026, 02.01.2026.
func (l Lang) Date(t time.Time) string {
	if l == De {
		return t.UTC().Format("02.01.2006")
	}
	return t.UTC().Format("2 Jan 2006")
}

// DateTime writes t (UTC) to the minute: 2 Jan 2026 15:04 UTC, 02.01.2026 15:04 UTC.
func (l Lang) DateTime(t time.Time) string {
	if l == De {
		return t.UTC().Format("02.01.2006 15:04 MST")
	}
	return t.UTC().Format("2 Jan 2006 15:04 MST")
}

// Date is Lang.Date in ctx's language.
func Date(ctx context.Context, t time.Time) string { return From(ctx).Date(t) }

// DateTime is Lang.DateTime in ctx's language.
func DateTime(ctx context.Context, t time.Time) string { return From(ctx).DateTime(t) }

// Number is Lang.Number in ctx's language.
func Number(ctx context.Context, n int64) string { return From(ctx).Number(n) }
