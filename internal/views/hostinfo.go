package views

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"

	"portal/internal/i18n"
	"portal/internal/store"
)

// phpNames are the PHP modes ISPConfig knows, as people read them.
var phpNames = map[string]string{
	"php-fpm":  i18n.M("PHP-FPM"),
	"fast-cgi": i18n.M("FastCGI"),
	"cgi":      i18n.M("CGI"),
	"mod":      i18n.M("Apache module (mod_php)"),
	"suphp":    i18n.M("SuPHP"),
	"hhvm":     i18n.M("HHVM"),
	"no":       i18n.M("Disabled"),
}

// phpName is a PHP mode's readable name; the mode itself when it has none.
func phpName(ctx context.Context, mode string) string {
	if n, ok := phpNames[mode]; ok {
		return T(ctx, n)
	}
	return mode
}

// phpOption is a PHP mode as the select offers it: PHP-FPM is the one to choose.
func phpOption(ctx context.Context, mode string) string {
	if mode == "php-fpm" {
		return Tf(ctx, "%s (recommended)", phpName(ctx, mode))
	}
	return phpName(ctx, mode)
}

// siteAddress is the address the site answers on: https when it has a certificate.
func siteAddress(s store.Site) string {
	if s.SSL || s.LetsEncrypt {
		return "https://" + s.Domain + "/"
	}
	return "http://" + s.Domain + "/"
}

// certState says which certificate the site has, from the portal's record.
func certState(ctx context.Context, s store.Site) string {
	switch {
	case s.LetsEncrypt:
		return T(ctx, "Let's Encrypt certificate (renewed automatically)")
	case s.SSL:
		return T(ctx, "SSL with the server's own certificate")
	}
	return T(ctx, "No certificate: the site is served over plain http")
}

// sslShort is the SSL column of the site list.
func sslShort(ctx context.Context, s store.Site) string {
	switch {
	case s.LetsEncrypt:
		return T(ctx, "Let's Encrypt")
	case s.SSL:
		return T(ctx, "SSL")
	}
	return T(ctx, "none")
}

// sizeText writes a size in bytes as KB, MB or GB with one decimal, in the page's language.
func sizeText(ctx context.Context, b int64) string {
	l := i18n.From(ctx)
	const kb, mb, gb = 1 << 10, 1 << 20, 1 << 30
	switch {
	case b >= gb:
		return Tf(ctx, "%s GB", l.Decimal(b*10/gb, 1))
	case b >= mb:
		return Tf(ctx, "%s MB", l.Decimal(b*10/mb, 1))
	}
	return Tf(ctx, "%s KB", l.Decimal(b*10/kb, 1))
}

// quotaText writes a quota in MB, or "unlimited" for a negative one.
func quotaText(ctx context.Context, mb int) string {
	if mb < 0 {
		return T(ctx, "unlimited")
	}
	return Tf(ctx, "%s MB", i18n.From(ctx).Number(int64(mb)))
}

// percentOf is used as a share of quota (0–100, capped), for a meter; -1 when there is no limit.
func percentOf(used, quota int64) int {
	if quota <= 0 {
		return -1
	}
	p := used * 100 / quota
	if p > 100 {
		p = 100
	}
	return int(p)
}

// countLine is a list's count: "3 sites" (count spells it), or when the count was capped, that there are more.
func countLine(ctx context.Context, n int, count func(int) string) string {
	if n > store.CountCap {
		return Tf(ctx, "More than %s; narrow the search.", count(store.CountCap))
	}
	return count(n)
}

func countSites(ctx context.Context) func(int) string {
	return func(n int) string { return N(ctx, "%d sites", n) }
}

func countMailDomains(ctx context.Context) func(int) string {
	return func(n int) string { return N(ctx, "%d mail domains", n) }
}

func countDomains(ctx context.Context) func(int) string {
	return func(n int) string { return N(ctx, "%d domains", n) }
}

// dkimRecord is the TXT value of the DKIM record for a public key as the mail server stores it (PEM, or bare
// base64 DER; SubjectPublicKeyInfo or PKCS #1). The key's type decides the record: "v=DKIM1; k=rsa; p=" and the
// key's SubjectPublicKeyInfo for RSA (RFC 6376), "v=DKIM1; k=ed25519; p=" and the raw 32-byte key for Ed25519
// (RFC 8463). ok is false for a key that doesn't parse, of another type, or RSA under 1024 bits (which verifiers
// refuse, RFC 8301): no record is better than a wrong one.
func dkimRecord(pub string) (record string, ok bool) {
	der, ok := dkimDER(pub)
	if !ok {
		return "", false
	}
	var key any
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		key = k
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 1024 {
			return "", false
		}
		spki, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", false
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(spki), true
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), true
	}
	return "", false
}

// dkimDER is the DER of a stored public key: the one PEM block's bytes, or the whole text as base64.
func dkimDER(pub string) ([]byte, bool) {
	pub = strings.TrimSpace(pub)
	if strings.HasPrefix(pub, "-----BEGIN") {
		block, rest := pem.Decode([]byte(pub))
		if block == nil || strings.TrimSpace(string(rest)) != "" ||
			(block.Type != "PUBLIC KEY" && block.Type != "RSA PUBLIC KEY") {
			return nil, false
		}
		return block.Bytes, true
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(pub), ""))
	return der, err == nil && len(der) > 0
}

// dkimRow is the DKIM line of a mail domain's DNS table: its name and record; an empty record when there is no
// key, or when bad: the server has a key that makes no valid record (the page then says so instead).
func dkimRow(k *store.DKIM, domain string) (name, record string, bad bool) {
	if k == nil {
		return "", "", false
	}
	record, ok := dkimRecord(k.PublicKey)
	return k.Selector + "._domainkey." + domain, record, !ok
}

// mxHosts splits the stored MX host list.
func mxHosts(s string) []string { return strings.Fields(s) }
