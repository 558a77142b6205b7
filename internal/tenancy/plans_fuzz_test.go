package tenancy

import (
	"testing"

	"portal/internal/ispapi"
)

// FuzzPlanCheck: an accepted plan has a clean name and limits from -1 to 1e9.
func FuzzPlanCheck(f *testing.F) {
	f.Add("Basic", "client", "0", "5", "-1", "10", "1000", "x")
	f.Add("<b>x</b>", "reseller", "", "-2", "1e9", " 3 ", "99999999999", "")
	f.Add("a\nb", "admin", "%", "_", "\x00", "\xff", "ＡＢＣ", "-1")
	f.Fuzz(func(t *testing.T, name, audience, clients, sites, mailboxes, quota, disk, domains string) {
		d := PlanDraft{Name: name, Audience: audience, Clients: clients, Sites: sites, MailDomains: sites,
			Mailboxes: mailboxes, MailQuota: quota, Aliases: sites, Domains: domains, SiteQuota: quota, Disk: disk}
		p, err := PlanOwner{}.check(d, []string{"client", "reseller"})
		if err != nil {
			return
		}
		if p.Name == "" || ispapi.CheckText(p.Name, 60).Format != "" {
			t.Fatalf("plan name %q accepted", p.Name)
		}
		for _, n := range []int{p.MaxClients, p.MaxSites, p.MaxMailDomains, p.MaxMailboxes, p.MaxMailQuotaMB,
			p.MaxMailAliases, p.MaxDomains, p.SiteQuotaMB, p.MaxDiskMB} {
			if n < -1 || n > 1_000_000_000 {
				t.Fatalf("limit %d accepted", n)
			}
		}
	})
}
