package tenancy

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"portal/internal/fail"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// PlatformSettingsForm is an admin's form of what customers need to reach a platform's servers.
type PlatformSettingsForm struct {
	WebIPv4, WebIPv6, SFTPHost                       string
	IMAPHost, IMAPPort, POP3Host, POP3Port           string
	SMTPHost, SMTPPort, WebmailURL, MXHosts, SPFText string
}

// FormOf spells stored settings as the form shows them.
func FormOf(p store.PlatformSettings) PlatformSettingsForm {
	return PlatformSettingsForm{WebIPv4: p.WebIPv4, WebIPv6: p.WebIPv6, SFTPHost: p.SFTPHost, IMAPHost: p.IMAPHost,
		IMAPPort: strconv.Itoa(p.IMAPPort), POP3Host: p.POP3Host, POP3Port: strconv.Itoa(p.POP3Port), SMTPHost: p.SMTPHost,
		SMTPPort: strconv.Itoa(p.SMTPPort), WebmailURL: p.WebmailURL, MXHosts: p.MXHosts, SPFText: p.SPF}
}

// PlatformSettings returns platform id and its settings (the defaults when none were saved), for the admin's
// settings page. Errors: ErrNotFound.
func (s *Service) PlatformSettings(ctx context.Context, id int64) (store.Platform, store.PlatformSettings, error) {
	return store.NewPlatforms(s.pool).WithSettings(ctx, id)
}

// SavePlatformSettings validates and stores platform id's settings. Every field may be empty (the pages then leave
// that line out) except the ports. Bad input is a field error and nothing is stored. The platform is returned
// also with a refusal, so its page can be shown again with the errors. Audited as the actor's.
func (s *Service) SavePlatformSettings(ctx context.Context, a Actor, id int64, in PlatformSettingsForm) (store.Platform, store.PlatformSettings, error) {
	pl, err := store.NewPlatforms(s.pool).ByID(ctx, id)
	if err != nil {
		s.auditPlatform(ctx, a, "platform.settings", id, err, "")
		return pl, store.PlatformSettings{}, err
	}
	out, err := CheckPlatformSettings(id, in)
	if err == nil {
		err = store.NewPlatforms(s.pool).SaveSettings(ctx, out)
	}
	s.auditPlatform(ctx, a, "platform.settings", id, err, settingsSummary(out))
	return pl, out, err
}

// settingsSummary is the audit detail of saved settings.
func settingsSummary(s store.PlatformSettings) string {
	return "ipv4=" + s.WebIPv4 + " ipv6=" + s.WebIPv6 + " sftp=" + s.SFTPHost + " imap=" + s.IMAPHost + ":" + strconv.Itoa(s.IMAPPort) +
		" pop3=" + s.POP3Host + ":" + strconv.Itoa(s.POP3Port) + " smtp=" + s.SMTPHost + ":" + strconv.Itoa(s.SMTPPort) +
		" webmail=" + s.WebmailURL + " mx=" + s.MXHosts + " spf=" + s.SPF
}

// CheckPlatformSettings validates a settings form: addresses parse (IPv4 in the IPv4 field, IPv6 in the other),
// hosts are host names, ports 1–65535, the webmail address an http or https URL, the SPF record starts v=spf1.
func CheckPlatformSettings(id int64, in PlatformSettingsForm) (store.PlatformSettings, error) {
	errs := fail.Fields{}
	p := store.PlatformSettings{PlatformID: id}
	if v := strings.TrimSpace(in.WebIPv4); v != "" {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			errs.Addf("web_ipv4", "Enter an IPv4 address, like 192.0.2.10.")
		} else {
			p.WebIPv4 = a.String()
		}
	}
	if v := strings.TrimSpace(in.WebIPv6); v != "" {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
			errs.Addf("web_ipv6", "Enter an IPv6 address, like 2001:db8::10.")
		} else {
			p.WebIPv6 = a.String()
		}
	}
	host := func(field, raw string) string {
		v := strings.TrimSpace(raw)
		if v == "" {
			return ""
		}
		h, ok := hostName(v)
		if !ok {
			errs.Addf(field, "Enter a host name, like mail.example.com.")
		}
		return h
	}
	port := func(field, raw string) int {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < 1 || n > 65535 {
			errs.Addf(field, "Enter a port between 1 and 65535.")
		}
		return n
	}
	p.SFTPHost = host("sftp_host", in.SFTPHost)
	p.IMAPHost, p.IMAPPort = host("imap_host", in.IMAPHost), port("imap_port", in.IMAPPort)
	p.POP3Host, p.POP3Port = host("pop3_host", in.POP3Host), port("pop3_port", in.POP3Port)
	p.SMTPHost, p.SMTPPort = host("smtp_host", in.SMTPHost), port("smtp_port", in.SMTPPort)
	if v := strings.TrimSpace(in.WebmailURL); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(v) > 255 ||
			strings.ContainsAny(v, "<>\"' \t\r\n") {
			errs.Addf("webmail_url", "Enter the webmail address, like https://webmail.example.com/.")
		} else {
			p.WebmailURL = u.String()
		}
	}
	var mx []string
	for _, f := range strings.FieldsFunc(in.MXHosts, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n' }) {
		h, ok := hostName(f)
		if !ok || len(mx) == 5 {
			errs.Addf("mx_hosts", "Enter up to five host names separated by blanks, like mx1.example.com mx2.example.com.")
			break
		}
		mx = append(mx, h)
	}
	p.MXHosts = strings.Join(mx, " ")
	if v := strings.Join(strings.Fields(in.SPFText), " "); v != "" {
		if !strings.HasPrefix(v, "v=spf1 ") && v != "v=spf1" || len(v) > 450 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 && r != ' ' || r > 0x7e || r == '"' }) {
			errs.Addf("spf", "Enter an SPF record starting with v=spf1, like v=spf1 mx a -all.")
		}
		p.SPF = v
	}
	return p, errs.Err()
}

