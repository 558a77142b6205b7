package views

import (
	"math"
	"strconv"
	"strings"
)

// luminance is the WCAG relative luminance of #rrggbb.
func luminance(hexColour string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hexColour, "#"), 16, 32)
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

// Contrast is the WCAG contrast ratio of two #rrggbb colours (1 to 21).
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TextOn is the text colour for an accent background: white when it reads at 4.5:1 or better, else black (one of
// the two always does).
func TextOn(accent string) string {
	if Contrast(accent, "#ffffff") >= 4.5 {
		return "#ffffff"
	}
	return "#000000"
}

// ThemeCSS is the stylesheet that gives pages the accent colour: buttons and the header line in the accent with
// text picked by TextOn; links and the focus ring take it only where it reads on the page backgrounds.
func ThemeCSS(accent string) string {
	var b strings.Builder
	b.WriteString(":root{--accent:" + accent + ";--accent-fg:" + TextOn(accent) + ";")
	if Contrast(accent, "#ffffff") >= 4.5 && Contrast(accent, "#f5f6f8") >= 4.5 {
		b.WriteString("--link:" + accent + ";--focus:" + accent + ";")
	}
	b.WriteString("}\n")
	return b.String()
}
