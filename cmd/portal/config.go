package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"portal/internal/mailer"
	"portal/internal/secret"
)

// Config is the portal's configuration, read once from the environment by configFromEnv.
type Config struct {
	DatabaseURL   string
	Listen        string
	MetricsListen string // "" disables the metrics listener
	LogLevel      slog.Level
	LogFormat     string // json or text

	CookieSecure   bool
	SessionIdle    time.Duration
	SessionMaxAge  time.Duration
	TrustedProxies []netip.Prefix

	LoginMaxFailures   int
	LoginLockout       time.Duration
	LoginRatePerIP     int // attempts per minute
	LoginRatePerEmail  int // attempts per minute
	Argon2MemoryKiB    uint32
	Argon2Concurrency  int
	RequireTOTP        []string // roles that must use a TOTP second factor
	DemoAdmin          bool
	ISPConfigURL       string // "" only with ISPConfigSim
	ISPConfigSim       bool   // run the embedded simulator instead (development and tests only)
	ISPConfigUser      string
	ISPConfigPassword  string
	ISPConfigTLSVerify bool
	SimStateFile       string // with the embedded simulator: where its data is kept across restarts
	ShutdownTimeout    time.Duration

	ISPWebServerID        int
	ISPMailServerID       int
	ImpersonateFor        time.Duration
	DomainLimit           bool
	DomainLimitSubdomains bool
	PHPModes              []string
	DriftEvery            time.Duration

	SMTP     mailer.SMTP // PORTAL_SMTP_URL; Off keeps messages in the outbox
	MailFrom string      // the operator's sender, "Name <address>"
	BaseURL  string      // the portal's public URL, for links in email

	SignupBlocklistFile string // email domains refused for public signup, one a line
	QueueEvery          time.Duration
	UsageEvery          time.Duration
	BillingEvery        time.Duration // PORTAL_BILLING_INTERVAL: invoice generation and dunning; 0: off
	SecretKey           []byte        // PORTAL_SECRET_KEY: encrypts the passwords of platforms added by admins; nil: none can be added
}

type envReader struct {
	getenv func(string) string
	errs   []error
}

func (e *envReader) str(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	if f := e.getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s_FILE: cannot read %q: %v", name, f, err))
			return def
		}
		return strings.TrimRight(string(b), "\r\n")
	}
	return def
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.errs = append(e.errs, fmt.Errorf("%s: want a positive Go duration such as 30m or 12h, got %q", name, v))
		return def
	}
	return d
}

func (e *envReader) integer(name string, def, lo, hi int) int {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.errs = append(e.errs, fmt.Errorf("%s: want an integer from %d to %d, got %q", name, lo, hi, v))
		return def
	}
	return n
}

func (e *envReader) boolean(name string, def bool) bool {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: want true or false, got %q", name, v))
		return def
	}
	return b
}

func (e *envReader) listen(name, def string) string {
	v := e.str(name, def)
	if v == "off" {
		return ""
	}
	if _, err := netip.ParseAddrPort(v); err != nil && !strings.HasPrefix(v, ":") {
		if _, _, ok := strings.Cut(v, ":"); !ok {
			e.errs = append(e.errs, fmt.Errorf("%s: want host:port such as 127.0.0.1:8080, got %q", name, v))
		}
	}
	return v
}

// configFromEnv reads and validates the configuration. Every error names its variable and the expected form.
// forServe checks what only serving needs: a panel to talk to. Without PORTAL_ISPCONFIG_URL the portal refuses to
// start, unless the built-in simulator is asked for explicitly (development; make run does).
func (c Config) forServe() error {
	if c.ISPConfigURL == "" && !c.ISPConfigSim {
		return errors.New("configuration: PORTAL_ISPCONFIG_URL: required: the remote API's JSON endpoint, such as https://panel.example.com:8080/remote/json.php (or PORTAL_ISPCONFIG_SIM=true for the built-in simulator, for development only; make run sets it)")
	}
	return nil
}