// hostName normalises a host name (IDNA to ASCII, lower case, no trailing dot) and says whether it is one: at
// least two labels of letters, digits and hyphens.
func hostName(raw string) (string, bool) {
	h, err := ispapi.NormalizeDomain(raw)
	if err != nil || len(h) > 253 || !strings.Contains(h, ".") {
		return raw, false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return raw, false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return raw, false
			}
		}
	}
	return h, true
}

// UsageArgs is the periodic job that reads what every client's sites and mailboxes use from ISPConfig's quota
// functions, and the mail domains' DKIM keys, into Postgres (site_usage, mailbox_usage, mail_domain_dkim). Pages
// read only those tables.
type UsageArgs struct{}

// Kind names the job.
func (UsageArgs) Kind() string { return "usage_check" }

type usageWorker struct {
	river.WorkerDefaults[UsageArgs]
	s *Service
}

func (w *usageWorker) Work(ctx context.Context, _ *river.Job[UsageArgs]) error {
	return w.s.CheckUsage(ctx)
}

// usageReader is the part of the seam the usage job calls.
type usageReader interface {
	SiteQuotas(ctx context.Context, clientID int64) ([]ispapi.SiteQuota, error)
	SiteTraffic(ctx context.Context, clientID int64) ([]ispapi.SiteTraffic, error)
	MailboxQuotas(ctx context.Context, clientID int64) ([]ispapi.MailboxQuota, error)
	MailDomainsByClient(ctx context.Context, clientID int64) ([]ispapi.MailDomain, error)
}

// CheckUsage reads every customer's figures on every platform: four calls per customer that has a site or mail
// domain (disk, traffic, mailboxes, mail domains for DKIM). A platform that refuses the quota functions (the
// remote user lacks the "Quota functions" group) or doesn't answer is logged and skipped until the next run; its
// pages keep the last readings.
func (s *Service) CheckUsage(ctx context.Context) error {
	readings := store.NewReadings(s.pool)
	for _, pid := range s.PlatformIDs() {
		isp, err := s.ISP(pid)
		if err != nil {
			return err
		}
		list, err := readings.Customers(ctx, pid)
		if err != nil {
			return err
		}
		for _, c := range list {
			at := time.Now()
			sites, boxes, keys, err := readUsage(ctx, isp, c.ISPClientID)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.log.WarnContext(ctx, "usage not readable", "platform_id", pid, "customer_id", c.ID, "err", err)
				if errors.Is(err, ispapi.ErrUnauthorized) || errors.Is(err, ispapi.ErrUnavailable) {
					break // the same for every customer of this platform
				}
				continue
			}
			if err := readings.Record(ctx, c.ID, at, sites, boxes, keys); err != nil {
				return err
			}
		}
	}
	return nil
}

// readUsage reads one ISPConfig client's figures.
func readUsage(ctx context.Context, isp usageReader, clientID int64) ([]store.SiteReading, []store.MailboxReading, []store.DKIMReading, error) {
	quotas, err := isp.SiteQuotas(ctx, clientID)
	if err != nil {
		return nil, nil, nil, err
	}
	traffic, err := isp.SiteTraffic(ctx, clientID)
	if err != nil {
		return nil, nil, nil, err
	}
	boxes, err := isp.MailboxQuotas(ctx, clientID)
	if err != nil {
		return nil, nil, nil, err
	}
	domains, err := isp.MailDomainsByClient(ctx, clientID)
	if err != nil {
		return nil, nil, nil, err
	}
	byID := map[int64]*store.SiteReading{}
	var sites []store.SiteReading
	for _, q := range quotas {
		r := store.SiteReading{ISPID: int64(q.ID), SystemUser: q.SystemUser}
		if q.UsedKB != nil {
			kb := int64(*q.UsedKB)
			r.DiskUsedKB = &kb
		}
		sites = append(sites, r)
	}
	for i := range sites {
		byID[sites[i].ISPID] = &sites[i]
	}
	for _, t := range traffic {
		if r, ok := byID[int64(t.ID)]; ok {
			r.TrafficMonth, r.TrafficLast = int64(t.ThisMonth), int64(t.LastMonth)
		}
	}
	var out []store.MailboxReading
	for _, b := range boxes {
		out = append(out, store.MailboxReading{ISPID: int64(b.ID), UsedBytes: int64(b.UsedBytes)})
	}
	var keys []store.DKIMReading
	for _, d := range domains {
		if d.DKIM && strings.TrimSpace(d.DKIMPublic) != "" {
			sel := d.DKIMSelector
			if sel == "" {
				sel = "default"
			}
			keys = append(keys, store.DKIMReading{ISPID: int64(d.ID), DKIM: store.DKIM{Selector: sel, PublicKey: d.DKIMPublic}})
		}
	}
	return sites, out, keys, nil
}
