package views

import (
	"context"
	"html"
	"io"
)

// Text renders s HTML-escaped, as { s } does, without allocating. templ (v0.3) formats every { } expression with
// fmt.Sprint, two allocations each, which a list pays for every cell of every row; list rows write their cells as
// @Text(s) instead (TestListRowAllocations).
type Text string

// Render writes t escaped.
func (t Text) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, html.EscapeString(string(t)))
	return err
}
