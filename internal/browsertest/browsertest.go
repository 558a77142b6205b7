// Package browsertest drives Debian's headless Chromium for end-to-end tests through chromedp.
//
// The browser comes from PORTAL_TEST_CHROMIUM (make test installs and sets it) or chromium on PATH. Without one
// the test skips locally and fails under CI=true.
//
// Tests click, type and wait only through the step helpers of *Browser. Each helper first waits until the page is
// idle (the document loaded, htmx loaded, no htmx request in flight, no swap or settle pending) and its element is
// there, acts, and then waits for the condition the test names as the action's result, again with htmx idle. It
// never sleeps for a fixed time and never repeats an action. Waiting for idle matters because htmx changes the page
// after a swap: a boosted navigation scrolls the window to the top when it settles (20 ms after the swap), and a
// click aimed at coordinates computed before that scroll hits whatever is there afterwards.
//
// When a step fails, the test log shows the step, what it waited for and the last state it saw, the URL, the
// page's HTML (shortened), the path of a screenshot, and every console error and uncaught exception of the test.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds each wait of a step. It is far above what a step needs on an idle machine, so that a loaded
// 2-core CI machine (-race, parallel packages) doesn't fail a correct test.
const StepTimeout = 45 * time.Second

// Browser is one headless Chromium tab for one test.
type Browser struct {
	t    *testing.T
	ctx  context.Context
	step string // the name given to Step, for failure messages

	mu      sync.Mutex
	console []string // console errors and uncaught exceptions, in order
}

// trackerJS runs in every new document before the page's own scripts. It counts htmx requests in flight, so that
// waits can tell when htmx is idle. It needs no change to the portal and no CSP exception.
const trackerJS = `(() => {
	if (window.__browsertest) return;
	const s = window.__browsertest = {inflight: 0};
	document.addEventListener('htmx:beforeRequest', () => { s.inflight++; }, true);
	document.addEventListener('htmx:afterRequest', () => { s.inflight = Math.max(0, s.inflight - 1); }, true);
})()`

// idleJS is a JavaScript function body that returns "" when the page is idle, or why it isn't.
const idleJS = `
	if (document.readyState !== 'complete') return 'document ' + document.readyState;
	if (typeof htmx !== 'object') return 'htmx not loaded';
	if (!window.__browsertest) return 'browsertest tracker missing';
	if (window.__browsertest.inflight > 0) return window.__browsertest.inflight + ' htmx request(s) in flight';
	const busy = document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added');
	if (busy) return 'htmx busy: ' + busy.tagName.toLowerCase() + '.' + [...busy.classList].join('.');
	return '';`

// New starts a fresh headless Chromium with its own user-data-dir for the test; it is closed when the test ends.
func New(t *testing.T) *Browser {
	t.Helper()
	path := os.Getenv("PORTAL_TEST_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium: set PORTAL_TEST_CHROMIUM or install Debian's chromium (make test does)")
		}
		t.Skip("no Chromium: run the tests through `make test`")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx}
	done := make(chan struct{})
	t.Cleanup(func() {
		if t.Failed() {
			b.mu.Lock()
			if len(b.console) > 0 {
				t.Logf("browser console errors:\n  %s", strings.Join(b.console, "\n  "))
			}
			b.mu.Unlock()
		}
		cancelCtx()
		cancelAlloc()
		<-done
	})
	// Start the browser and its tab on this context without a timeout: a context derived from it for one step
	// must not own, and close, the tab.
	if err := chromedp.Do(ctx); err != nil {
		close(done)
		t.Fatalf("start Chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.console = append(b.console, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	b.addScript("install the htmx tracker", trackerJS)
	return b
}

// Cond is a condition on the page that a step waits for: a JavaScript expression that is truthy once it holds.
type Cond struct {
	Desc string // for messages, e.g. `[data-testid="x"] visible`
	JS   string
}

// Visible holds when an element matches the CSS selector and is rendered (it has a box and isn't hidden).
func Visible(sel string) Cond {
	return Cond{sel + " visible", fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && %s })()`, jsString(sel), visibleJS)}
}

// Gone holds when no element matches the CSS selector.
func Gone(sel string) Cond {
	return Cond{sel + " gone", fmt.Sprintf(`document.querySelector(%s) === null`, jsString(sel))}
}

// JS is a condition given as a JavaScript expression, described by desc.
func JS(desc, expr string) Cond { return Cond{desc, expr} }

// idle adds no condition to the page being idle.
var idle = Cond{"", "true"}

const visibleJS = `el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'`

// Step runs fn, the actions of one named step of the test; failures inside name the step.
func (b *Browser) Step(name string, fn func()) {
	b.t.Helper()
	prev := b.step
	b.step = name
	defer func() { b.step = prev }()
	fn()
}

// Go loads url as a full page and waits until cond holds and the page is idle.
func (b *Browser) Go(url string, cond Cond) {
	b.t.Helper()
	what := "open " + url
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		b.fail(what, err)
	}
	b.waitIdle(what, cond)
}

