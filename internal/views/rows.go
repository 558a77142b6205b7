package views

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"portal/internal/i18n"
	"portal/internal/store"
)

// The rows of the list pages (sites, mail domains, customers) are written here by hand rather than in templ: a
// page writes 25 of them, and templ (v0.3) allocates for every attribute expression (it boxes the value for the
// sanitiser), every component call (a closure and a context) and every { } text. Written through an htmlWriter, a
// row allocates only the strings it must build: its id (and, for a customer, its date); TestListRowAllocations
// holds that, and TestListRows_Golden holds the HTML byte for byte to what the templates wrote.
//
// The rules of a template hold here too: markup is written as constants (raw), every value goes through esc (or
// an integer through num), and a URL is built from the row's own id, never from text.

// htmlWriter writes a hand-written row, keeping the first error.
type htmlWriter struct {
	w    io.Writer
	lang i18n.Lang // the page's, looked up once per row rather than through the request's context for every label
	err  error
}

func newHTMLWriter(ctx context.Context, w io.Writer) htmlWriter {
	return htmlWriter{w: w, lang: i18n.From(ctx)}
}

// Text is msg translated.
func (h *htmlWriter) Text(msg string) string { return h.lang.Text(msg) }

// raw writes the row's own markup, a constant.
func (h *htmlWriter) raw(s string) {
	if h.err == nil {
		_, h.err = io.WriteString(h.w, s)
	}
}

// esc writes s escaped as html.EscapeString (and templ) escape text and attribute values, without allocating.
func (h *htmlWriter) esc(s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		var e string
		switch s[i] {
		case '&':
			e = "&amp;"
		case '\'':
			e = "&#39;"
		case '<':
			e = "&lt;"
		case '>':
			e = "&gt;"
		case '"':
			e = "&#34;"
		default:
			continue
		}
		h.raw(s[start:i])
		h.raw(e)
		start = i + 1
	}
	h.raw(s[start:])
}

const digits = "0123456789"

// num writes n in digits, grouped by thousands with sep unless sep is "".
func (h *htmlWriter) num(n int64, sep string) {
	u := uint64(n)
	if n < 0 {
		h.raw("-")
		u = -u // also right for the smallest int64
	}
	h.unum(u, sep)
}

// unum writes u in digits, grouped by thousands with sep unless sep is "".
func (h *htmlWriter) unum(u uint64, sep string) {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte(u % 10)
		u /= 10
		if u == 0 {
			break
		}
	}
	for j := i; j < len(d); j++ {
		if sep != "" && j > i && (len(d)-j)%3 == 0 {
			h.raw(sep)
		}
		h.raw(digits[d[j] : d[j]+1])
	}
}

// fill writes format, translated, with its one %s filled by s, escaped: what esc(Ts(ctx, format, s)) writes.
func (h *htmlWriter) fill(format, s string) {
	before, after, ok := strings.Cut(h.Text(format), "%s")
	h.esc(before)
	if ok {
		h.esc(s)
		h.esc(after)
	}
}

// quota writes a quota in MB as quotaText does: "1,000 MB", "unlimited".
func (h *htmlWriter) quota(mb int) {
	if mb < 0 {
		h.esc(h.Text("unlimited"))
		return
	}
	before, after, _ := strings.Cut(h.Text("%s MB"), "%s")
	h.esc(before)
	h.num(int64(mb), h.lang.Group())
	h.esc(after)
}

// SiteRow is one site in the list; the enable/disable and delete buttons replace it in place.
func SiteRow(s store.Site, showCustomer bool) templ.Component { return siteRow{s, showCustomer} }

type siteRow struct {
	s            store.Site
	showCustomer bool
}

