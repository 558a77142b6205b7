package ispapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Int is an integer read from ISPConfig, which returns every database value as a JSON string ("42"), computed
// values as JSON numbers and missing values as null. Int accepts all three; null and "" decode to 0, and a string
// is read the way PHP's intval does ("12abc" is 12).
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || string(b) == "false" {
		*n = 0
		return nil
	}
	if string(b) == "true" {
		*n = 1
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	*n = Int(intval(s))
	return nil
}

// intval mimics PHP's intval on a decimal string: leading whitespace, an optional sign, leading digits; a decimal
// fraction is dropped; anything unparsable is 0.
func intval(s string) int64 {
	s = strings.TrimSpace(s)
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	v, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// Flag is a y/n switch read from ISPConfig. "y", "Y", "1" and JSON true are true; "n", "N", "0", "", null and
// anything else are false (ISPConfig itself treats unknown values as unchecked).
type Flag bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flag) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case `"y"`, `"Y"`, `"1"`, `1`, `true`:
		*f = true
	default:
		*f = false
	}
	return nil
}

// yn encodes a boolean the only way ISPConfig stores it correctly (API.md §6 quirk 15).
func yn(b bool) string {
	if b {
		return "y"
	}
	return "n"
}

// Ptr returns a pointer to v, for the optional fields of the *Update structs.
func Ptr[T any](v T) *T { return &v }

// decodeRow decodes a single-record response; a JSON null means the record does not exist.
func decodeRow(fn string, raw json.RawMessage, out any) error {
	if isNull(raw) {
		return fmt.Errorf("ispapi: %s: %w", fn, ErrNotFound)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &APIError{Function: fn, Code: "ok", Message: "unexpected response: " + err.Error()}
	}
	return nil
}

// decodeRows decodes a list response. ISPConfig answers [] for no rows and false from a few functions.
func decodeRows[T any](fn string, raw json.RawMessage) ([]T, error) {
	if isNull(raw) || string(bytes.TrimSpace(raw)) == "false" {
		return nil, nil
	}
	var rows []T
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, &APIError{Function: fn, Code: "ok", Message: "unexpected response: " + err.Error()}
	}
	return rows, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}
