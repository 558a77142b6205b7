// Package i18n is the portal's one string catalogue: English and German.
//
// Messages are keyed by their English text (the way gettext does it), so a template reads as the page does:
// { T(ctx, "Sites") }. English needs no entry except for plurals; German has an entry for every message the code
// uses, and TestCatalogue fails when one is missing, when German has an entry no code uses, or when a translation
// changes a format's verbs. Formats take fmt verbs: Tf(ctx, "Delete %s", name).
//
// The language travels in the request's context (With); handlers pick it from the account's choice, else from
// Accept-Language (Pick). Looking up a message without arguments is a map read: it does not allocate.
package i18n

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language the portal speaks.
type Lang string

const (
	En Lang = "en"
	De Lang = "de"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{En, De}

// Name is the language's name in itself, for a language picker.
func (l Lang) Name() string {
	if l == De {
		return "Deutsch"
	}
	return "English"
}

// Parse returns the supported language named s ("en", "de"), or false.
func Parse(s string) (Lang, bool) {
	switch Lang(s) {
	case En, De:
		return Lang(s), true
	}
	return En, false
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.German})

// Pick chooses the language: the account's own choice when it made one, else the best match for the browser's
// Accept-Language header, else English.
func Pick(choice, acceptLanguage string) Lang {
	if l, ok := Parse(choice); ok {
		return l
	}
	if acceptLanguage == "" {
		return En
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return En
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return En
	}
	return Langs[i]
}

type ctxKey struct{}

// With returns ctx speaking l.
func With(ctx context.Context, l Lang) context.Context { return context.WithValue(ctx, ctxKey{}, l) }

// From returns the language of ctx; English when none was set.
func From(ctx context.Context) Lang {
	if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
		return l
	}
	return En
}

// Plural is a message's singular and plural form. German and English share the rule: one for exactly 1.
type Plural struct{ One, Other string }

var (
	text   = map[Lang]map[string]string{De: {}}
	plural = map[Lang]map[string]Plural{En: {}, De: {}}
)

// Add registers translations into l; each area of the portal registers its own file from init. A message
// registered twice with different translations panics, so TestCatalogue catches it.
func Add(l Lang, m map[string]string) {
	for k, v := range m {
		if old, ok := text[l][k]; ok && old != v {
			panic(fmt.Sprintf("i18n: %q translated twice into %s: %q and %q", k, l, old, v))
		}
		text[l][k] = v
	}
}

// AddPlural registers plural messages into l, keyed by the English plural format ("%d sites").
func AddPlural(l Lang, m map[string]Plural) {
	for k, v := range m {
		if old, ok := plural[l][k]; ok && old != v {
			panic(fmt.Sprintf("i18n: plural %q registered twice into %s", k, l))
		}
		plural[l][k] = v
	}
}

// Text returns msg in l, or msg itself when l is English or has no translation.
func (l Lang) Text(msg string) string {
	if l == En {
		return msg
	}
	if s, ok := text[l][msg]; ok {
		return s
	}
	return msg
}

// T translates msg into ctx's language.
func T(ctx context.Context, msg string) string { return From(ctx).Text(msg) }

// Tf translates format and formats args into it; arguments of type Msg are translated too, and Localized ones
// (a List, a Kept message, a fail.Text, an amount) are written in the language.
func Tf(ctx context.Context, format string, args ...any) string {
	return From(ctx).Textf(format, args...)
}

// Ts is Tf for a format with one %s filled by s, the accessible name of a row's button ("Delete %s"): it
// allocates only the result, where Tf also boxes its argument and runs fmt (list pages do it on every row).
func Ts(ctx context.Context, format, s string) string {
	return strings.Replace(From(ctx).Text(format), "%s", s, 1)
}

// Textf is Tf for a known language.
func (l Lang) Textf(format string, args ...any) string {
	copied := false
	for i, a := range args {
		var s string
		switch m := a.(type) {
		case Msg:
			s = l.Text(string(m))
		case Localized: // a List, Kept, a fail.Text, an amount
			s = m.In(l)
		default:
			continue
		}
		if !copied { // the caller's slice keeps its values
			args, copied = append([]any(nil), args...), true
		}
		args[i] = s
	}
	return fmt.Sprintf(l.Text(format), args...)
}

// M marks s as a message that is translated later, where it is shown (a navigation label kept in a table, a
// status name): the catalogue test counts it as used. It returns s unchanged.
func M(s string) string { return s }

// Msg marks a format argument that is itself a message ("site", "mail domain"), translated with the format.
type Msg string

// List is a format argument made of messages ("sites", "mailboxes"), translated one by one and joined with ", ".
type List []string

// In returns the list in l.
func (m List) In(l Lang) string {
	out := make([]string, len(m))
	for i, s := range m {
		out[i] = l.Text(s)
	}
	return strings.Join(out, ", ")
}

// N formats the plural message key for count n: N(ctx, "%d sites", 3) is "3 sites", "3 Websites" in German.
// Further args follow n.
func N(ctx context.Context, key string, n int, args ...any) string {
	return From(ctx).Plural(key, n, args...)
}

// Plural is N for a known language.
func (l Lang) Plural(key string, n int, args ...any) string {
	p, ok := plural[l][key]
	if !ok {
		p, ok = plural[En][key]
	}
	form := key
	if ok {
		form = p.Other
		if n == 1 {
			form = p.One
		}
	}
	return fmt.Sprintf(form, append([]any{n}, args...)...)
}

// Number writes n with the language's thousands separator: 12,345 or 12.345.
func (l Lang) Number(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprint(n)
	sep := l.Group()
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Point is the language's decimal mark: 1.5 or 1,5.
func (l Lang) Point() string {
	if l == De {
		return ","
	}
	return "."
}

// Group is the language's thousands separator: 1,234 or 1.234.
func (l Lang) Group() string {
	if l == De {
		return "."
	}
	return ","
}

// Decimal writes minor units with digits decimals in the language's notation: 1,234.50 or 1.234,50.
func (l Lang) Decimal(minor int64, digits int) string {
	if digits <= 0 {
		return l.Number(minor)
	}
	neg := minor < 0
	if neg {
		minor = -minor
	}
	div := int64(1)
	for range digits {
		div *= 10
	}
	s := l.Number(minor/div) + l.Point() + fmt.Sprintf("%0*d", digits, minor%div)
	if neg {
		s = "-" + s
	}
	return s
}