func (r siteRow) Render(ctx context.Context, w io.Writer) error {
	s, showCustomer := &r.s, r.showCustomer
	h := newHTMLWriter(ctx, w)
	id := strconv.FormatInt(s.ID, 10)
	h.raw(`<tr id="site-`)
	h.raw(id)
	h.raw(`" data-testid="site-row" data-site-id="`)
	h.raw(id)
	h.raw(`"><td><a href="/sites/`)
	h.raw(id)
	h.raw(`" data-testid="site-domain">`)
	h.esc(s.Domain)
	h.raw(`</a></td>`)
	if showCustomer {
		h.raw(`<td>`)
		h.esc(s.CustomerName)
		h.raw(`</td>`)
	}
	h.raw(`<td>`)
	h.esc(phpName(ctx, s.PHPMode))
	h.raw(`</td><td>`)
	h.esc(sslShort(ctx, *s))
	h.raw(`</td><td>`)
	h.quota(s.QuotaMB)
	h.raw(`</td><td data-testid="site-status">`)
	h.applyStatus(ctx, s.State, s.StateDetail, s.Active, s.Apply)
	h.raw(`</td><td class="actions">`)
	if s.State == store.StateActive {
		h.raw(`<form method="post" action="/sites/`)
		h.raw(id)
		h.raw(`/active" hx-post="/sites/`)
		h.raw(id)
		h.raw(`/active" hx-target="closest tr" hx-swap="outerHTML">`)
		if s.Active {
			h.toggle(`<input type="hidden" name="active" value="n"> <button type="submit" data-testid="site-disable" aria-label="`, "Disable", s.Domain)
		} else {
			h.toggle(`<input type="hidden" name="active" value="y"> <button type="submit" data-testid="site-enable" aria-label="`, "Enable", s.Domain)
		}
	}
	h.raw(`<form method="get" action="/sites/`)
	h.raw(id)
	h.raw(`/delete" hx-boost="false"><button type="submit" class="danger" data-testid="site-delete" hx-post="/sites/`)
	h.raw(id)
	h.raw(`/delete" hx-vals='{"confirm":"yes"}' hx-confirm="`)
	h.fill("Delete the site %s? Its files on the server are removed.", s.Domain)
	h.raw(`" hx-target="closest tr" hx-swap="outerHTML" aria-label="`)
	h.fill("Delete %s", s.Domain)
	h.raw(`">`)
	h.esc(h.Text("Delete"))
	h.raw(`</button></form></td></tr>`)
	return h.err
}

// toggle ends a row's enable/disable form: markup (up to the button's accessible name), the name ("Disable
// example.com"), the button's label (Disable or Enable, which the name's format starts from) and the form's end.
func (h *htmlWriter) toggle(markup, label, name string) {
	h.raw(markup)
	switch label {
	case "Disable":
		h.fill("Disable %s", name)
	case "Enable":
		h.fill("Enable %s", name)
	}
	h.raw(`">`)
	h.esc(h.Text(label))
	h.raw(`</button></form>`)
}

// applyStatus shows an object's state, or that the server is still applying its last change, and the state's
// detail (a site's row and page).
func applyStatus(state, detail string, active bool, apply string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		h := newHTMLWriter(ctx, w)
		h.applyStatus(ctx, state, detail, active, apply)
		return h.err
	})
}

// objectStatus shows an object's state and its detail.
func objectStatus(state, detail string, active bool) templ.Component {
	return applyStatus(state, detail, active, "")
}

func (h *htmlWriter) applyStatus(ctx context.Context, state, detail string, active bool, apply string) {
	switch {
	case state == store.StateActive && apply == store.ApplyApplying:
		h.raw(`<span class="muted" data-testid="applying" title="`)
		h.esc(h.Text("The server has not applied the last change yet"))
		h.raw(`">`)
		h.esc(h.Text("applying"))
		h.raw(`</span> `)
	case state == store.StateActive && active:
		h.raw(`<span class="outcome-success">`)
		h.esc(h.Text("active"))
		h.raw(`</span> `)
	case state == store.StateActive:
		h.raw(`<span class="muted">`)
		h.esc(h.Text("disabled"))
		h.raw(`</span> `)
	case state == store.StatePending:
		h.raw(`<span class="muted">`)
		h.esc(h.Text("being set up"))
		h.raw(`</span> `)
	case state == store.StateDeleting:
		h.raw(`<span class="muted">`)
		h.esc(h.Text("being deleted"))
		h.raw(`</span> `)
	default:
		h.raw(`<span class="outcome-failure">`)
		h.esc(stateName(ctx, state))
		h.raw(`</span> `)
	}
	if detail != "" {
		h.raw(`<small class="detail" data-testid="state-detail">`)
		h.esc(Kept(ctx, detail))
		h.raw(`</small>`)
	}
}

