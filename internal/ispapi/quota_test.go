package ispapi

import (
	"context"
	"errors"
	"testing"
)

// TestQuota_DecodesWhatQuotaLibAnswers: numbers come as strings, numbers or null; traffic is [] without sites and
// an object keyed by host name otherwise; client id 0 (which would read every client) is refused before a call.
func TestQuota_DecodesWhatQuotaLibAnswers(t *testing.T) {
	f, c := newFake(t)
	ctx := context.Background()
	f.set("quota_get_by_user", 200, `{"code":"ok","message":"","response":[
		{"domain_id":"7","domain":"b.test","system_user":"web7","used":null,"soft":-1,"hard":-1},
		{"domain_id":"3","domain":"a.test","system_user":"web3","used":"2048","soft":"0","hard":-1}]}`)
	q, err := c.SiteQuotas(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].ID != 3 || q[0].UsedKB == nil || *q[0].UsedKB != 2048 || q[1].UsedKB != nil || q[1].SystemUser != "web7" {
		t.Fatalf("site quotas: %+v", q)
	}
	f.set("trafficquota_get_by_user", 200, `{"code":"ok","message":"","response":[]}`)
	if tr, err := c.SiteTraffic(ctx, 5); err != nil || len(tr) != 0 {
		t.Fatalf("no sites: %v %v", tr, err)
	}
	f.set("trafficquota_get_by_user", 200, `{"code":"ok","message":"","response":{"b.test":{"domain_id":"7","this_month":"1000"},"a.test":{"domain_id":"3","last_month":"5"}}}`)
	tr, err := c.SiteTraffic(ctx, 5)
	if err != nil || len(tr) != 2 || tr[0].Domain != "a.test" || tr[0].LastMonth != 5 || tr[1].ThisMonth != 1000 {
		t.Fatalf("traffic: %+v %v", tr, err)
	}
	f.set("mailquota_get_by_user", 200, `{"code":"ok","message":"","response":[{"mailuser_id":"4","email":"a@a.test","used":123,"quota":"0","password":"$6$x"}]}`)
	if m, err := c.MailboxQuotas(ctx, 5); err != nil || len(m) != 1 || m[0].UsedBytes != 123 {
		t.Fatalf("mailboxes: %+v %v", m, err)
	}
	calls := len(f.calls)
	var in *InputError
	if _, err := c.SiteQuotas(ctx, 0); !errors.As(err, &in) {
		t.Fatalf("client 0: %v, want an InputError", err)
	}
	if _, err := c.MailboxQuotas(ctx, 0); !errors.As(err, &in) {
		t.Fatalf("client 0: %v, want an InputError", err)
	}
	if len(f.calls) != calls {
		t.Fatal("client id 0 was sent")
	}
}
