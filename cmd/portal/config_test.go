package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfig_Defaults(t *testing.T) {
	c, err := configFromEnv(envOf(map[string]string{"DATABASE_URL": "postgres://u@h/db", "PORTAL_ISPCONFIG_SIM": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || !c.CookieSecure || c.SessionIdle != 30*time.Minute || c.ISPConfigURL != "" ||
		c.QueueEvery != 20*time.Second || c.SecretKey != nil {
		t.Fatalf("defaults: %+v", c)
	}
	if !c.SMTP.Off || c.MailFrom != "Hosting portal <portal@localhost>" || c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("mail defaults: %+v %q %q", c.SMTP, c.MailFrom, c.BaseURL)
	}
	c, err = configFromEnv(envOf(map[string]string{"DATABASE_URL": "postgres://u@h/db", "PORTAL_QUEUE_INTERVAL": "off",
		"PORTAL_SECRET_KEY": "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="}))
	if err != nil || c.QueueEvery != 0 || len(c.SecretKey) != 32 {
		t.Fatalf("queue off and a key: %v %v %d", err, c.QueueEvery, len(c.SecretKey))
	}
}

func TestConfig_ErrorsNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"DATABASE_URL":                {},
		"PORTAL_SESSION_IDLE_TIMEOUT": {"DATABASE_URL": "postgres://h/db", "PORTAL_SESSION_IDLE_TIMEOUT": "soon"},
		"PORTAL_COOKIE_SECURE":        {"DATABASE_URL": "postgres://h/db", "PORTAL_COOKIE_SECURE": "maybe"},
		"PORTAL_LOGIN_MAX_FAILURES":   {"DATABASE_URL": "postgres://h/db", "PORTAL_LOGIN_MAX_FAILURES": "0"},
		"PORTAL_TRUSTED_PROXIES":      {"DATABASE_URL": "postgres://h/db", "PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, nonsense"},
		"PORTAL_ISPCONFIG_URL":        {"DATABASE_URL": "postgres://h/db", "PORTAL_ISPCONFIG_URL": "ftp://x", "PORTAL_ISPCONFIG_USER": "u", "PORTAL_ISPCONFIG_PASSWORD": "p"},
		"PORTAL_ISPCONFIG_PASSWORD":   {"DATABASE_URL": "postgres://h/db", "PORTAL_ISPCONFIG_URL": "https://p.example:8080/remote/json.php", "PORTAL_ISPCONFIG_USER": "u"},
		"PORTAL_LOG_LEVEL":            {"DATABASE_URL": "postgres://h/db", "PORTAL_LOG_LEVEL": "loud"},
		"PORTAL_SECRET_KEY":           {"DATABASE_URL": "postgres://h/db", "PORTAL_SECRET_KEY": "too-short"},
		"PORTAL_QUEUE_INTERVAL":       {"DATABASE_URL": "postgres://h/db", "PORTAL_QUEUE_INTERVAL": "often"},
		"PORTAL_LISTEN":               {"DATABASE_URL": "postgres://h/db", "PORTAL_LISTEN": "eighty"},
		"PORTAL_SMTP_URL":             {"DATABASE_URL": "postgres://h/db", "PORTAL_SMTP_URL": "mail.example.com"},
		"PORTAL_MAIL_FROM":            {"DATABASE_URL": "postgres://h/db", "PORTAL_MAIL_FROM": "noreply@example.com"},
		"PORTAL_BASE_URL":             {"DATABASE_URL": "postgres://h/db", "PORTAL_BASE_URL": "portal.example.com"},
		"PORTAL_ISPCONFIG_SIM":        {"DATABASE_URL": "postgres://h/db", "PORTAL_ISPCONFIG_SIM": "true", "PORTAL_ISPCONFIG_URL": "https://p.example:8080/remote/json.php", "PORTAL_ISPCONFIG_USER": "u", "PORTAL_ISPCONFIG_PASSWORD": "p"},
	}
	for name, env := range cases {
		_, err := configFromEnv(envOf(env))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err %v, want one naming %s", name, err, name)
		}
	}
}

// Without a panel the portal refuses to serve, unless the simulator is asked for explicitly.
func TestConfig_ServeNeedsAPanelOrTheSimulator(t *testing.T) {
	c, err := configFromEnv(envOf(map[string]string{"DATABASE_URL": "postgres://h/db"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.forServe(); err == nil || !strings.Contains(err.Error(), "PORTAL_ISPCONFIG_URL: required") {
		t.Fatalf("serve without a panel: %v, want a refusal naming PORTAL_ISPCONFIG_URL", err)
	}
	c.ISPConfigSim = true
	if err := c.forServe(); err != nil {
		t.Fatalf("serve with the simulator asked for: %v", err)
	}
}

func TestConfig_SecretsFromFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := configFromEnv(envOf(map[string]string{
		"DATABASE_URL": "postgres://h/db", "PORTAL_ISPCONFIG_URL": "https://p.example:8080/remote/json.php",
		"PORTAL_ISPCONFIG_USER": "portal", "PORTAL_ISPCONFIG_PASSWORD_FILE": f,
	}))
	if err != nil || c.ISPConfigPassword != "s3cret" {
		t.Fatalf("password from file = %q, err %v", c.ISPConfigPassword, err)
	}
	_, err = configFromEnv(envOf(map[string]string{"DATABASE_URL_FILE": "/does/not/exist"}))
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL_FILE") {
		t.Fatalf("unreadable secret file: err %v", err)
	}
}

func TestRun_HelpAndUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, envOf(nil), nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"serve", "migrate", "admin create", "ispconfig-sim"} {
		if !strings.Contains(out.String(), sub) {
			t.Errorf("help lacks %q", sub)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), nil, &out, &out); err == nil {
		t.Error("unknown command accepted")
	}
}