func configFromEnv(getenv func(string) string) (Config, error) {
	e := &envReader{getenv: getenv}
	c := Config{
		DatabaseURL:        e.str("DATABASE_URL", ""),
		Listen:             e.listen("PORTAL_LISTEN", "127.0.0.1:8080"),
		MetricsListen:      e.listen("PORTAL_METRICS_LISTEN", "127.0.0.1:9090"),
		LogFormat:          e.str("PORTAL_LOG_FORMAT", "json"),
		CookieSecure:       e.boolean("PORTAL_COOKIE_SECURE", true),
		SessionIdle:        e.duration("PORTAL_SESSION_IDLE_TIMEOUT", 30*time.Minute),
		SessionMaxAge:      e.duration("PORTAL_SESSION_LIFETIME", 12*time.Hour),
		LoginMaxFailures:   e.integer("PORTAL_LOGIN_MAX_FAILURES", 5, 1, 100),
		LoginLockout:       e.duration("PORTAL_LOGIN_LOCKOUT", 15*time.Minute),
		LoginRatePerIP:     e.integer("PORTAL_LOGIN_RATE_PER_IP", 20, 1, 100000),
		LoginRatePerEmail:  e.integer("PORTAL_LOGIN_RATE_PER_ACCOUNT", 10, 1, 100000),
		Argon2MemoryKiB:    uint32(e.integer("PORTAL_ARGON2_MEMORY_KIB", 64*1024, 8*1024, 4*1024*1024)),
		Argon2Concurrency:  e.integer("PORTAL_ARGON2_CONCURRENCY", runtime.NumCPU(), 1, 1024),
		DemoAdmin:          e.boolean("PORTAL_DEMO_ADMIN", false),
		ISPConfigURL:       e.str("PORTAL_ISPCONFIG_URL", ""),
		ISPConfigUser:      e.str("PORTAL_ISPCONFIG_USER", ""),
		ISPConfigPassword:  e.str("PORTAL_ISPCONFIG_PASSWORD", ""),
		ISPConfigTLSVerify: e.boolean("PORTAL_ISPCONFIG_TLS_VERIFY", true),
		SimStateFile:       e.str("PORTAL_ISPCONFIG_SIM_STATE", ""),
		ISPConfigSim:       e.boolean("PORTAL_ISPCONFIG_SIM", false),
		ShutdownTimeout:    e.duration("PORTAL_SHUTDOWN_TIMEOUT", 15*time.Second),

		ISPWebServerID:        e.integer("PORTAL_ISPCONFIG_WEB_SERVER_ID", 1, 1, 1<<31-1),
		ISPMailServerID:       e.integer("PORTAL_ISPCONFIG_MAIL_SERVER_ID", 1, 1, 1<<31-1),
		ImpersonateFor:        e.duration("PORTAL_IMPERSONATION_TIMEOUT", time.Hour),
		DomainLimit:           e.boolean("PORTAL_DOMAIN_LIMIT", false),
		DomainLimitSubdomains: e.boolean("PORTAL_DOMAIN_LIMIT_SUBDOMAINS", true),
	}
	if v := e.str("PORTAL_DRIFT_INTERVAL", "30m"); v != "off" {
		c.DriftEvery = e.duration("PORTAL_DRIFT_INTERVAL", 30*time.Minute)
	}
	if v := e.str("PORTAL_BILLING_INTERVAL", "1h"); v != "off" {
		c.BillingEvery = e.duration("PORTAL_BILLING_INTERVAL", time.Hour)
	}
	if v := e.str("PORTAL_QUEUE_INTERVAL", "20s"); v != "off" {
		c.QueueEvery = e.duration("PORTAL_QUEUE_INTERVAL", 20*time.Second)
	}
	if v := e.str("PORTAL_USAGE_INTERVAL", "1h"); v != "off" {
		c.UsageEvery = e.duration("PORTAL_USAGE_INTERVAL", time.Hour)
	}
	for _, role := range strings.Split(e.str("PORTAL_REQUIRE_2FA", ""), ",") {
		switch role = strings.TrimSpace(role); role {
		case "":
		case "admin", "reseller", "client":
			c.RequireTOTP = append(c.RequireTOTP, role)
		default:
			e.errs = append(e.errs, fmt.Errorf("PORTAL_REQUIRE_2FA: want a comma-separated list of admin, reseller, client; got %q", role))
		}
	}
	allowedPHP := map[string]bool{"no": true, "fast-cgi": true, "cgi": true, "mod": true, "suphp": true, "php-fpm": true, "hhvm": true}
	for _, m := range strings.Split(e.str("PORTAL_PHP_MODES", "php-fpm,fast-cgi,no"), ",") {
		m = strings.TrimSpace(m)
		if !allowedPHP[m] {
			e.errs = append(e.errs, fmt.Errorf("PORTAL_PHP_MODES: want a comma-separated list of no, fast-cgi, cgi, mod, suphp, php-fpm, hhvm; got %q", m))
			continue
		}
		c.PHPModes = append(c.PHPModes, m)
	}
	if c.DatabaseURL == "" {
		e.errs = append(e.errs, errors.New("DATABASE_URL: required, a PostgreSQL URL such as postgres://user:pass@host:5432/portal (or DATABASE_URL_FILE)"))
	} else if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		e.errs = append(e.errs, errors.New("DATABASE_URL: want a postgres:// or postgresql:// URL"))
	}
	switch lv := strings.ToLower(e.str("PORTAL_LOG_LEVEL", "info")); lv {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		e.errs = append(e.errs, fmt.Errorf("PORTAL_LOG_LEVEL: want debug, info, warn or error, got %q", lv))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		e.errs = append(e.errs, fmt.Errorf("PORTAL_LOG_FORMAT: want json or text, got %q", c.LogFormat))
	}
	if smtp, err := mailer.ParseURL(e.str("PORTAL_SMTP_URL", "off")); err != nil {
		e.errs = append(e.errs, fmt.Errorf("PORTAL_SMTP_URL: %v", err))
	} else {
		c.SMTP = smtp
	}
	c.MailFrom = e.str("PORTAL_MAIL_FROM", "Hosting portal <portal@localhost>")
	if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Name == "" {
		e.errs = append(e.errs, fmt.Errorf("PORTAL_MAIL_FROM: want a name and an address such as Example Hosting <noreply@example.com>, got %q", c.MailFrom))
	}
	c.SignupBlocklistFile = e.str("PORTAL_SIGNUP_BLOCKLIST_FILE", "")
	if f := c.SignupBlocklistFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			e.errs = append(e.errs, fmt.Errorf("PORTAL_SIGNUP_BLOCKLIST_FILE: cannot read %q: %v", f, err))
		}
	}
	c.BaseURL = strings.TrimRight(e.str("PORTAL_BASE_URL", ""), "/")
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Listen
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		e.errs = append(e.errs, fmt.Errorf("PORTAL_BASE_URL: want the portal's public address such as https://portal.example.com, got %q", c.BaseURL))
	}
	if c.SessionIdle > c.SessionMaxAge {
		e.errs = append(e.errs, errors.New("PORTAL_SESSION_IDLE_TIMEOUT: must not exceed PORTAL_SESSION_LIFETIME"))
	}
	if v := e.str("PORTAL_TRUSTED_PROXIES", ""); v != "" {
		for _, s := range strings.Split(v, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				e.errs = append(e.errs, fmt.Errorf("PORTAL_TRUSTED_PROXIES: want comma-separated CIDRs such as 10.0.0.0/8, got %q", s))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if v := e.str("PORTAL_SECRET_KEY", ""); v != "" {
		k, err := secret.ParseKey(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("PORTAL_SECRET_KEY: %v", err))
		}
		c.SecretKey = k
	}
	if c.ISPConfigURL != "" && c.ISPConfigSim {
		e.errs = append(e.errs, errors.New("PORTAL_ISPCONFIG_SIM: true runs the built-in simulator, so PORTAL_ISPCONFIG_URL must be empty"))
	}
	if c.ISPConfigURL != "" {
		u, err := url.Parse(c.ISPConfigURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasSuffix(u.Path, "/remote/json.php") {
			e.errs = append(e.errs, fmt.Errorf("PORTAL_ISPCONFIG_URL: want the JSON endpoint, such as https://panel.example.com:8080/remote/json.php, got %q", c.ISPConfigURL))
		}
		if c.ISPConfigUser == "" {
			e.errs = append(e.errs, errors.New("PORTAL_ISPCONFIG_USER: required with PORTAL_ISPCONFIG_URL (the remote user's name)"))
		}
		if c.ISPConfigPassword == "" {
			e.errs = append(e.errs, errors.New("PORTAL_ISPCONFIG_PASSWORD: required with PORTAL_ISPCONFIG_URL (or PORTAL_ISPCONFIG_PASSWORD_FILE)"))
		}
	}
	if len(e.errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(e.errs...))
	}
	return c, nil
}