// MailDomainRow is one mail domain in the list; the enable/disable button replaces it in place.
func MailDomainRow(d store.MailDomain) templ.Component { return mailDomainRow{d} }

type mailDomainRow struct{ d store.MailDomain }

func (r mailDomainRow) Render(ctx context.Context, w io.Writer) error {
	d := &r.d
	h := newHTMLWriter(ctx, w)
	id := strconv.FormatInt(d.ID, 10)
	h.raw(`<tr id="mail-domain-`)
	h.raw(id)
	h.raw(`" data-testid="mail-domain-row"><td><a href="/mail/`)
	h.raw(id)
	h.raw(`" data-testid="mail-domain-name">`)
	h.esc(d.Domain)
	h.raw(`</a></td><td>`)
	h.esc(d.CustomerName)
	h.raw(`</td><td>`)
	h.num(int64(d.Mailboxes), "")
	h.raw(`</td><td data-testid="mail-domain-active">`)
	h.esc(yesNo(ctx, d.Active))
	h.raw(`</td><td data-testid="mail-domain-state">`)
	if d.State == store.StateActive && d.Apply == store.ApplyApplying {
		h.esc(h.Text("applying")) // the mail server has not taken the last change yet
	} else {
		h.esc(stateName(ctx, d.State))
	}
	if d.StateDetail != "" {
		h.raw(`: `)
		h.esc(Kept(ctx, d.StateDetail))
	}
	h.raw(`</td><td>`)
	if d.State == store.StateActive {
		h.raw(`<form method="post" action="/mail/`)
		h.raw(id)
		h.raw(`/active" hx-post="/mail/`)
		h.raw(id)
		h.raw(`/active" hx-target="closest tr" hx-swap="outerHTML" class="inline">`)
		if d.Active {
			h.toggle(`<input type="hidden" name="active" value="no"> <button type="submit" data-testid="mail-domain-disable" aria-label="`, "Disable", d.Domain)
		} else {
			h.toggle(`<input type="hidden" name="active" value="yes"> <button type="submit" data-testid="mail-domain-enable" aria-label="`, "Enable", d.Domain)
		}
	}
	h.raw(`<form method="post" action="/mail/`)
	h.raw(id)
	h.raw(`/delete" class="inline"><button type="submit" class="danger" data-testid="mail-domain-delete" aria-label="`)
	h.fill("Delete %s", d.Domain)
	h.raw(`">`)
	h.esc(h.Text("Delete"))
	h.raw(`</button></form></td></tr>`)
	return h.err
}

// CustomerRow is one customer in CustomerResults.
func CustomerRow(c store.Customer, showReseller bool) templ.Component {
	return customerRow{c, showReseller}
}

type customerRow struct {
	c            store.Customer
	showReseller bool
}

func (r customerRow) Render(ctx context.Context, w io.Writer) error {
	c, showReseller := &r.c, r.showReseller
	h := newHTMLWriter(ctx, w)
	h.raw(`<tr data-testid="customer-row"><td data-label="`)
	h.esc(h.Text("Name"))
	h.raw(`"><span><a href="/customers/`)
	h.num(c.ID, "")
	h.raw(`">`)
	h.esc(c.Name)
	h.raw(`</a> <small>`)
	h.esc(c.Company)
	h.raw(`</small></span></td><td data-label="`)
	h.esc(h.Text("Email"))
	h.raw(`">`)
	h.esc(c.Email)
	h.raw(`</td><td data-label="`)
	h.esc(h.Text("Plan"))
	h.raw(`">`)
	h.esc(c.PlanName)
	h.raw(`</td>`)
	if showReseller {
		h.raw(`<td data-label="`)
		h.esc(h.Text("Reseller"))
		h.raw(`">`)
		if c.ResellerName != "" {
			h.esc(c.ResellerName)
		} else {
			h.raw(`<small>`)
			h.esc(h.Text("direct"))
			h.raw(`</small>`)
		}
		h.raw(`</td>`)
	}
	h.raw(`<td data-label="`)
	h.esc(h.Text("State"))
	h.raw(`"><span>`)
	h.stateBadge(ctx, c)
	h.raw(`</span></td><td data-label="`)
	h.esc(h.Text("Created"))
	h.raw(`">`)
	h.esc(Date(ctx, c.CreatedAt))
	h.raw(`</td></tr>`)
	return h.err
}

