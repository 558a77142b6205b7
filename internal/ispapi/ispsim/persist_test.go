package ispsim

import (
	"bytes"
	"testing"
)

func TestSaveLoad_RoundTrip(t *testing.T) {
	a, sid, _ := newSim(t)
	params := func(user string) map[string]any {
		return map[string]any{"session_id": sid, "reseller_id": 0, "params": map[string]any{
			"contact_name": user, "email": user + "@example.com", "username": user, "password": "Str0ng!Passw0rd",
			"language": "en", "web_php_options": "no", "ssh_chroot": "no"}}
	}
	ok(t, a, "client_add", params("jane"), nil)
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	b, bsid, _ := newSim(t)
	if err := b.Load(&buf); err != nil {
		t.Fatal(err)
	}
	got, want := b.Rows("client"), a.Rows("client")
	if len(got) != 1 || got[0]["username"] != "jane" || got[0]["password"] != want[0]["password"] {
		t.Fatalf("loaded clients %v, want %v", got, want)
	}
	// Ids continue where they stopped.
	sid = bsid
	var id string
	ok(t, b, "client_add", params("joe"), &id)
	if id != "2" {
		t.Fatalf("next client id after load: got %q, want 2", id)
	}
	if err := b.Load(bytes.NewBufferString("not json")); err == nil {
		t.Fatal("garbage state accepted")
	}
}
