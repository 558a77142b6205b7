package views

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestContrast(t *testing.T) {
	if c := Contrast("#000000", "#ffffff"); math.Abs(c-21) > 0.01 {
		t.Fatalf("black on white: %.2f, want 21", c)
	}
	if c := Contrast("#777777", "#777777"); c != 1 {
		t.Fatalf("a colour on itself: %.2f, want 1", c)
	}
}

// TestTextOn_AlwaysReadable: whatever accent a reseller picks, the text on it reads at 4.5:1 or better, and the
// theme gives links the accent only where it reads on the page.
func TestTextOn_AlwaysReadable(t *testing.T) {
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				accent := fmt.Sprintf("#%02x%02x%02x", r, g, b)
				if c := Contrast(accent, TextOn(accent)); c < 4.5 {
					t.Fatalf("%s: text %s reads at %.2f:1", accent, TextOn(accent), c)
				}
				css := ThemeCSS(accent)
				if strings.Contains(css, "--link:") && Contrast(accent, "#f5f6f8") < 4.5 {
					t.Fatalf("%s: links take an accent that reads at %.2f:1 on the page", accent, Contrast(accent, "#f5f6f8"))
				}
			}
		}
	}
	if TextOn("#ffcc00") != "#000000" || TextOn("#1f5fbf") != "#ffffff" {
		t.Fatalf("yellow gets %s, blue gets %s", TextOn("#ffcc00"), TextOn("#1f5fbf"))
	}
}