// WaitFor waits until cond holds and the page is idle.
func (b *Browser) WaitFor(cond Cond) {
	b.t.Helper()
	b.waitIdle("wait for "+cond.Desc, cond)
}

// Click clicks the element sel matches, like a user with a mouse, once the page is idle and the element is
// visible and not covered, then waits until cond, the click's result, holds and the page is idle again. Pick a
// cond that didn't hold before the click.
func (b *Browser) Click(sel string, cond Cond) {
	b.t.Helper()
	what := "click " + sel
	// One evaluation checks idle, scrolls the element into view when needed, and hit-tests its centre, so the
	// coordinates are those of the idle page the click goes to.
	type target struct {
		Why string  `json:"why"`
		X   float64 `json:"x"`
		Y   float64 `json:"y"`
	}
	js := fmt.Sprintf(`(() => {
		const idle = (() => {%s})();
		if (idle) return {why: idle};
		const el = document.querySelector(%s);
		if (!el) return {why: 'no element matches'};
		if (!(%s)) return {why: 'element not visible'};
		let r = el.getBoundingClientRect();
		if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
			el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
			r = el.getBoundingClientRect();
		}
		const x = r.left + r.width / 2, y = r.top + r.height / 2;
		const hit = document.elementFromPoint(x, y);
		if (!hit || (hit !== el && !el.contains(hit))) return {why: 'its centre is covered by ' + (hit ? hit.outerHTML.slice(0, 120) : 'nothing')};
		return {why: '', x: x, y: y};
	})()`, idleJS, jsString(sel), visibleJS)
	at := waitUntil(b, what, "the page idle and "+sel+" visible and clickable", chromedp.Evaluate[target](js),
		func(v target) (bool, string) { return v.Why == "", v.Why })
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(at.X, at.Y)); err != nil {
		b.fail(what, err)
	}
	b.waitIdle(what+", then "+cond.Desc, cond)
}

// Fill replaces the value of the input sel matches by typing value into it, once the page is idle.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	what := fmt.Sprintf("fill %s with %q", sel, value)
	b.waitIdle(what, Visible(sel))
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	clear := fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus(); el.value = ''; return document.activeElement === el })()`, jsString(sel))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](clear))
	if err == nil && !focused {
		err = fmt.Errorf("%s did not take the focus", sel)
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.KeyEvent(value))
	}
	if err != nil {
		b.fail(what, err)
	}
	b.waitIdle(what, JS("the value typed", fmt.Sprintf(`document.querySelector(%s).value === %s`, jsString(sel), jsString(value))))
}

// Enter presses the Enter key in the element sel matches (focusing it, keeping its value), once the page is idle,
// then waits until cond, the key's result, holds and the page is idle again.
func (b *Browser) Enter(sel string, cond Cond) {
	b.t.Helper()
	what := "press Enter in " + sel
	b.waitIdle(what, Visible(sel))
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	focus := fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus(); return document.activeElement === el })()`, jsString(sel))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](focus))
	if err == nil && !focused {
		err = fmt.Errorf("%s did not take the focus", sel)
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.KeyEvent("\r"))
	}
	if err != nil {
		b.fail(what, err)
	}
	b.waitIdle(what+", then "+cond.Desc, cond)
}

// Select picks the option with value in the select element sel matches, once the page is idle.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	what := fmt.Sprintf("select %q in %s", value, sel)
	b.waitIdle(what, Visible(sel))
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));
		return el.value })()`, jsString(sel), jsString(value))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err == nil && got != value {
		err = fmt.Errorf("%s has no option %q", sel, value)
	}
	if err != nil {
		b.fail(what, err)
	}
}

// AcceptConfirms makes window.confirm answer yes (the user agrees to every hx-confirm), on this page and every
// page loaded later in the test.
func (b *Browser) AcceptConfirms() {
	b.t.Helper()
	const js = `window.confirm = () => true`
	b.addScript("accept confirms", js)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js+`; true`)); err != nil {
		b.fail("accept confirms", err)
	}
}

// Text returns the rendered text of the element sel matches, trimmed, once it is visible and the page is idle.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return b.read("text of "+sel, sel, `el.innerText.trim()`)
}

// HTML returns the outer HTML of the element sel matches, once it is visible and the page is idle.
func (b *Browser) HTML(sel string) string {
	b.t.Helper()
	return b.read("HTML of "+sel, sel, `el.outerHTML`)
}

// Location returns the URL of the page, once it is idle.
func (b *Browser) Location() string {
	b.t.Helper()
	b.waitIdle("read the URL", idle)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fail("read the URL", err)
	}
	return loc
}

// Screenshot saves a PNG of the idle page as name.png in PORTAL_SCREENSHOTS, when that is set (the README's
// screenshots are made this way); otherwise it does nothing.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	b.waitIdle("screenshot "+name, idle)
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot "+name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *Browser) read(what, sel, expr string) string {
	b.t.Helper()
	b.waitIdle(what, Visible(sel))
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const el = document.querySelector(%s); return %s })()`, jsString(sel), expr)))
	if err != nil {
		b.fail(what, err)
	}
	return v
}

