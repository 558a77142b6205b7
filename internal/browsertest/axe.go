package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

//go:embed axe/axe.min.js
var axeJS string

// AxeViolation is one axe-core rule a page breaks, with the elements that break it.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"` // minor, moderate, serious, critical
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// Axe runs axe-core (vendored in axe/, see VENDORED.md) on the current page once it is idle, and returns the
// violations of impact serious or critical, the ones the portal must not have.
func (b *Browser) Axe(what string) []AxeViolation {
	b.t.Helper()
	b.waitIdle(what, Cond{JS: "true"})
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`if (!window.axe) { `+axeJS+` }`)); err != nil {
		b.fail(what, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(what, err)
	}
	return out
}

// Viewport sets the page's size: 390×844 is a phone, 1280×900 the default desktop.
func (b *Browser) Viewport(width, height int64) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		b.fail("set the viewport", err)
	}
}

// Language makes the browser ask for pages in lang, as a browser set to that language does: its Accept-Language
// header becomes lang.
func (b *Browser) Language(lang string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	ua, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		b.fail("read the user agent", err)
	}
	_, err = chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride,
			emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: lang})
		return err
	}))
	if err != nil {
		b.fail("set the language", err)
	}
}

// Overflow returns how many CSS pixels the page is wider than its viewport (0: it fits), once it is idle.
func (b *Browser) Overflow(what string) int64 {
	b.t.Helper()
	b.waitIdle(what, Cond{JS: "true"})
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`Math.max(0, document.documentElement.scrollWidth - window.innerWidth)`))
	if err != nil {
		b.fail(what, err)
	}
	return n
}
