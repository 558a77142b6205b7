package handlers

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
)

// TestMetrics_Backlogs: /metrics reports the work waiting on the background jobs as it stands at the scrape (the
// invoice sums' changes not folded in, emails waiting and failed), so that a stopped job shows as a growing
// figure; a failed read is reported as an error instead of zeros, and the other metrics are still served.
func TestMetrics_Backlogs(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	scrape := func(m *Metrics) (int, string) {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Code, rec.Body.String()
	}
	m := NewMetrics()
	m.WatchBacklogs(func(ctx context.Context) (store.Backlogs, error) { return store.ReadBacklogs(ctx, app.pool) })
	for _, q := range []string{
		`INSERT INTO invoice_sum_changes (side, owner, issuer, kind, state, currency, count, total_minor, open_minor)
			SELECT 'i', 1, 1, 'invoice', 'issued', 'EUR', 1, 100, 100 FROM generate_series(1, 3)`,
		`INSERT INTO outbox (kind, to_addr, subject, text_body, html_body, state, created_at, updated_at)
			VALUES ('test', 'a@x.test', 's', 't', 'h', 'queued', now() - interval '3 days', now() - interval '2 hours'),
				('test', 'b@x.test', 's', 't', 'h', 'retrying', now(), now()), ('test', 'c@x.test', 's', 't', 'h', 'failed', now(), now()),
				('test', 'd@x.test', 's', 't', 'h', 'sent', now() - interval '3 days', now() - interval '3 days')`,
	} {
		if _, err := app.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	code, body := scrape(m)
	for _, want := range []string{"\nportal_invoice_sum_changes_pending 3\n", "\nportal_outbox_waiting 2\n", "\nportal_outbox_failed 1\n",
		"\nportal_outbox_oldest_waiting_seconds 72"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("scrape: status %d, no %q in\n%s", code, strings.TrimSpace(want), grepLines(body, "portal_"))
		}
	}
	broken := NewMetrics()
	broken.WatchBacklogs(func(context.Context) (store.Backlogs, error) { return store.Backlogs{}, errors.New("no database") })
	broken.ObserveISP("client_get", time.Millisecond, nil)
	if code, body := scrape(broken); strings.Contains(body, "portal_outbox_waiting") || strings.Contains(body, "portal_invoice_sum_changes_pending") ||
		!strings.Contains(body, `portal_ispconfig_calls_total{function="client_get"} 1`) {
		t.Errorf("scrape with the read failing: status %d; want the backlogs left out, not zeros, and the others served:\n%s", code, grepLines(body, "portal_"))
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
