package ispapi

import (
	"strings"
	"testing"

	"portal/internal/i18n"
)

// TestCheckText_LengthInGerman: the length rule is a format with the column's width as its argument.
func TestCheckText_LengthInGerman(t *testing.T) {
	m := CheckText(strings.Repeat("x", 65), MaxContactName)
	if got, want := m.In(i18n.De), "Verwenden Sie höchstens 64 Zeichen."; got != want {
		t.Errorf("German: %q, want %q", got, want)
	}
	if got, want := m.String(), "Use at most 64 characters."; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	if _, m := CleanText("  ", 10, true); m.In(i18n.De) != "Dieses Feld ist erforderlich." {
		t.Errorf("required: %q", m.In(i18n.De))
	}
	if _, m := CleanText(" ok ", 10, true); m.Format != "" {
		t.Errorf("valid text refused: %q", m)
	}
}
