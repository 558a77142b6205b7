package ispsim

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Request values are what encoding/json yields with UseNumber: nil, bool, json.Number, string, []any,
// map[string]any — the same shapes PHP's json_decode($raw, true) produces. The helpers below give them PHP semantics.

// phpEmpty is PHP's empty().
func phpEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case json.Number:
		f, _ := x.Float64()
		return f == 0
	case string:
		return x == "" || x == "0"
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// isNumeric is PHP 8's is_numeric().
func isNumeric(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "nan") ||
			strings.HasPrefix(strings.ToLower(strings.TrimLeft(s, "+-")), "inf") || strings.HasPrefix(strings.ToLower(strings.TrimLeft(s, "+-")), "nan") {
			return 0, false
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return 0, false
}

// intval is PHP's intval().
func intval(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case bool:
		if x {
			return 1
		}
		return 0
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return clampInt(f)
	case string:
		s := strings.TrimLeft(x, " \t\n\r\v\f")
		if f, ok := isNumeric(s); ok {
			return clampInt(f)
		}
		end := 0
		if end < len(s) && (s[end] == '+' || s[end] == '-') {
			end++
		}
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		n, _ := strconv.ParseInt(s[:end], 10, 64)
		return n
	case []any:
		if len(x) > 0 {
			return 1
		}
	case map[string]any:
		if len(x) > 0 {
			return 1
		}
	}
	return 0
}

func clampInt(f float64) int64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int64(f)
}

// phpString converts a request value to the text the tform engine writes for a VARCHAR field (API.md §3.2.3 step 4):
// null and booleans become "", numbers their decimal text, arrays are joined with sep.
func phpString(v any, sep string) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return numberText(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, phpString(e, sep))
		}
		return strings.Join(parts, sep)
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, phpString(e, sep))
		}
		return strings.Join(parts, sep)
	}
	return ""
}

// numberText renders a JSON number as PHP prints the int or float json_decode made of it.
func numberText(n json.Number) string {
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, _ := n.Float64()
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'G', -1, 64)
}

// looseEqualZero is PHP 8's ($v == 0).
func looseEqualZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case json.Number:
		f, _ := x.Float64()
		return f == 0
	case string:
		if f, ok := isNumeric(x); ok {
			return f == 0
		}
		return false
	}
	return false
}

// Response values are nil, bool, string, int64, json.Number, []any, *object (ordered keys) and rowValue.

// object is a JSON object with a fixed key order.
type object struct {
	keys []string
	vals []any
}

func (o *object) add(k string, v any) *object {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	return o
}

// rowValue renders a table row as an object in column order, all values strings or null.
type rowValue struct {
	t *table
	r row
}

// appendJSON encodes v as PHP's json_encode does with default flags: "/" as "\/", non-ASCII as \uXXXX.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case string:
		return appendString(b, x)
	case nval:
		if !x.valid {
			return append(b, "null"...)
		}
		return appendString(b, x.s)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case json.Number:
		return append(b, x...)
	case []any:
		if len(x) == 0 {
			return append(b, "[]"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']')
	case *object:
		if len(x.keys) == 0 {
			return append(b, "[]"...)
		}
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x.vals[i])
		}
		return append(b, '}')
	case rowValue:
		b = append(b, '{')
		for i, c := range x.t.cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c.name)
			b = append(b, ':')
			b = appendJSON(b, x.r[i])
		}
		return append(b, '}')
	case map[string]any:
		o := &object{}
		for k, e := range x {
			o.add(k, e)
		}
		return appendJSON(b, o)
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\', '/':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				if c < 0x20 {
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			b = appendU(b, 0xD800+(r>>10))
			b = appendU(b, 0xDC00+(r&0x3ff))
		} else {
			b = appendU(b, r)
		}
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[(r>>12)&0xf], hexDigits[(r>>8)&0xf], hexDigits[(r>>4)&0xf], hexDigits[r&0xf])
}
