package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Keep encodes a message for a database column, to be shown later in the reader's language (a record's state
// detail, a signup's progress): the English format and its arguments, as JSON. Strings and numbers are kept as
// they are; Msg, List, Kept (the detail of another record) and fail.Text arguments are kept as messages and
// translated where shown. Read it back with Kept.
func Keep(format string, args ...any) string {
	b, err := json.Marshal(keep(format, args))
	if err != nil { // every value keep makes marshals
		return format
	}
	return string(b)
}

// kept is a message as Keep writes it: {"m": format, "a": [arguments]}; a List argument is {"l": [messages]}.
type kept struct {
	M string   `json:"m,omitempty"`
	A []any    `json:"a,omitempty"`
	L []string `json:"l,omitempty"`
}

func keep(format string, args []any) kept {
	k := kept{M: format}
	for _, a := range args {
		switch v := a.(type) {
		case Msg:
			k.A = append(k.A, kept{M: string(v)})
		case List:
			k.A = append(k.A, kept{L: v})
		case Kept:
			if d, ok := v.decode(); ok {
				k.A = append(k.A, d)
			} else {
				k.A = append(k.A, string(v))
			}
		case interface{ Keep() string }: // a fail.Text
			if d, ok := Kept(v.Keep()).decode(); ok {
				k.A = append(k.A, d)
			} else {
				k.A = append(k.A, fmt.Sprint(v))
			}
		case string, int, int64, int32, uint, uint64, float64:
			k.A = append(k.A, v)
		default:
			k.A = append(k.A, fmt.Sprint(v))
		}
	}
	return k
}

// Kept is a column's text written by Keep, or plain text written before messages were kept there, which shows as
// it is. As a format argument it is shown in the format's language.
type Kept string

// In returns the message in l.
func (k Kept) In(l Lang) string {
	d, ok := k.decode()
	if !ok {
		return string(k)
	}
	return d.in(l)
}

func (k Kept) decode() (kept, bool) {
	if !strings.HasPrefix(string(k), `{"m":`) && !strings.HasPrefix(string(k), `{"l":`) {
		return kept{}, false
	}
	return decode([]byte(k))
}

// stored is kept as decoded: its arguments stay raw until their types are known.
type stored struct {
	M string            `json:"m"`
	A []json.RawMessage `json:"a"`
	L []string          `json:"l"`
}

func decode(b []byte) (kept, bool) {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil || s.M == "" && s.L == nil {
		return kept{}, false
	}
	d := kept{M: s.M, L: s.L}
	for _, raw := range s.A {
		var a any
		switch {
		case bytes.HasPrefix(raw, []byte("{")):
			a = "" // an empty Msg or List is kept as {}
			if n, ok := decode(raw); ok {
				a = n
			}
		default:
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&a); err != nil {
				return kept{}, false
			}
		}
		d.A = append(d.A, a)
	}
	return d, true
}

func (d kept) in(l Lang) string {
	if d.L != nil {
		return List(d.L).In(l)
	}
	if len(d.A) == 0 {
		return l.Text(d.M)
	}
	args := make([]any, len(d.A))
	for i, a := range d.A {
		args[i] = arg(a, l)
	}
	return fmt.Sprintf(l.Text(d.M), args...)
}

// arg turns a decoded argument back into what Sprintf expects: a number, a string, or a translated message.
func arg(a any, l Lang) any {
	switch v := a.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case kept:
		return v.in(l)
	}
	return a
}
