// Package browsertest starts Debian's headless Chromium for end-to-end tests through chromedp.
//
// The browser comes from PORTAL_TEST_CHROMIUM (make test installs and sets it) or chromium on PATH. Without one
// the test skips locally and fails under CI=true.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// New returns a chromedp context on a fresh headless Chromium with its own user-data-dir; it is closed when the
// test ends. Every action should finish well within timeout.
func New(t *testing.T, timeout time.Duration) context.Context {
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
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	// Start the browser and its tab on this context, so contexts derived from it for single steps (with their
	// own timeouts) don't own, and close, the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// Screenshot saves a PNG of the current page as name.png in PORTAL_SCREENSHOTS, when that is set (the README's
// screenshots are made this way); otherwise it does nothing.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