// StateBadge shows a customer's provisioning and suspension state.
func StateBadge(c store.Customer) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		h := newHTMLWriter(ctx, w)
		h.stateBadge(ctx, &c)
		return h.err
	})
}

func (h *htmlWriter) stateBadge(ctx context.Context, c *store.Customer) {
	h.raw(`<span class="`)
	h.raw("badge state-")
	h.esc(c.State)
	h.raw(`" data-testid="state">`)
	h.esc(stateWord(ctx, c.State))
	h.raw(`</span> `)
	if c.Suspension != store.SuspensionNone {
		h.raw(`<span class="badge state-suspended" data-testid="suspension">`)
		h.esc(stateWord(ctx, c.Suspension))
		h.raw(`</span>`)
	}
}

// InvoiceLine is one document in an invoice table (the invoice list, an invoice's credit notes).
func InvoiceLine(r *InvoiceRow) templ.Component { return invoiceLine{r} }

type invoiceLine struct{ r *InvoiceRow }

func (x invoiceLine) Render(ctx context.Context, w io.Writer) error {
	h, r := newHTMLWriter(ctx, w), x.r
	h.raw(`<tr data-testid="invoice-row"><td><a href="/invoices/`)
	h.num(r.ID, "")
	h.raw(`">`)
	h.esc(r.Number)
	h.raw(`</a></td><td>`)
	h.esc(h.word(r.Kind))
	h.raw(`</td><td>`)
	h.esc(r.Customer)
	h.raw(`</td><td>`)
	h.day(r.Issued)
	h.raw(`</td><td>`)
	h.day(r.Due)
	h.raw(`</td><td>`)
	h.money(r.Total, r.Currency)
	h.raw(`</td><td>`)
	h.money(r.Open, r.Currency)
	h.raw(`</td><td>`)
	h.esc(h.word(r.State))
	h.raw(`</td></tr>`)
	return h.err
}

// word is one of billingWords in the row's language, as word writes it.
func (h *htmlWriter) word(s string) string {
	if w, ok := billingWords[s]; ok {
		return h.Text(w)
	}
	return s
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// day writes t's day (UTC) as i18n's Date does: "2 Jan 2026", "02.01.2026"; nothing for nil.
func (h *htmlWriter) day(t *time.Time) {
	if t == nil {
		return
	}
	y, m, d := t.UTC().Date()
	if h.lang == i18n.De {
		h.two(d)
		h.raw(".")
		h.two(int(m))
		h.raw(".")
		h.num(int64(y), "")
		return
	}
	h.num(int64(d), "")
	h.raw(" ")
	h.raw(months[m-1])
	h.raw(" ")
	h.num(int64(y), "")
}

// two writes n (0-99) in two digits.
func (h *htmlWriter) two(n int) {
	h.raw(digits[n/10 : n/10+1])
	h.raw(digits[n%10 : n%10+1])
}

// money writes minor units of currency as i18n's Money does: "1,234.50 EUR", "-0,50 $", "1,235 JPY".
func (h *htmlWriter) money(minor int64, currency string) {
	places := i18n.MinorDigits(currency)
	if places <= 0 {
		h.num(minor, h.lang.Group())
	} else {
		if minor < 0 {
			h.raw("-")
		}
		u := uint64(minor)
		if minor < 0 {
			u = -u
		}
		div := uint64(1)
		for range places {
			div *= 10
		}
		h.unum(u/div, h.lang.Group())
		h.raw(h.lang.Point())
		frac := u % div
		for d := div / 10; d > 1 && frac < d; d /= 10 {
			h.raw("0")
		}
		h.unum(frac, "")
	}
	if unit := h.lang.CurrencyUnit(currency); unit != "" {
		h.raw(" ")
		h.esc(unit)
	}
}