func (b *Browser) addScript(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
		b.fail(what, err)
	}
}

// waitIdle waits until the page is idle and cond holds.
func (b *Browser) waitIdle(what string, cond Cond) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const idle = (() => {%s})(); if (idle) return idle; return (%s) ? '' : 'not yet: ' + %s })()`,
		idleJS, cond.JS, jsString(cond.Desc))
	until := "the page idle"
	if cond.Desc != "" {
		until = cond.Desc + " and " + until
	}
	waitUntil(b, what, until, chromedp.Evaluate[string](js),
		func(why string) (bool, string) { return why == "", why })
}

// waitUntil evaluates probe every 50 ms until done says so, and fails the test when StepTimeout passes first. An
// error of one evaluation (the page is between two documents, say) counts as "not yet"; the last state is in the
// failure message.
func waitUntil[T any](b *Browser, what, until string, probe chromedp.Action[T], done func(T) (bool, string)) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	var last string
	for {
		v, err := chromedp.Run(ctx, probe)
		if err == nil {
			ok, why := done(v)
			if ok {
				return v
			}
			last = why
		} else if ctx.Err() == nil {
			last = "evaluation failed: " + err.Error()
		}
		select {
		case <-ctx.Done():
			b.fail(what, fmt.Errorf("waited %v for %s; last state: %s", StepTimeout, until, last))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var spaces = regexp.MustCompile(`\s+`)

// fail ends the test with what the page looks like now: the step, the URL, the HTML, a screenshot and the
// console errors.
func (b *Browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	var report strings.Builder
	fmt.Fprintf(&report, "step %q: %s: %v\n", b.step, what, err)
	loc, lerr := chromedp.Run(ctx, chromedp.Location())
	if lerr != nil {
		loc = "(unknown: " + lerr.Error() + ")"
	}
	fmt.Fprintf(&report, "URL: %s\n", loc)
	html, herr := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.body || document.documentElement).outerHTML`))
	if herr != nil {
		html = "(unknown: " + herr.Error() + ")"
	}
	html = spaces.ReplaceAllString(html, " ")
	if len(html) > 6000 {
		html = html[:6000] + " …(cut)"
	}
	fmt.Fprintf(&report, "page HTML: %s\n", html)
	fmt.Fprintf(&report, "screenshot: %s\n", b.failureScreenshot(ctx))
	b.mu.Lock()
	console := append([]string(nil), b.console...)
	b.console = nil // the cleanup would print them again
	b.mu.Unlock()
	if len(console) == 0 {
		report.WriteString("browser console errors: none")
	} else {
		fmt.Fprintf(&report, "browser console errors:\n  %s", strings.Join(console, "\n  "))
	}
	b.t.Fatal(report.String())
}

// failureScreenshot writes a screenshot into a directory that outlives the test (t.TempDir would be removed with
// it) and returns its path, or why there is none.
func (b *Browser) failureScreenshot(ctx context.Context) string {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "(none: " + err.Error() + ")"
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.t.Name(), "_")
	dir, err := os.MkdirTemp("", "browsertest-"+name+"-")
	if err != nil {
		return "(none: " + err.Error() + ")"
	}
	path := filepath.Join(dir, "failure.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "(none: " + err.Error() + ")"
	}
	return path
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// VirtualAuthenticator is a WebAuthn authenticator that Chromium emulates for the test's tab (the DevTools
// WebAuthn domain), so passkey ceremonies run without a person or a device.
type VirtualAuthenticator struct {
	b  *Browser
	id cdpwebauthn.AuthenticatorID
}

// AddPasskeyAuthenticator enables the WebAuthn domain and adds a CTAP2 platform authenticator (internal
// transport) that keeps resident keys, verifies the user and answers presence tests at once: a device with a
// passkey store and a fingerprint reader whose owner always agrees.
func (b *Browser) AddPasskeyAuthenticator() *VirtualAuthenticator {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		b.fail("enable WebAuthn", err)
	}
	res, err := chromedp.Call(ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
		Options: &cdpwebauthn.VirtualAuthenticatorOptions{
			Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21,
			Transport: cdpwebauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
	if err != nil {
		b.fail("add a virtual authenticator", err)
	}
	return &VirtualAuthenticator{b: b, id: res.AuthenticatorID}
}

// Credentials returns the credentials the authenticator holds.
func (v *VirtualAuthenticator) Credentials() []*cdpwebauthn.Credential {
	v.b.t.Helper()
	ctx, cancel := context.WithTimeout(v.b.ctx, StepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: v.id})
	if err != nil {
		v.b.fail("read the virtual authenticator's credentials", err)
	}
	return res.Credentials
}
