package handlers

import (
	"testing"

	"portal/internal/store"
)

func TestTenancy_CreateResellerAndClientInISPConfig(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "res@example.com")
	c := app.customer(store.RoleClient, &r, "cli@example.com")
	rows := app.sim.Rows("client")
	if len(rows) != 2 {
		t.Fatalf("simulator has %d clients, want 2", len(rows))
	}
	byID := map[string]map[string]string{}
	for _, row := range rows {
		byID[row["client_id"]] = row
	}
	cr := byID[itoa(*c.ISPClientID)]
	if cr == nil || cr["parent_client_id"] != itoa(*r.ISPClientID) || cr["username"] != c.ISPUsername || cr["language"] != "en" {
		t.Fatalf("client row %v: want parent %d, username %s", cr, *r.ISPClientID, c.ISPUsername)
	}
}

func itoa(n int64) string { return idString(n) }
