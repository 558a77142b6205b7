// Package mailtest gives tests a real SMTP sink: mailpit. Tests read delivered messages through mailpit's HTTP API
// (GET /api/v1/messages and /api/v1/message/{ID}).
//
// Shared is the instance scripts/test-env.sh starts for the whole run (PORTAL_TEST_SMTP_URL,
// PORTAL_TEST_MAILPIT_URL); tests tell their messages apart by recipient address. Start runs a private instance
// that a test may stop and start again (PORTAL_TEST_MAILPIT_BIN or mailpit on PATH). Without mailpit the tests skip
// locally and fail when CI=true.
package mailtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mailpit is one mailpit server.
type Mailpit struct {
	t       testing.TB
	SMTPURL string // smtp://127.0.0.1:PORT, for PORTAL_SMTP_URL
	API     string // http://127.0.0.1:PORT

	bin, dir, smtpAddr, httpAddr string
	cmd                          *exec.Cmd
}

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; run the tests through `make test` (scripts/test-env.sh installs and starts mailpit)", what)
	}
	t.Skipf("%s; run the tests through `make test`", what)
}

// Shared returns the run's mailpit.
func Shared(t testing.TB) *Mailpit {
	t.Helper()
	s, a := os.Getenv("PORTAL_TEST_SMTP_URL"), os.Getenv("PORTAL_TEST_MAILPIT_URL")
	if s == "" || a == "" {
		missing(t, "PORTAL_TEST_SMTP_URL and PORTAL_TEST_MAILPIT_URL are not set")
	}
	return &Mailpit{t: t, SMTPURL: s, API: strings.TrimRight(a, "/")}
}

// Start runs a private mailpit on free ports until the test ends.
func Start(t testing.TB) *Mailpit {
	t.Helper()
	bin := os.Getenv("PORTAL_TEST_MAILPIT_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("mailpit"); err != nil {
			missing(t, "mailpit is not installed (PORTAL_TEST_MAILPIT_BIN is not set and mailpit is not on PATH)")
		}
	}
	m := &Mailpit{t: t, bin: bin, dir: t.TempDir(), smtpAddr: freeAddr(t), httpAddr: freeAddr(t)}
	m.SMTPURL = "smtp://" + m.smtpAddr
	m.API = "http://" + m.httpAddr
	m.Up()
	t.Cleanup(m.Down)
	return m
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Up starts a private instance (again, on the same ports and database) and waits until it answers.
func (m *Mailpit) Up() {
	m.t.Helper()
	if m.bin == "" {
		m.t.Fatal("mailtest: only a private instance (Start) can be started and stopped")
	}
	m.cmd = exec.Command(m.bin, "--smtp", m.smtpAddr, "--listen", m.httpAddr,
		"--database", filepath.Join(m.dir, "mailpit.db"), "--disable-version-check",
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--quiet")
	m.cmd.Stdout, m.cmd.Stderr = os.Stderr, os.Stderr
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start mailpit: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.API + "/api/v1/messages?limit=1")
		if err == nil {
			resp.Body.Close()
			if c, err := net.DialTimeout("tcp", m.smtpAddr, time.Second); err == nil {
				c.Close()
				return
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit did not start on %s / %s", m.smtpAddr, m.httpAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Down stops a private instance; SMTP connections are refused until Up.
func (m *Mailpit) Down() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// Address is a mail address.
type Address struct {
	Name    string
	Address string
}

// Summary is one message in mailpit's list.
type Summary struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
}

// Message is one message in full.
type Message struct {
	Summary
	Text string
	HTML string
}

func (m *Mailpit) get(path string, v any) {
	m.t.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		m.t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		m.t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// To lists the messages delivered to address, oldest first.
func (m *Mailpit) To(address string) []Summary {
	m.t.Helper()
	var out struct{ Messages []Summary }
	m.get("/api/v1/messages?limit=1000", &out)
	var list []Summary
	for i := len(out.Messages) - 1; i >= 0; i-- { // mailpit lists newest first
		for _, a := range out.Messages[i].To {
			if strings.EqualFold(a.Address, address) {
				list = append(list, out.Messages[i])
				break
			}
		}
	}
	return list
}

// Message reads one message.
func (m *Mailpit) Message(id string) Message {
	m.t.Helper()
	var out Message
	m.get("/api/v1/message/"+url.PathEscape(id), &out)
	return out
}

// Wait waits until at least n messages were delivered to address and returns them in full, oldest first.
func (m *Mailpit) Wait(address string, n int) []Message {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	for {
		list := m.To(address)
		if len(list) >= n {
			out := make([]Message, len(list))
			for i, s := range list {
				out[i] = m.Message(s.ID)
			}
			return out
		}
		select {
		case <-ctx.Done():
			m.t.Fatalf("mailpit: %d messages to %s after 45s, want %d", len(list), address, n)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Link returns the first URL in text that starts with prefix.
func Link(t testing.TB, text, prefix string) string {
	t.Helper()
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, prefix) {
			return f
		}
	}
	t.Fatalf("no link starting with %s in:\n%s", prefix, text)
	return ""
}

// String describes the instance.
func (m *Mailpit) String() string { return fmt.Sprintf("mailpit smtp %s api %s", m.SMTPURL, m.API) }

// OutboxID is the portal's outbox row of a delivered message, from its Message-ID (outbox-ID.INSTALLATION@domain).
func OutboxID(m Message) int64 {
	var id int64
	_, _ = fmt.Sscanf(strings.TrimPrefix(m.MessageID, "outbox-"), "%d.", &id)
	return id
}
