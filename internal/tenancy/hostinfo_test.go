package tenancy_test

import (
	"testing"

	"portal/internal/fail"
	"portal/internal/tenancy"
)

func validSettings() tenancy.PlatformSettingsForm {
	return tenancy.PlatformSettingsForm{WebIPv4: "192.0.2.10", WebIPv6: "2001:db8::10", SFTPHost: "sftp.example.net",
		IMAPHost: "imap.example.net", IMAPPort: "993", POP3Host: "pop.example.net", POP3Port: "995", SMTPHost: "smtp.example.net",
		SMTPPort: "587", WebmailURL: "https://webmail.example.net/", MXHosts: "mx1.example.net", SPFText: "v=spf1 mx -all"}
}

// TestCheckPlatformSettings_EdgeCases: each bad value is a field error on its own field; good ones are normalised.
func TestCheckPlatformSettings_EdgeCases(t *testing.T) {
	bad := []struct {
		field string
		set   func(*tenancy.PlatformSettingsForm)
	}{
		{"web_ipv6", func(f *tenancy.PlatformSettingsForm) { f.WebIPv6 = "::ffff:192.0.2.1" }}, // IPv4-mapped
		{"web_ipv6", func(f *tenancy.PlatformSettingsForm) { f.WebIPv6 = "fe80::1%eth0" }},
		{"web_ipv4", func(f *tenancy.PlatformSettingsForm) { f.WebIPv4 = "2001:db8::1" }},
		{"sftp_host", func(f *tenancy.PlatformSettingsForm) { f.SFTPHost = "localhost" }},
		{"smtp_host", func(f *tenancy.PlatformSettingsForm) { f.SMTPHost = "smtp.example.net:587" }},
		{"imap_port", func(f *tenancy.PlatformSettingsForm) { f.IMAPPort = "" }},
		{"webmail_url", func(f *tenancy.PlatformSettingsForm) { f.WebmailURL = "https://user:pw@webmail.example.net/" }},
		{"webmail_url", func(f *tenancy.PlatformSettingsForm) { f.WebmailURL = "javascript:alert(1)" }},
		{"mx_hosts", func(f *tenancy.PlatformSettingsForm) {
			f.MXHosts = "a.example b.example c.example d.example e.example f.example"
		}},
		{"spf", func(f *tenancy.PlatformSettingsForm) { f.SPFText = `v=spf1 "mx"` }},
		{"spf", func(f *tenancy.PlatformSettingsForm) { f.SPFText = "v=spf10 mx" }},
	}
	for _, c := range bad {
		f := validSettings()
		c.set(&f)
		_, err := tenancy.CheckPlatformSettings(1, f)
		if fs := fail.FieldsOf(err); fs[c.field].Format == "" || len(fs) != 1 {
			t.Errorf("%+v: error %v, want one field error on %s", f, err, c.field)
		}
	}
	f := validSettings()
	f.SFTPHost, f.WebIPv6, f.MXHosts = "Bücher.Example.", "2001:DB8:0:0::10", "mx1.example.net,mx2.example.net"
	p, err := tenancy.CheckPlatformSettings(1, f)
	if err != nil {
		t.Fatal(err)
	}
	if p.SFTPHost != "xn--bcher-kva.example" || p.WebIPv6 != "2001:db8::10" || p.MXHosts != "mx1.example.net mx2.example.net" || p.IMAPPort != 993 {
		t.Fatalf("normalised: %+v", p)
	}
}
